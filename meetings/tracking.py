"""Recording attendance: signed Jitsi events, room polling, browser events and host corrections,
and the per-meeting report built from them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from lms.activities import AttendanceSummary
from lms.errors import RuleViolation
from lms.audit.services import record
from lms.extensions import db
from lms.users.models import User
from meetings import jitsi
from meetings.attendance import Interval, first_and_last, intersect, merge_intervals, total_minutes
from meetings.models import (CREDIBLE_EVIDENCE, EVIDENCE, AttendanceInterval, JitsiEvent, Meeting,
                             MinutesAcknowledgement)
from meetings.recurrence import occurrences
from meetings.signals import attendance_finalised

log = logging.getLogger(__name__)

EVIDENCE_RANK = {k: i for i, k in enumerate(["verified", "observed", "host_confirmed", "self_reported",
                                              "acknowledged"])}


class AttendanceError(RuleViolation):
    pass


# --- signed events (JaaS webhooks, Prosody event_sync) ----------------------------------------


def _user_for_ref(ref: str) -> int | None:
    return int(ref) if ref.isdigit() and db.session.get(User, int(ref)) is not None else None


def apply_event(event: jitsi.AttendanceEvent, *, source: str, now: datetime) -> bool:
    """Store a signed event once (by its idempotency key) and rebuild that meeting's signed intervals.

    Returns False for a duplicate. Events are replayed in their own timestamp order, so a LEFT that
    arrives before its JOINED, or a JOINED before ROOM_CREATED, gives the same intervals.
    """
    if db.session.scalar(select(JitsiEvent.id).where(JitsiEvent.idempotency_key == event.key)) is not None:
        return False
    meeting = db.session.scalar(select(Meeting).where(Meeting.room_name == event.room_name)) \
        if event.room_name else None
    row = JitsiEvent(idempotency_key=event.key, source=source, event_type=event.event_type[:40],
                     meeting_id=meeting.id if meeting else None, occurred_at=event.occurred_at,
                     participant_key=event.participant_key[:200],
                     person_key=(f"user:{event.user_ref}" if event.user_ref else f"pid:{event.participant_key}")[:200],
                     user_id=_user_for_ref(event.user_ref), display_name=event.display_name,
                     reason=("breakout" if event.is_breakout and event.kind == "destroyed" else event.reason)[:40],
                     received_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # a concurrent delivery of the same event won the race
        return False
    if meeting is not None and row.event_type and event.kind in ("joined", "left", "destroyed"):
        rebuild_signed_intervals(meeting, source)
    return True



def _kind(row: JitsiEvent) -> str:
    t = row.event_type.upper()
    if "JOINED" in t and "LOBBY" not in t:
        return "joined"
    if "LEFT" in t and "LOBBY" not in t:
        return "left"
    if "DESTROYED" in t:
        return "destroyed"
    return "other"


def signed_intervals(rows: list[JitsiEvent]) -> list[dict]:
    """Intervals from events in timestamp order. A person is present while any of their sessions is;
    ``switch_room`` (moving to a breakout room) is not a departure; ROOM_DESTROYED closes what is open."""
    order = {"joined": 0, "left": 1, "destroyed": 2, "other": 3}
    state: dict[str, dict] = {}
    out: list[dict] = []
    for row in sorted(rows, key=lambda r: (r.occurred_at, order[_kind(r)], r.id or 0)):
        kind = _kind(row)
        if kind == "joined":
            s = state.setdefault(row.person_key, {"pids": set(), "start": None})
            s["pids"].add(row.participant_key)
            s.update(user_id=row.user_id or s.get("user_id"), name=row.display_name or s.get("name", ""),
                     pkey=row.participant_key)
            if s["start"] is None:
                s["start"] = row.occurred_at
        elif kind == "left":
            s = state.get(row.person_key)
            if s is None:
                continue
            s["pids"].discard(row.participant_key)
            if row.reason == "switch_room" or s["pids"] or s["start"] is None:
                continue
            out.append({**s, "end": row.occurred_at})
            s["start"] = None
        elif kind == "destroyed" and row.reason != "breakout":
            for s in state.values():
                if s["start"] is not None:
                    out.append({**s, "end": row.occurred_at})
                    s["start"] = None
                s["pids"] = set()
    out.extend({**s, "end": None} for s in state.values() if s["start"] is not None)
    return out


def rebuild_signed_intervals(meeting: Meeting, source: str) -> None:
    rows = list(db.session.scalars(select(JitsiEvent).where(JitsiEvent.meeting_id == meeting.id,
                                                            JitsiEvent.source == source)))
    existing = list(db.session.scalars(select(AttendanceInterval).where(
        AttendanceInterval.meeting_id == meeting.id, AttendanceInterval.source == source)))
    voided = {(iv.participant_key, iv.joined_at): iv for iv in existing if iv.voided_at is not None}
    for iv in existing:
        if iv.voided_at is None:
            db.session.delete(iv)
    db.session.flush()
    for s in signed_intervals(rows):
        if (s["pkey"], s["start"]) in voided:  # a host's correction survives the rebuild
            continue
        db.session.add(AttendanceInterval(meeting_id=meeting.id, user_id=s.get("user_id"),
                                          display_name=s.get("name", ""), participant_key=s["pkey"],
                                          joined_at=s["start"], left_at=s["end"], evidence="verified",
                                          source=source))
    db.session.flush()


# --- polling mod_muc_size --------------------------------------------------------------------


def is_running(meeting: Meeting, now: datetime, *, early: timedelta = timedelta(minutes=15),
               grace: timedelta = timedelta(minutes=30)) -> bool:
    if meeting.is_cancelled or (meeting.ended_at and meeting.recurrence == "none"):
        return False
    return any(start - early <= now <= end + grace for start, end in occurrences(
        meeting.starts_at, meeting.ends_at, meeting.timezone, meeting.recurrence, meeting.recurrence_count))


def record_poll(meeting: Meeting, occupants: list[jitsi.Occupant] | None, *, now: datetime) -> None:
    """Diff a presence snapshot against the open observed intervals.

    A newcomer opens an interval at this sample; someone gone is closed at the last sample that saw
    them (we only know presence at samples, so the record never claims more than was observed).
    ``None`` (room not running) closes everything open.
    """
    open_rows = {iv.participant_key: iv for iv in db.session.scalars(select(AttendanceInterval).where(
        AttendanceInterval.meeting_id == meeting.id, AttendanceInterval.source == "poll",
        AttendanceInterval.left_at.is_(None)))}
    present = {o.participant_key: o for o in occupants or []}
    for key, iv in open_rows.items():
        if key in present:
            iv.last_seen_at = now
        else:
            iv.left_at = iv.last_seen_at or iv.joined_at
    if present:
        emails = {u.email.lower(): u.id for u in _invited(meeting)}
        for key, occ in present.items():
            if key not in open_rows:
                db.session.add(AttendanceInterval(
                    meeting_id=meeting.id, user_id=emails.get(occ.email.lower()) if occ.email else None,
                    display_name=occ.display_name, participant_key=key, joined_at=now, last_seen_at=now,
                    evidence="observed", source="poll"))
    db.session.flush()


def _invited(meeting):
    from meetings.services import invited_users

    return invited_users(meeting)


def poll_meeting(meeting_id: int, now: datetime | None = None) -> str:
    """Job: one presence sample of a running meeting. Network faults leave the record untouched."""
    from lms.types import utcnow

    now = now or utcnow()
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not is_running(meeting, now):
        return "skipped"
    try:
        occupants = jitsi.fetch_room_occupants(meeting.room_name)
    except jitsi.JitsiError as exc:
        log.warning("attendance poll of meeting %s failed: %s", meeting_id, exc)
        return "error"
    record_poll(meeting, occupants, now=now)
    return "not running" if occupants is None else f"{len(occupants)} present"


def meetings_to_poll(now: datetime) -> list[int]:
    window = now + timedelta(minutes=15)
    candidates = db.session.scalars(select(Meeting).where(
        Meeting.cancelled_at.is_(None), Meeting.starts_at <= window,
        Meeting.series_ends_at >= now - timedelta(minutes=30)))
    return [m.id for m in candidates if is_running(m, now)]


# --- browser events and host corrections -------------------------------------------------------

BROWSER_EVENTS = ("joined", "left", "heartbeat")


def browser_event(user: User, meeting: Meeting, event: str, *, now: datetime, participant_id: str = "") -> None:
    """IFrame API events relayed by the page: self-reported, so they never earn credit on their own."""
    if event not in BROWSER_EVENTS:
        raise AttendanceError("unknown event")
    open_iv = db.session.scalar(select(AttendanceInterval).where(
        AttendanceInterval.meeting_id == meeting.id, AttendanceInterval.user_id == user.id,
        AttendanceInterval.source == "iframe", AttendanceInterval.left_at.is_(None))
        .order_by(AttendanceInterval.id.desc()).limit(1))
    if event == "left":
        if open_iv is not None:
            open_iv.left_at = now
        return
    if open_iv is not None and open_iv.last_seen_at and now - open_iv.last_seen_at > timedelta(minutes=3):
        open_iv.left_at = open_iv.last_seen_at  # the tab went away without a "left"
        open_iv = None
    if open_iv is None:
        db.session.add(AttendanceInterval(meeting_id=meeting.id, user_id=user.id, display_name=user.full_name,
                                          participant_key=participant_id[:200], joined_at=now, last_seen_at=now,
                                          evidence="self_reported", source="iframe"))
    else:
        open_iv.last_seen_at = now
    db.session.flush()


def _snapshot(iv: AttendanceInterval) -> dict:
    return {"user_id": iv.user_id, "joined_at": iv.joined_at.isoformat(),
            "left_at": iv.left_at.isoformat() if iv.left_at else None, "evidence": iv.evidence,
            "source": iv.source, "voided": iv.voided_at is not None}


def confirm_interval(actor: User, iv: AttendanceInterval, *, now: datetime, ip: str | None = None) -> None:
    """The host vouches for a self-reported interval (audited)."""
    if iv.evidence != "self_reported" or iv.voided_at is not None:
        raise AttendanceError("Only self-reported attendance needs confirming.")
    before = _snapshot(iv)
    iv.evidence, iv.confirmed_by_id = "host_confirmed", actor.id
    if iv.left_at is None:
        iv.left_at = iv.last_seen_at or now
    record(actor, "attendance.confirm", iv, now=now, before=before, after=_snapshot(iv), ip=ip,
           org_id=db.session.get(Meeting, iv.meeting_id).org_id)


def add_attendance(actor: User, meeting: Meeting, user: User, *, joined_at: datetime, left_at: datetime,
                   note: str, now: datetime, ip: str | None = None) -> AttendanceInterval:
    """The host records attendance Jitsi could not see (a shared room, a phone), with a reason (audited)."""
    if left_at <= joined_at:
        raise AttendanceError("The end must be after the start.")
    if joined_at < meeting.starts_at - timedelta(hours=1) or left_at > meeting.series_ends_at + timedelta(hours=1):
        raise AttendanceError("The times must fall within the meeting.")
    if not note.strip():
        raise AttendanceError("Give a reason for the correction.")
    iv = AttendanceInterval(meeting_id=meeting.id, user_id=user.id, display_name=user.full_name, joined_at=joined_at,
                            left_at=left_at, evidence="host_confirmed", source="host", note=note[:300],
                            confirmed_by_id=actor.id, created_at=now)
    db.session.add(iv)
    db.session.flush()
    record(actor, "attendance.add", iv, now=now, after=_snapshot(iv) | {"note": iv.note}, ip=ip, org_id=meeting.org_id)
    return iv


def void_interval(actor: User, iv: AttendanceInterval, *, note: str, now: datetime, ip: str | None = None) -> None:
    """Strike an interval out (kept, marked void, audited): corrections never delete."""
    if iv.voided_at is not None:
        return
    if not note.strip():
        raise AttendanceError("Give a reason for the correction.")
    before = _snapshot(iv)
    iv.voided_at, iv.voided_by_id, iv.note = now, actor.id, note[:300]
    record(actor, "attendance.void", iv, now=now, before=before, after=_snapshot(iv) | {"note": iv.note}, ip=ip,
           org_id=db.session.get(Meeting, iv.meeting_id).org_id)


def close_open_intervals(meeting: Meeting, now: datetime) -> None:
    for iv in db.session.scalars(select(AttendanceInterval).where(
            AttendanceInterval.meeting_id == meeting.id, AttendanceInterval.left_at.is_(None))):
        iv.left_at = iv.last_seen_at if iv.source in ("poll", "iframe") and iv.last_seen_at else now
        iv.left_at = max(iv.left_at, iv.joined_at)


def end_meeting(actor: User, meeting: Meeting, *, now: datetime) -> None:
    """The host ends the meeting: every interval still open is closed now."""
    meeting.ended_at = now
    close_open_intervals(meeting, now)
    record(actor, "meeting.end", meeting, now=now, org_id=meeting.org_id)
    db.session.flush()
    attendance_finalised.send(meeting)


# --- the report ------------------------------------------------------------------------------


def span(iv, meeting: Meeting, now: datetime) -> Interval:
    """An interval's (start, end); an open one ends at its last sample (polls, browsers) or now,
    never after the meeting was ended or its last occurrence finished. ``iv`` is an
    ``AttendanceInterval`` or a row with its ``joined_at``, ``left_at``, ``last_seen_at`` and ``source``."""
    if iv.left_at is not None:
        return (iv.joined_at, max(iv.joined_at, iv.left_at))
    limit = min(now, meeting.ended_at or meeting.series_ends_at + timedelta(minutes=30))
    end = iv.last_seen_at if iv.source in ("poll", "iframe") and iv.last_seen_at else limit
    return (iv.joined_at, max(iv.joined_at, min(end, limit)))


@dataclass
class ReportRow:
    key: str
    user: User | None
    name: str
    first_join: datetime | None = None
    last_leave: datetime | None = None
    minutes: int = 0
    credible_minutes: int = 0
    evidence: str = ""
    acknowledged_at: datetime | None = None
    invited: bool = False
    intervals: list = field(default_factory=list)

    @property
    def evidence_label(self) -> str:
        return EVIDENCE.get(self.evidence, "Absent")


def accredited_windows(meeting: Meeting) -> list[Interval]:
    if meeting.is_accredited:
        return [(meeting.accredited_start_at or meeting.starts_at, meeting.accredited_end_at or meeting.ends_at)]
    return occurrences(meeting.starts_at, meeting.ends_at, meeting.timezone, meeting.recurrence,
                       meeting.recurrence_count)


def intervals_for(meeting: Meeting) -> list[AttendanceInterval]:
    return list(db.session.scalars(select(AttendanceInterval).where(AttendanceInterval.meeting_id == meeting.id)
                                   .order_by(AttendanceInterval.joined_at, AttendanceInterval.id)))


def attendance_report(meeting: Meeting, *, now: datetime, include_absent: bool = True) -> list[ReportRow]:
    """One row per person: first join, last leave, minutes present (merged), strongest evidence;
    invitees who never came are listed as absent (with their "read and signed", if any)."""
    rows: dict[str, ReportRow] = {}
    users = {}
    if include_absent:
        for u in _invited(meeting):
            users[u.id] = u
            rows[f"u{u.id}"] = ReportRow(key=f"u{u.id}", user=u, name=u.full_name, invited=True)
    ivs = [iv for iv in intervals_for(meeting) if iv.voided_at is None]
    missing = {iv.user_id for iv in ivs if iv.user_id and iv.user_id not in users}
    if missing:
        users.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(missing)))})
    for iv in ivs:
        key = f"u{iv.user_id}" if iv.user_id else f"n{iv.display_name or iv.participant_key}"
        row = rows.get(key) or rows.setdefault(key, ReportRow(
            key=key, user=users.get(iv.user_id), name=users[iv.user_id].full_name if iv.user_id else
            (iv.display_name or "Unknown participant")))
        row.intervals.append(iv)
    windows = accredited_windows(meeting)
    for ack in db.session.scalars(select(MinutesAcknowledgement).where(MinutesAcknowledgement.meeting_id == meeting.id)):
        if f"u{ack.user_id}" in rows:
            rows[f"u{ack.user_id}"].acknowledged_at = ack.acknowledged_at
    for row in rows.values():
        spans = [span(iv, meeting, now) for iv in row.intervals]
        row.first_join, row.last_leave = first_and_last(spans)
        row.minutes = total_minutes(spans)
        row.credible_minutes = total_minutes(intersect(
            [span(iv, meeting, now) for iv in row.intervals if iv.evidence in CREDIBLE_EVIDENCE], windows))
        levels = [iv.evidence for iv in row.intervals]
        if not levels and row.acknowledged_at and meeting.ack_counts_as_attendance:
            levels = ["acknowledged"]
        row.evidence = min(levels, key=EVIDENCE_RANK.get) if levels else ""
    return sorted(rows.values(), key=lambda r: (r.first_join is None, r.name.lower()))


def is_credible_interval_of(meeting_id, user_id):
    """The condition on ``AttendanceInterval`` for one person's credible, unvoided intervals of a meeting
    (the ids may be values or bound parameters)."""
    return and_(AttendanceInterval.meeting_id == meeting_id, AttendanceInterval.user_id == user_id,
                AttendanceInterval.voided_at.is_(None), AttendanceInterval.evidence.in_(CREDIBLE_EVIDENCE))


def credible_intervals(meeting_id: int, user_id: int) -> list:
    """One person's credible, unvoided intervals of a meeting, as rows with what ``span`` reads."""
    return db.session.execute(select(
        AttendanceInterval.joined_at, AttendanceInterval.left_at, AttendanceInterval.last_seen_at,
        AttendanceInterval.source).where(is_credible_interval_of(meeting_id, user_id))).all()


