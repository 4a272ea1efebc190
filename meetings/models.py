"""Meetings, who is invited, attendance intervals, minutes, action items and live-credit designations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, SmallInteger,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow
from lms.users.models import User

# There is deliberately no patient-care category: the rooms are non-clinical.
CATEGORIES = {
    "administrative": "Administrative meeting",
    "training": "Staff training",
    "education": "Education / live activity",
}
RECURRENCES = {"none": "Does not repeat", "weekly": "Weekly", "monthly": "Monthly"}
# Strongest first (DESIGN.md, "Live credit from meetings").
EVIDENCE = {
    "verified": "Verified (signed Jitsi event)",
    "observed": "Observed (room polling)",
    "host_confirmed": "Confirmed by host",
    "self_reported": "Self-reported (browser)",
    "acknowledged": "Read and signed the minutes",
}
CREDIBLE_EVIDENCE = frozenset({"verified", "observed", "host_confirmed"})
SOURCES = {"webhook": "JaaS webhook", "event_sync": "Prosody event", "poll": "Room polling",
           "iframe": "Browser", "host": "Host"}


class Meeting(db.Model):
    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("category IN ('administrative', 'training', 'education')", name="category_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), default="administrative")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Recurrence: weekly or monthly, a number of occurrences (the last one's end is ``series_ends_at``).
    recurrence: Mapped[str] = mapped_column(String(10), default="none")
    recurrence_count: Mapped[int] = mapped_column(Integer, default=1)
    series_ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # At least 128 bits, lowercase (Prosody lowercases the JWT room claim).
    room_name: Mapped[str] = mapped_column(String(64), unique=True)
    ical_uid: Mapped[str] = mapped_column(String(120), unique=True)
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)
    open_to_org: Mapped[bool] = mapped_column(Boolean, default=False)
    recording_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    lobby_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    passcode: Mapped[str | None] = mapped_column(String(12))
    # Staff training only: a manager may let "read and signed" minutes count as attendance.
    ack_counts_as_attendance: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Live activity (category "education") with credit.
    is_accredited: Mapped[bool] = mapped_column(Boolean, default=False)
    accredited_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accredited_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    min_credit_minutes: Mapped[int] = mapped_column(Integer, default=15)
    accreditation_statement: Mapped[str] = mapped_column(Text, default="")
    acpe_uan: Mapped[str | None] = mapped_column(String(40))
    topics: Mapped[str] = mapped_column(String(300), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    org = relationship("Organisation")
    host: Mapped[User | None] = relationship(foreign_keys=[host_id])
    cohosts: Mapped[list["MeetingCohost"]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    invitees: Mapped[list["MeetingInvitee"]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    teams: Mapped[list["MeetingTeam"]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    designations: Mapped[list["MeetingCredit"]] = relationship(back_populates="meeting",
                                                               cascade="all, delete-orphan")
    action_items: Mapped[list["ActionItem"]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                            order_by="ActionItem.id")

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class MeetingCohost(db.Model):
    __tablename__ = "meeting_cohost"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="cohosts")
    user: Mapped[User] = relationship()


class MeetingInvitee(db.Model):
    """A person invited by name (teams and the whole organisation are resolved when needed)."""

    __tablename__ = "meeting_invitee"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="invitees")
    user: Mapped[User] = relationship()


class MeetingTeam(db.Model):
    __tablename__ = "meeting_team"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True, index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="teams")
    team = relationship("Team")


class MeetingCredit(db.Model):
    """A credit designation of a live activity: the maximum of one credit type."""

    __tablename__ = "meeting_credit"
    __table_args__ = (CheckConstraint("max_credits > 0", name="max_positive"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    credit_type_code: Mapped[str] = mapped_column(ForeignKey("credit_type.code"), primary_key=True)
    max_credits: Mapped[Decimal] = mapped_column(Numeric(5, 2))

    meeting: Mapped[Meeting] = relationship(back_populates="designations")


class AttendanceInterval(db.Model):
    """One stretch of presence in the room, with how we know it (``EVIDENCE``) and where from (``SOURCES``)."""

    __tablename__ = "attendance_interval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    # Null when Jitsi only told us a display name or a JID.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    participant_key: Mapped[str] = mapped_column(String(200), default="")  # occupant id or JID resource
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(300), default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Corrections void an interval (audited); nothing about attendance is deleted by hand.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class JitsiEvent(db.Model):
    """A signed attendance event as received (JaaS webhook or Prosody event_sync), deduplicated.

    Intervals of source webhook/event_sync are rebuilt from these, ordered by the event's own
    timestamp, so events that arrive out of order still give the right intervals.
    """

    __tablename__ = "jitsi_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(20))
    event_type: Mapped[str] = mapped_column(String(40))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    participant_key: Mapped[str] = mapped_column(String(200), default="")
    person_key: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MinutesAcknowledgement(db.Model):
    __tablename__ = "minutes_acknowledgement"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class ActionItem(db.Model):
    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="action_items")
    owner: Mapped[User | None] = relationship()


class MeetingEvaluation(db.Model):
    """The short post-meeting evaluation a learner completes before claiming live credit."""

    __tablename__ = "meeting_evaluation"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        CheckConstraint("change_practice BETWEEN 1 AND 5", name="change_practice_range"),
        CheckConstraint("met_objectives BETWEEN 1 AND 5", name="met_objectives_range"),
        CheckConstraint("free_of_bias BETWEEN 1 AND 5", name="free_of_bias_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    change_practice: Mapped[int] = mapped_column(SmallInteger)
    met_objectives: Mapped[int] = mapped_column(SmallInteger)
    free_of_bias: Mapped[int] = mapped_column(SmallInteger)
    comments: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarFeed(db.Model):
    """A personal calendar feed. Only the token's hash is stored; rotating it revokes the old URL."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
