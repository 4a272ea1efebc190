"""SCIM bearer tokens and what SCIM knows about a membership or a team beyond the core columns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.types import UTCDateTime, utcnow


class ScimToken(db.Model):
    """A per-organisation bearer token for the identity provider: shown once, only its hash kept."""

    __tablename__ = "scim_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12))  # the last characters, to tell tokens apart
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ScimUser(db.Model):
    """A membership as the identity provider manages it. The SCIM id is the membership's id."""

    __tablename__ = "scim_user"
    __table_args__ = (Index("ix_scim_user_org_user_name", "org_id", "user_name"),)

    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(255))
    # The provider's identifier for the person (lower case), unique in the organisation; the account's
    # sign-in email is the work email, which need not be the same.
    user_name: Mapped[str] = mapped_column(String(255), default="")
    # The published attributes as last written (name parts, emails, display name, title, department):
    # returned as written, so the provider reads back what it sent.
    document: Mapped[dict] = mapped_column(JSON, default=dict)
    # True when SCIM created the account: only then may SCIM change its name and email.
    created_account: Mapped[bool] = mapped_column(default=False)
    # DELETE: the membership is a leaver (its records stay) and the resource is gone for SCIM (404).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScimGroup(db.Model):
    """A team as the identity provider manages it. The SCIM id is the team's id."""

    __tablename__ = "scim_group"

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(255))
    # How the provider labels each member (membership id -> display), returned as it sent it.
    member_display: Mapped[dict] = mapped_column(JSON, default=dict)
    # DELETE detaches the team from the provider (404 for SCIM); the team and its history stay.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
