"""Account emails, sent as jobs that take IDs."""

from __future__ import annotations

from lms import mail
from lms.auth.services import reset_token, verification_token
from lms.extensions import db
from lms.security import external_url
from lms.users.models import User


def send_verification_email(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or user.is_verified:
        return
    link = external_url("auth.verify_email", token=verification_token(user))
    mail.send(user.email, "Confirm your Continuum email address", "verify_email", user=user, link=link)


def send_password_reset_email(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return
    link = external_url("auth.reset_password", token=reset_token(user))
    mail.send(user.email, "Reset your Continuum password", "reset_password", user=user, link=link)
