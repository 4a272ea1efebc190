"""The one way a view signs a person in: a session row, the Flask-Login cookie and the audit entry."""

from __future__ import annotations

from flask import g, request
from flask_login import login_user

from lms.extensions import db
from lms.sessions.models import UserSession
from lms.sessions.services import record_sign_in, start_session
from lms.types import utcnow
from lms.users.models import User


def sign_in(user: User, *, method: str, remember: bool = False, org_id: int | None = None) -> UserSession:
    """Open a server-side session for ``user`` and put its token in this browser's cookie."""
    now = utcnow()
    row, token = start_session(user, method=method, user_agent=request.user_agent.string,
                               ip=request.remote_addr, now=now)
    user.session_token = token  # read by User.get_id, which Flask-Login stores in the cookie
    login_user(user, remember=remember)
    g.user_session = row
    record_sign_in(user, email=user.email, method=method, success=True, now=now, ip=request.remote_addr,
                   org_id=org_id)
    return row


def current_session() -> UserSession | None:
    """The session row of this request's cookie: the one just signed in, or the one Flask-Login's user
    load found (its id; the row is read here, by the few pages that show or end it)."""
    if g.get("user_session") is None and g.get("user_session_id") is not None:
        g.user_session = db.session.get(UserSession, g.user_session_id)
    return g.get("user_session")
