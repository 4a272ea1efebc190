"""API tokens and idempotency records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.orgs.models import Organisation
from lms.types import UTCDateTime, utcnow
from lms.users.models import User


class ApiToken(db.Model):
    """A personal access token (``org_id`` empty) or an organisation's service token.

    Only the SHA-256 of the secret is stored: the secret is shown once, when it is made. A
    service token acts as the manager who made it, inside its organisation only, and stops
    working as soon as that person is no longer a manager there.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so people can tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    org: Mapped[Organisation | None] = relationship()

    @property
    def kind(self) -> str:
        return "service" if self.org_id else "personal"

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(db.Model):
    """The first answer to a creating POST sent with an ``Idempotency-Key``.

    A retry with the same key, principal and body gets the same answer back; the same key
    with another body is refused (422), as the IETF Idempotency-Key draft asks.
    """

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("principal", "key"), Index("ix_api_idempotency_created_at", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal: Mapped[str] = mapped_column(String(40))  # "token:<id>"
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
