"""The second step of signing in, between a checked password and a session.

``begin`` is what the password form (or any other first factor) calls instead of ``login_user``:
it signs the user in when no second factor is needed or set up, and otherwise remembers, in the
signed session cookie, who passed the first step, for ten minutes, and sends them on to give a
code, use a passkey or (when policy requires one and they have none) set one up.
"""

from __future__ import annotations

import hmac
import time

from flask import redirect, session, url_for

from lms.extensions import db
from lms.mfa import services
from lms.security import safe_next
from lms.sessions.login import sign_in
from lms.users.models import User

PENDING = "mfa_pending"
MAX_AGE_SECONDS = 600


def begin(user: User, *, method: str = "password", remember: bool = False, next_url: str | None = None):
    if not services.has_second_factor(user) and not services.requires_second_factor(user):
        sign_in(user, method=method, remember=remember)
        return redirect(next_url or url_for("main.dashboard"))
    session[PENDING] = {"uid": user.id, "nonce": user.session_nonce, "remember": bool(remember),
                        "next": next_url, "at": int(time.time()), "method": method}
    if services.has_second_factor(user):
        return redirect(url_for("mfa.verify"))
    return redirect(url_for("mfa.setup"))


def pending_user() -> User | None:
    """Who passed the password step in this browser, if that was less than ten minutes ago."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    if time.time() - int(data.get("at") or 0) > MAX_AGE_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, data["uid"])
    # A password change or a disabled account since the first step voids it.
    if user is None or not user.is_active or not hmac.compare_digest(user.session_nonce, str(data.get("nonce"))):
        return None
    return user


def pending_key() -> str:
    data = session.get(PENDING)
    return f"mfa-pending:{data.get('uid')}" if isinstance(data, dict) else "mfa-pending:none"


def begin_passwordless(user: User) -> None:
    """A passkey with user verification is possession and PIN or biometric: both factors at once."""
    session[PENDING] = {"uid": user.id, "nonce": user.session_nonce, "remember": False, "next": None,
                        "at": int(time.time()), "method": "passkey"}


def finish(user: User) -> str:
    """Sign the pending user in; returns where to go next."""
    data = session.pop(PENDING, None) or {}
    method = data.get("method") or "password"
    sign_in(user, method="password+mfa" if method == "password" else method, remember=bool(data.get("remember")))
    return safe_next(data.get("next")) or url_for("main.dashboard")
