"""The credits contract (lms/activities.py) for live activities run as meetings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from lms.activities import ActivityInfo, Participation
from lms.extensions import db
from lms.types import utcnow
from meetings.attendance import live_credit_hours, total_minutes
from meetings.models import Meeting
from meetings.services import has_evaluation
from meetings.tracking import accredited_windows, attendance_report, credible_spans, intersect
from meetings.tracking import attendance_summary as _summary


def _live(meeting_id: int) -> Meeting | None:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.category != "education" or not meeting.is_accredited:
        return None
    return meeting


def activity_info(meeting_id: int) -> ActivityInfo | None:
    """Only meetings that are accredited live activities are credit activities."""
    meeting = _live(meeting_id)
    if meeting is None:
        return None
    zone = ZoneInfo(meeting.timezone)
    return ActivityInfo(
        kind="meeting", id=meeting.id, version=None, title=meeting.title, format="live",
        provider_org_id=meeting.org_id, provider_name=meeting.org.name,
        designations={d.credit_type_code: Decimal(d.max_credits) for d in meeting.designations},
        start_date=meeting.starts_at.astimezone(zone).date(), end_date=meeting.ends_at.astimezone(zone).date(),
        timezone=meeting.timezone,
        topics=tuple(t.strip() for t in (meeting.topics or "").split(",") if t.strip()),
        acpe_uan=meeting.acpe_uan, accreditation_statement=meeting.accreditation_statement or "",
    )


def participation(learner_id: int, meeting_id: int, *, now: datetime | None = None) -> Participation:
    """Completion = enough credible minutes inside the accredited schedule, once the meeting is over.

    Credible means verified, observed or host-confirmed; self-reported browser events never count
    unless the host confirmed them. ``max_claimable`` is rounded down to 0.25 h and capped.
    """
    now = now or utcnow()
    meeting = _live(meeting_id)
    if meeting is None:
        return Participation(completed_at=None, evaluation_submitted=False, max_claimable=Decimal("0.00"),
                             minutes_attended=0)
    spans = credible_spans(meeting, learner_id, now)
    windows = accredited_windows(meeting)
    minutes = total_minutes(intersect(spans, windows))
    per_type = {d.credit_type_code: live_credit_hours(spans, windows, Decimal(d.max_credits))
                for d in meeting.designations}
    cap = max((Decimal(d.max_credits) for d in meeting.designations), default=Decimal("0"))
    over = now >= meeting.ends_at or meeting.ended_at is not None
    qualifies = over and minutes >= max(meeting.min_credit_minutes, 15)
    return Participation(
        completed_at=meeting.ends_at if qualifies else None,
        evaluation_submitted=has_evaluation(learner_id, meeting.id),
        max_claimable=live_credit_hours(spans, windows, cap) if qualifies else Decimal("0.00"),
        minutes_attended=minutes,
        details={"per_type": per_type if qualifies else {k: Decimal("0.00") for k in per_type},
                 "min_minutes": meeting.min_credit_minutes},
    )


def attendance_summary(learner_id: int, meeting_id: int, *, now: datetime | None = None):
    return _summary(meeting_id, learner_id, now=now)


def attendees(meeting_id: int, *, now: datetime) -> list[int]:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return []
    rows = attendance_report(meeting, now=now, include_absent=False)
    return [int(r.key[1:]) for r in rows if r.key.startswith("u") and r.key[1:].isdigit()]
