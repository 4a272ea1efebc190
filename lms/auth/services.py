"""Account rules as plain functions: the clock and the actor are arguments."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from lms import text
from lms.errors import RuleViolation
from lms.audit.services import record
from lms.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from lms.extensions import db
from lms.users.models import PROFESSIONS, User, new_session_nonce


class AuthError(RuleViolation):
    """Base for account rule violations; ``str(exc)`` is safe to show the user."""


class EmailTaken(AuthError):
    pass


class InvalidCredentials(AuthError):
    def __init__(self):
        super().__init__("Incorrect email or password.")


class NotVerified(AuthError):
    def __init__(self):
        super().__init__("Please verify your email address first: we have sent you a new link.")


class InvalidToken(AuthError):
    pass


class WeakPassword(AuthError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def normalise_email(email: str) -> str:
    """NFKC, IDNA domain, lower case: ``ａdmin@example.com`` is ``admin@example.com`` (see ``lms.text``)."""
    return text.normalise_email(email)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_password_policy(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> None:
    problems = password_problems(password, email=email, names=names)
    if problems:
        raise WeakPassword(problems)


def register(*, email: str, password: str, first_name: str, last_name: str, profession: str, now: datetime,
             timezone: str | None = None) -> User:
    """Create an unverified account. The email must be unused and the password acceptable; the time
    zone is the browser's when it names a real zone, else UTC."""
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise EmailTaken("An account with this email address already exists. Log in or reset your password.")
    check_password_policy(password, email=email, names=(first_name, last_name))
    if profession not in PROFESSIONS:
        raise AuthError("Choose a profession from the list.")
    user = User(
        email=email,
        password_hash=hash_password(password, current_app.config),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        profession=profession,
        created_at=now,
        timezone=_known_zone(timezone),
    )
    db.session.add(user)
    db.session.flush()
    return user


def _known_zone(name: str | None) -> str:
    from zoneinfo import available_timezones

    return name if name and len(name) <= 64 and name in available_timezones() else "UTC"


def authenticate(email: str, password: str) -> User:
    """Return the user for valid credentials. Unknown email and wrong password fail alike."""
    user = get_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password, current_app.config):
        raise InvalidCredentials()
    if not user.is_active:
        raise InvalidCredentials()
    if not user.is_verified:
        raise NotVerified()
    if needs_rehash(user.password_hash, current_app.config):
        user.password_hash = hash_password(password, current_app.config)
    return user


def end_sessions(user: User, *, now: datetime | None = None, reason: str = "password-changed") -> None:
    """Invalidate every session cookie issued to ``user`` so far (password change, disabled account)."""
    from lms.sessions.services import end_all_sessions
    from lms.types import utcnow

    user.session_nonce = new_session_nonce()
    end_all_sessions(user, now=now or utcnow(), reason=reason)


# Tokens. Each purpose has its own salt so a token for one cannot be replayed as another.

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"continuum.{purpose}")


def _fingerprint(user: User) -> str:
    # Changes when the password or session nonce changes, so a reset link works once.
    data = f"{user.password_hash}|{user.session_nonce}|{user.email}".encode()
    return hashlib.sha256(data).hexdigest()[:24]


def verification_token(user: User) -> str:
    return _serializer("verify-email").dumps({"uid": user.id, "email": user.email})


def reset_token(user: User) -> str:
    return _serializer("reset-password").dumps({"uid": user.id, "fp": _fingerprint(user)})


def _load(purpose: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidToken("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise InvalidToken("This link is not valid. Ask for a new one.") from None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        raise InvalidToken("This link is not valid. Ask for a new one.")
    return data


def verify_email(token: str, *, now: datetime) -> User:
    data = _load("verify-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, data["uid"])
    if user is None or user.email != data.get("email") or not user.is_active:
        raise InvalidToken("This link is not valid. Ask for a new one.")
    if user.email_verified_at is None:
        user.email_verified_at = now
    return user


def user_for_reset_token(token: str) -> User:
    data = _load("reset-password", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, data["uid"])
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        raise InvalidToken("This link has already been used or is no longer valid. Ask for a new one.")
    return user


def reset_password(token: str, new_password: str, *, now: datetime) -> User:
    """Set a new password from a single-use, expiring emailed token; ends every session."""
    user = user_for_reset_token(token)
    check_password_policy(new_password, email=user.email, names=(user.first_name, user.last_name))
    user.password_hash = hash_password(new_password, current_app.config)
    # Following an emailed link proves the address too.
    user.email_verified_at = user.email_verified_at or now
    end_sessions(user)
    return user


def change_password(user: User, current: str, new: str, *, now: datetime) -> None:
    if not verify_password(user.password_hash, current, current_app.config):
        raise InvalidCredentials()
    check_password_policy(new, email=user.email, names=(user.first_name, user.last_name))
    user.password_hash = hash_password(new, current_app.config)
    end_sessions(user)


def set_disabled(actor: User, user: User, disabled: bool, *, now: datetime, ip: str | None = None) -> None:
    """Disable or re-enable an account (site administrators). Disabling ends its sessions."""
    before = {"disabled": user.disabled_at is not None}
    user.disabled_at = now if disabled else None
    if disabled:
        end_sessions(user, now=now, reason="disabled")
    record(actor, "account.disable" if disabled else "account.enable", user, now=now,
           before=before, after={"disabled": disabled}, ip=ip)
