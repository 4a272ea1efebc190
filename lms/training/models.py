"""Training assignments, roster imports and the learner's mail preference.

Who an assignment applies to is never stored per person: it is worked out from memberships
when read, so a new member who matches a team, job title or the whole organisation gets it
at once, and a leaver (deactivated membership) drops out without losing any record.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, enum_type, utcnow

ITEM_KINDS = {"course": "Course", "minutes": "Meeting minutes to acknowledge"}
IMPORT_STATUSES = ("preview", "applied", "discarded")
TARGET_KINDS = {"org": "Everyone in the organisation", "team": "A team", "job_title": "A job title",
                "person": "One person"}
BASES = {"completion": "counted from each completion", "fixed": "on fixed dates from the first due date"}


class Assignment(db.Model):
    __tablename__ = "training_assignment"
    __table_args__ = (
        CheckConstraint(f"item_kind IN {tuple(ITEM_KINDS)}", name="item_kind"),
        CheckConstraint("target_kind IN ('org', 'team', 'job_title', 'person')", name="target_kind"),
        CheckConstraint("(item_kind = 'course' AND course_id IS NOT NULL) OR "
                        "(item_kind = 'minutes' AND meeting_id IS NOT NULL)", name="item_present"),
        CheckConstraint("recurrence_months IS NULL OR recurrence_months BETWEEN 1 AND 120", name="recurrence_range"),
        CheckConstraint("grace_days BETWEEN 0 AND 365", name="grace_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[str] = mapped_column(String(16))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    target_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    target_job_title: Mapped[str | None] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date)
    recurrence_months: Mapped[int | None] = mapped_column(SmallInteger)
    recurrence_basis: Mapped[str] = mapped_column(String(16), default="completion")
    grace_days: Mapped[int] = mapped_column(SmallInteger, default=0)
    is_mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Removed assignments are kept (an inspector may ask what was required when).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course = relationship("Course")
    meeting = relationship("Meeting")
    target_user = relationship("User", foreign_keys=[target_user_id])
    target_team = relationship("Team")

    @property
    def title(self) -> str:
        if self.item_kind == "course":
            version = self.course.current_version or self.course.latest_version
            return version.title if version is not None else f"Course {self.course_id}"
        return f"Minutes: {self.meeting.title}"

    @property
    def target_label(self) -> str:
        return target_label(self.target_kind, team_name=self.target_team.name if self.target_team else None,
                            person_name=self.target_user.full_name if self.target_user else None,
                            job_title=self.target_job_title)

    @property
    def recurrence_label(self) -> str:
        return recurrence_label(self.recurrence_months, self.recurrence_basis)


def target_label(kind: str, *, team_name: str | None, person_name: str | None, job_title: str | None) -> str:
    if kind == "org":
        return "Everyone"
    if kind == "team":
        return f"Team: {team_name}" if team_name is not None else "Team (deleted)"
    if kind == "job_title":
        return f"Job title: {job_title}"
    return person_name if person_name is not None else "Person (deleted)"


def recurrence_label(months: int | None, basis: str) -> str:
    if not months:
        return "Once"
    every = "Every year" if months == 12 else f"Every {months} months"
    return f"{every}, {BASES[basis]}"


class RosterImport(db.Model):
    """An uploaded staff CSV: parsed and validated at upload, applied only when confirmed."""

    __tablename__ = "roster_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filename: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[list] = mapped_column(JSON, default=list)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(enum_type(IMPORT_STATUSES, "import_status", 16), default="preview")
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[dict | None] = mapped_column(JSON)


class TrainingPreference(db.Model):
    """Per-user mail preference. Mandatory training reminders are always sent."""

    __tablename__ = "training_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    non_mandatory_mail_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TrainingRecord(db.Model):
    """A completion a manager records by hand (an in-person fire drill, training done elsewhere, a
    refresher after a course was already completed once in Continuum). Voided, never deleted."""

    __tablename__ = "training_record"
    __table_args__ = (
        CheckConstraint("(item_kind = 'course' AND course_id IS NOT NULL) OR "
                        "(item_kind = 'minutes' AND meeting_id IS NOT NULL)", name="item_present"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[str] = mapped_column(enum_type(ITEM_KINDS, "item_kind", 16))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    completed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def item_key(self) -> str:
        return f"{self.item_kind}:{self.course_id if self.item_kind == 'course' else self.meeting_id}"