def merged_spans(intervals, meeting: Meeting, now: datetime) -> list[Interval]:
    """The merged presence of ``intervals`` (rows or ``AttendanceInterval``s) at ``now``."""
    return merge_intervals(span(iv, meeting, now) for iv in intervals)


def credible_spans(meeting: Meeting, user_id: int, now: datetime) -> list[Interval]:
    return merged_spans(credible_intervals(meeting.id, user_id), meeting, now)


def attendance_summary(meeting_id: int, user_id: int, *, now: datetime | None = None) -> AttendanceSummary | None:
    """One person's attendance of one meeting; None if the meeting does not exist.

    ``attended`` means credible presence (verified, observed or host-confirmed), or signed minutes of a
    staff training that allows it. Self-reported presence alone does not make attendance.
    """
    from lms.types import utcnow

    now = now or utcnow()
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    row = next((r for r in attendance_report(meeting, now=now, include_absent=False) if r.key == f"u{user_id}"), None)
    ack = db.session.get(MinutesAcknowledgement, (meeting_id, user_id))
    credible = total_minutes(credible_spans(meeting, user_id, now))
    attended = credible > 0 or bool(ack and meeting.ack_counts_as_attendance)
    return AttendanceSummary(
        meeting_id=meeting.id, user_id=user_id, org_id=meeting.org_id, title=meeting.title, organisation=meeting.org.name,
        category=meeting.category_label, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        timezone=meeting.timezone, first_join=row.first_join if row else None,
        last_leave=row.last_leave if row else None, minutes=credible,
        evidence=row.evidence if row else ("acknowledged" if ack else ""), acknowledged_minutes=ack is not None,
        attended=attended)
