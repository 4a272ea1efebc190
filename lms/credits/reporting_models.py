"""What an accreditor's reporting system knows about an activity: its ID there and the facts it asks
for to close the activity (ACCME PARS / JA-PARS), which the rest of Continuum does not record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

PROVIDERSHIP = {"direct": "Directly provided", "joint": "Jointly provided"}


class ParsActivity(db.Model):
    """An activity's registration in PARS (or JA-PARS for a jointly accredited provider)."""

    __tablename__ = "pars_activity"
    __table_args__ = (UniqueConstraint("activity_kind", "activity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_kind: Mapped[str] = mapped_column(String(16))
    activity_id: Mapped[int] = mapped_column(Integer)
    # The activity ID PARS assigned when the activity was registered there.
    pars_activity_id: Mapped[str] = mapped_column(String(40), default="")
    providership: Mapped[str] = mapped_column(String(8), default="direct")
    joint_providers: Mapped[str] = mapped_column(Text, default="")
    commercial_support: Mapped[bool] = mapped_column(Boolean, default=False)
    commercial_supporters: Mapped[str] = mapped_column(Text, default="")
    # Designed to change competence / performance / patient outcomes, and whether each was evaluated.
    changes_competence: Mapped[bool] = mapped_column(Boolean, default=True)
    changes_performance: Mapped[bool] = mapped_column(Boolean, default=False)
    changes_outcomes: Mapped[bool] = mapped_column(Boolean, default=False)
    # The certifying boards the activity is registered with in PARS for MOC (codes of MOC_BOARDS).
    moc_boards: Mapped[list] = mapped_column(JSON, default=list)
    location_city: Mapped[str] = mapped_column(String(120), default="")
    location_state: Mapped[str] = mapped_column(String(2), default="")
    location_country: Mapped[str] = mapped_column(String(3), default="USA")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
