"""One row per sign-in. The cookie carries a random token; only its hash is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow
from lms.users.models import User

SIGN_IN_METHODS = {"password": "Password", "password+mfa": "Password and second factor", "passkey": "Passkey",
                   "oidc": "OpenID Connect", "saml": "SAML", "test": "Test"}


class UserSession(db.Model):
    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # sha256 of the cookie's token: a database leak yields no working cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(20), default="password")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "sign-out", "signed-out-elsewhere", "everywhere", "administrator", "password-changed", "disabled",
    # "deprovisioned" (SCIM retired an account its organisation's provider created)
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def method_label(self) -> str:
        return SIGN_IN_METHODS.get(self.method, self.method)
