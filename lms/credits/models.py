"""Credit types as data: each carries the rules an accreditor sets for it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow


class CreditType(db.Model):
    """A kind of credit (AMA PRA Category 1, ANCC contact hours, ...). Rows are seeded by migrations."""

    __tablename__ = "credit_type"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40))  # "credits", "contact hours", "points"
    # Claims are whole multiples of this (AMA: 0.25, i.e. 15 minutes).
    increment: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    # Professions that may claim it; an empty list means every profession.
    professions: Mapped[list] = mapped_column(JSON, default=list)
    self_claimed: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_uan: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_nabp: Mapped[bool] = mapped_column(Boolean, default=False)
    statement: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def is_eligible(self, profession: str) -> bool:
        return not self.professions or profession in self.professions


ENTRY_KINDS = ("claim", "correction", "revocation")


class CreditEntry(db.Model):
    """One line of the credit ledger. Never updated or deleted: the database refuses it.

    A claim is positive; a correction adds the difference to an earlier claim; a revocation
    cancels what is left of it. Each correction or revocation names the claim it changes,
    who made it and why. The net credit of a claim is the sum of its entries.
    """

    __tablename__ = "credit_entry"
    __table_args__ = (
        # One claim per learner, activity and credit type: double clicks, two tabs and
        # retries all land on this constraint. (Corrections and revocations are not claims.)
        Index("uq_credit_entry_one_claim", "learner_id", "activity_kind", "activity_id", "credit_type_code",
              unique=True, sqlite_where=text("kind = 'claim'"), postgresql_where=text("kind = 'claim'")),
        Index("ix_credit_entry_activity", "activity_kind", "activity_id"),
        Index("ix_credit_entry_learner_date", "learner_id", "activity_date"),
        CheckConstraint(f"kind IN {ENTRY_KINDS}", name="kind"),
        CheckConstraint("(kind = 'claim') = (claim_id IS NULL)", name="claim_link"),
        CheckConstraint("kind != 'claim' OR amount > 0", name="claim_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("credit_entry.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    activity_kind: Mapped[str] = mapped_column(String(16))  # "course", "meeting" or "external"
    activity_id: Mapped[int] = mapped_column(Integer)
    activity_version: Mapped[int | None] = mapped_column(Integer)
    # A snapshot: what the learner claimed for stays readable if the activity changes later.
    activity_title: Mapped[str] = mapped_column(String(300))
    activity_format: Mapped[str] = mapped_column(String(16), default="")
    activity_date: Mapped[date] = mapped_column(Date)
    provider_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    topics: Mapped[list] = mapped_column(JSON, default=list)
    credit_type_code: Mapped[str] = mapped_column(ForeignKey("credit_type.code"))
    amount: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    description: Mapped[str] = mapped_column(Text, default="")  # Category 2: what the learner did
    attested: Mapped[bool] = mapped_column(Boolean, default=False)
    self_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    credit_type: Mapped[CreditType] = relationship(lazy="joined")
    claim: Mapped["CreditEntry | None"] = relationship(remote_side=[id])


class ExternalCredit(db.Model):
    """Credit earned elsewhere, recorded by the clinician: always shown as self-reported."""

    __tablename__ = "external_credit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    provider_name: Mapped[str] = mapped_column(String(200))
    activity_title: Mapped[str] = mapped_column(String(300))
    activity_date: Mapped[date] = mapped_column(Date)
    credit_type_code: Mapped[str] = mapped_column(ForeignKey("credit_type.code"))
    amount: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    certificate_path: Mapped[str | None] = mapped_column(String(100))
    certificate_filename: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Requirement(db.Model):
    """A licence or board requirement a learner tracks (from a template or their own)."""

    __tablename__ = "requirement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    template_code: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    cycle_start: Mapped[date | None] = mapped_column(Date)
    cycle_end: Mapped[date | None] = mapped_column(Date)
    total_required: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal("0"))
    credit_types: Mapped[list] = mapped_column(JSON, default=list)  # empty: any type counts
    topic_minimums: Mapped[dict] = mapped_column(JSON, default=dict)  # {"pain management/opioids": "2"}
    one_time: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReminderLog(db.Model):
    """Reminders already sent, so a scheduled run never sends the same one twice a day."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("user_id", "kind", "object_id", "sent_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    sent_on: Mapped[date] = mapped_column(Date)
