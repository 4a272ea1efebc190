"""What the credit ledger needs to know about an activity, whatever package runs it.

A course (``courses``) and a live meeting (``meetings``) are both accredited activities.
Each package exposes ``activity_info(activity_id)`` and ``participation(learner_id,
activity_id)`` in its ``credit_hooks`` module; credits and certificates read activities only
through these, so neither package imports the other.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

ACTIVITY_KINDS = {"course": "courses.credit_hooks", "meeting": "meetings.credit_hooks"}

FORMATS = {
    "enduring": "enduring material",
    "internet": "internet activity",
    "rss": "regularly scheduled series",
    "live": "live activity",
}


@dataclass(frozen=True)
class ActivityInfo:
    kind: str  # "course" or "meeting"
    id: int
    version: int | None  # the course version a learner completed; None for meetings
    title: str
    format: str  # a key of FORMATS
    provider_org_id: int
    provider_name: str
    designations: dict[str, Decimal]  # credit type code -> designated maximum
    start_date: date | None
    end_date: date | None
    timezone: str
    topics: tuple[str, ...] = ()
    acpe_uan: str | None = None
    accreditation_statement: str = ""


@dataclass(frozen=True)
class Participation:
    """A learner's standing in an activity, as far as claiming credit is concerned."""

    completed_at: datetime | None
    evaluation_submitted: bool
    # Live activities: the most credit the attendance supports (rounded, capped); None for courses,
    # where the learner attests the time actually spent up to the designation.
    max_claimable: Decimal | None = None
    minutes_attended: int | None = None
    details: dict = field(default_factory=dict)

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


@dataclass(frozen=True)
class AttendanceSummary:
    """What a certificate of attendance needs (the certificates package renders and stores it)."""

    meeting_id: int
    user_id: int
    org_id: int
    title: str
    organisation: str
    category: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    first_join: datetime | None
    last_leave: datetime | None
    minutes: int
    evidence: str
    acknowledged_minutes: bool
    attended: bool


def _hooks(kind: str):
    if kind not in ACTIVITY_KINDS:
        raise LookupError(f"unknown activity kind {kind!r}")
    return importlib.import_module(ACTIVITY_KINDS[kind])


def activity_info(kind: str, activity_id: int) -> ActivityInfo | None:
    return _hooks(kind).activity_info(activity_id)


def participation(kind: str, learner_id: int, activity_id: int) -> Participation:
    return _hooks(kind).participation(learner_id, activity_id)


def attendance_summary(kind: str, learner_id: int, activity_id: int, *, now: datetime | None = None
                       ) -> AttendanceSummary | None:
    """A learner's attendance of a live activity (None where the kind has no attendance)."""
    summary = getattr(_hooks(kind), "attendance_summary", None)
    return summary(learner_id, activity_id, now=now) if summary else None


def attendees(kind: str, activity_id: int, *, now: datetime) -> list[int]:
    """The learners with attendance on record at a live activity (none for other kinds)."""
    found = getattr(_hooks(kind), "attendees", None)
    return found(activity_id, now=now) if found else []


def activity_info_for(kind: str, learner_id: int, activity_id: int) -> ActivityInfo | None:
    """The activity as this learner took it: for a course, the version they enrolled in."""
    hooks = _hooks(kind)
    taken = getattr(hooks, "enrolment_info", None)
    info = taken(learner_id, activity_id) if taken else None
    return info or hooks.activity_info(activity_id)


@dataclass(frozen=True)
class Suggestion:
    kind: str
    id: int
    title: str
    url: str
    credit: str  # e.g. "1.5 AMA PRA Category 1 Credit™"


def suggestions(topic: str | None, credit_types: tuple[str, ...], limit: int = 3) -> list[Suggestion]:
    """Published activities that would count toward a requirement (from packages that offer them)."""
    found: list[Suggestion] = []
    for kind in ACTIVITY_KINDS:
        suggest = getattr(_hooks(kind), "suggest", None)
        if suggest:
            found.extend(suggest(topic=topic, credit_types=credit_types, limit=limit - len(found)))
        if len(found) >= limit:
            break
    return found[:limit]
