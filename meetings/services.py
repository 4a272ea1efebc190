"""Scheduling, access, invitations, minutes, evaluations and calendar feeds.

Plain functions: the actor and ``now`` are arguments; they add and flush, never commit.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, exists, func, inspect, or_, select
from sqlalchemy.orm import selectinload

from lms import caching
from lms.errors import RuleViolation
from lms.audit.services import record
from lms.extensions import db
from lms.orgs.models import Membership, Organisation, TeamMember
from lms.permissions import has_role, is_admin, membership
from lms.users.models import User, full_name_of
from meetings import jitsi
from meetings.models import (CATEGORIES, RECURRENCES, ActionItem, CalendarFeed, Meeting, MeetingCohost, MeetingCredit,
                             MeetingEvaluation, MeetingInvitee, MeetingTeam, MinutesAcknowledgement)
from meetings.recurrence import MAX_OCCURRENCES, current_or_next, occurrences

MAX_DURATION = timedelta(hours=12)


class MeetingError(RuleViolation):
    """A scheduling or meeting rule was broken; the message is for the user."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class InvalidSchedule(MeetingError):
    pass


class NotAllowed(MeetingError):
    pass


class MeetingClosed(MeetingError):
    pass


# --- permissions (also exposed to templates) ------------------------------------------------


def can_schedule(user, org) -> bool:
    """Managers and educators schedule meetings."""
    return has_role(user, org.id, "educator")


class MeetingPeople(NamedTuple):
    """Who runs a meeting and whose it is, as its page and every access check need them."""

    cohost_ids: frozenset[int]
    host_name: str | None
    org_name: str


_PEOPLE = "meetings.people"


def meeting_people(meeting: Meeting) -> MeetingPeople:
    """Co-hosts, the host's name and the organisation's name, in one statement (a row per co-host),
    read once per loaded meeting: the object lives for one request's session, and ``_set_cohosts``,
    the one place that changes co-hosts, forgets it."""
    memo = inspect(meeting).info
    key = (meeting.host_id, meeting.org_id)
    if memo.get(_PEOPLE, (None,))[0] != key:
        memo[_PEOPLE] = (key, _read_people(meeting))
    return memo[_PEOPLE][1]


def _read_people(meeting: Meeting) -> MeetingPeople:
    rows = db.session.execute(
        select(Organisation.name, User.first_name, User.last_name, User.email, MeetingCohost.user_id)
        .select_from(Organisation).outerjoin(User, User.id == meeting.host_id)
        .outerjoin(MeetingCohost, MeetingCohost.meeting_id == meeting.id)
        .where(Organisation.id == meeting.org_id)).all()
    return _people_of(meeting, rows)


def _people_of(meeting: Meeting, rows) -> MeetingPeople:
    """Rows of (organisation name, host's first name, last name, email, a co-host id or None)."""
    org_name, *host, _ = rows[0]
    cohosts = frozenset(row[4] for row in rows if row[4] is not None)
    return MeetingPeople(cohosts, full_name_of(*host) if meeting.host_id and host[2] else None, org_name)


@functools.cache
def _meeting_with_people() -> Select:
    return (select(Meeting, Organisation.name, User.first_name, User.last_name, User.email, MeetingCohost.user_id)
            .join(Organisation, Organisation.id == Meeting.org_id)
            .outerjoin(User, User.id == Meeting.host_id)
            .outerjoin(MeetingCohost, MeetingCohost.meeting_id == Meeting.id)
            .where(Meeting.id == bindparam("meeting_id")))


def load_meeting(meeting_id: int) -> Meeting | None:
    """The meeting, with what ``meeting_people`` gives read in the same statement (a row per co-host):
    every access check needs it."""
    rows = db.session.execute(_meeting_with_people(), {"meeting_id": meeting_id}).all()
    if not rows:
        return None
    meeting = rows[0][0]
    inspect(meeting).info[_PEOPLE] = ((meeting.host_id, meeting.org_id), _people_of(meeting, [row[1:] for row in rows]))
    return meeting


def is_cohost(user, meeting: Meeting) -> bool:
    return user.id in meeting_people(meeting).cohost_ids


def can_host(user, meeting: Meeting) -> bool:
    """The host, a co-host, a manager of the organisation or a site admin runs the meeting."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user) or meeting.host_id == user.id:
        return True
    if is_cohost(user, meeting):
        return membership(user, meeting.org_id) is not None
    return has_role(user, meeting.org_id, "manager")


def is_moderator(user, meeting: Meeting) -> bool:
    """Moderator rights in the room: the host and co-hosts only (not every manager)."""
    return meeting.host_id == user.id or is_cohost(user, meeting)


def is_invited(user, meeting: Meeting) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    m = membership(user, meeting.org_id)
    if m is None:
        return False
    if meeting.open_to_org or meeting.host_id == user.id or is_cohost(user, meeting):
        return True
    return bool(db.session.scalar(select(or_(
        exists().where(MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.user_id == user.id),
        exists().where(MeetingTeam.meeting_id == meeting.id, TeamMember.team_id == MeetingTeam.team_id,
                       TeamMember.membership_id == m.id)))))


def invited_users(meeting: Meeting) -> list[User]:
    """Everyone invited, resolved now: named people, team members, the whole organisation if so, hosts."""
    return list(db.session.scalars(_invited(meeting, User).order_by(User.last_name, User.first_name, User.id)))


def invited_count(meeting: Meeting) -> int:
    """How many ``invited_users`` there are, counted by the database."""
    return db.session.scalar(_invited(meeting, func.count()))


def _invited(meeting: Meeting, *columns) -> Select:
    active = Membership.deactivated_at.is_(None)
    query = select(*columns).select_from(User).join(Membership, Membership.user_id == User.id).where(
        Membership.org_id == meeting.org_id, active, User.disabled_at.is_(None), User.anonymised_at.is_(None))
    if not meeting.open_to_org:
        query = query.where(or_(
            User.id == meeting.host_id,
            exists().where(MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.user_id == User.id),
            exists().where(MeetingCohost.meeting_id == meeting.id, MeetingCohost.user_id == User.id),
            exists().where(TeamMember.membership_id == Membership.id, TeamMember.team_id == MeetingTeam.team_id,
                           MeetingTeam.meeting_id == meeting.id),
        ))
    return query


def visible_meetings_query(user, *, org_ids: list[int] | None = None):
    """Meetings ``user`` may see: managers see their organisations' meetings, others what they are invited to."""
    active_membership = select(Membership.id).where(
        Membership.user_id == user.id, Membership.org_id == Meeting.org_id, Membership.deactivated_at.is_(None))
    managed = select(Membership.org_id).where(Membership.user_id == user.id, Membership.role == "manager",
                                              Membership.deactivated_at.is_(None))
    query = select(Meeting)
    if not is_admin(user):
        query = query.where(exists(active_membership), or_(
            Meeting.org_id.in_(managed),
            Meeting.host_id == user.id,
            Meeting.open_to_org.is_(True),
            exists().where(MeetingInvitee.meeting_id == Meeting.id, MeetingInvitee.user_id == user.id),
            exists().where(MeetingCohost.meeting_id == Meeting.id, MeetingCohost.user_id == user.id),
            exists().where(MeetingTeam.meeting_id == Meeting.id, TeamMember.team_id == MeetingTeam.team_id,
                           TeamMember.membership_id == Membership.id, Membership.user_id == user.id,
                           Membership.deactivated_at.is_(None)),
        ))
    if org_ids is not None:
        query = query.where(Meeting.org_id.in_(org_ids))
    return query


# --- scheduling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingData:
    title: str
    starts_at: datetime  # aware
    ends_at: datetime
    timezone: str
    category: str = "administrative"
    agenda: str = ""
    recurrence: str = "none"
    recurrence_count: int = 1
    cohost_ids: tuple[int, ...] = ()
    invitee_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    open_to_org: bool = False
    recording_enabled: bool = False
    lobby_enabled: bool = True
    passcode: str | None = None
    ack_counts_as_attendance: bool = False
    is_accredited: bool = False
    accredited_start_at: datetime | None = None
    accredited_end_at: datetime | None = None
    designations: dict = field(default_factory=dict)  # credit type code -> Decimal maximum
    accreditation_statement: str = ""
    acpe_uan: str | None = None
    topics: str = ""
    min_credit_minutes: int = 15


def local_to_utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time in ``tz`` as aware UTC (a nonexistent DST time moves forward, as clocks do)."""
    from datetime import timezone as _tz

    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(_tz.utc)


def _check(org: Organisation, data: MeetingData, now: datetime) -> None:
    if data.category not in CATEGORIES:
        raise InvalidSchedule("Choose administrative, staff training or education; rooms are never for patient care.",
                              "category")
    if data.ends_at <= data.starts_at:
        raise InvalidSchedule("The meeting must end after it starts.", "end")
    if data.ends_at - data.starts_at > MAX_DURATION:
        raise InvalidSchedule("A meeting can last at most 12 hours.", "end")
    if data.recurrence not in RECURRENCES or not 1 <= data.recurrence_count <= MAX_OCCURRENCES:
        raise InvalidSchedule(f"Repeat between 1 and {MAX_OCCURRENCES} times.", "recurrence_count")
    if data.ack_counts_as_attendance and data.category != "training":
        raise InvalidSchedule("Only staff training can count signed minutes as attendance.",
                              "ack_counts_as_attendance")
    if data.passcode and not (data.passcode.isdigit() and 4 <= len(data.passcode) <= 10):
        raise InvalidSchedule("The passcode is 4 to 10 digits.", "passcode")
    if data.is_accredited:
        if data.category != "education":
            raise InvalidSchedule("Only an education / live activity meeting can carry credit.", "is_accredited")
        if data.recurrence != "none" and data.recurrence_count > 1:
            raise InvalidSchedule("Schedule each accredited session separately: credit is designated per session.",
                                  "recurrence")
        start = data.accredited_start_at or data.starts_at
        end = data.accredited_end_at or data.ends_at
        if not (data.starts_at <= start < end <= data.ends_at):
            raise InvalidSchedule("The accredited part must lie inside the meeting.", "accredited_start")
        if not data.designations:
            raise InvalidSchedule("Designate at least one credit type.", "designations")
        hours = Decimal((end - start).total_seconds()) / Decimal(3600)
        for code, amount in data.designations.items():
            if amount <= 0 or amount > hours or (amount * 4) % 1:
                raise InvalidSchedule(f"{code}: designate a multiple of 0.25, at most the accredited length "
                                      f"({hours.quantize(Decimal('0.01'))} h).", "designations")
    people = set(data.cohost_ids) | set(data.invitee_ids)
    if people:
        found = set(db.session.scalars(select(Membership.user_id).where(
            Membership.org_id == org.id, Membership.user_id.in_(people), Membership.deactivated_at.is_(None))))
        if people - found:
            raise InvalidSchedule("Invite only active members of the organisation.", "invitee_ids")
    if data.team_ids:
        from lms.orgs.models import Team

        found = set(db.session.scalars(select(Team.id).where(Team.org_id == org.id, Team.id.in_(data.team_ids))))
        if set(data.team_ids) - found:
            raise InvalidSchedule("Unknown team.", "team_ids")


def _apply(meeting: Meeting, data: MeetingData) -> None:
    meeting.title = data.title
    meeting.agenda = data.agenda or ""
    meeting.category = data.category
    meeting.starts_at, meeting.ends_at, meeting.timezone = data.starts_at, data.ends_at, data.timezone
    meeting.recurrence = data.recurrence if data.recurrence_count > 1 else "none"
    meeting.recurrence_count = data.recurrence_count if meeting.recurrence != "none" else 1
    occ = occurrences(meeting.starts_at, meeting.ends_at, meeting.timezone, meeting.recurrence,
                      meeting.recurrence_count)
    meeting.series_ends_at = occ[-1][1]
    meeting.open_to_org = data.open_to_org
    meeting.recording_enabled = data.recording_enabled
    meeting.lobby_enabled = data.lobby_enabled
    meeting.passcode = data.passcode or None
    meeting.ack_counts_as_attendance = data.ack_counts_as_attendance
    meeting.is_accredited = data.is_accredited
    meeting.accredited_start_at = data.accredited_start_at if data.is_accredited else None
    meeting.accredited_end_at = data.accredited_end_at if data.is_accredited else None
    meeting.accreditation_statement = data.accreditation_statement if data.is_accredited else ""
    meeting.acpe_uan = ((data.acpe_uan or "").strip().upper() or None) if data.is_accredited else None
    meeting.topics = data.topics or ""
    meeting.min_credit_minutes = data.min_credit_minutes
    meeting.cohosts = [MeetingCohost(user_id=i) for i in sorted(set(data.cohost_ids)) if i != meeting.host_id]
    inspect(meeting).info.pop(_PEOPLE, None)
    meeting.invitees = [MeetingInvitee(user_id=i) for i in sorted(set(data.invitee_ids))]
    meeting.teams = [MeetingTeam(team_id=i) for i in sorted(set(data.team_ids))]
    wanted = data.designations if data.is_accredited else {}
    meeting.designations = [MeetingCredit(credit_type_code=c, max_credits=Decimal(a)) for c, a in sorted(wanted.items())]


def schedule_meeting(actor: User, org: Organisation, data: MeetingData, *, now: datetime) -> Meeting:
    """Create a meeting hosted by ``actor`` with a fresh random room and calendar UID."""
    if not can_schedule(actor, org):
        raise NotAllowed("Only managers and educators schedule meetings.")
    _check(org, data, now)
    meeting = Meeting(org_id=org.id, host_id=actor.id, room_name=jitsi.new_room_name(),
                      ical_uid=f"{uuid.uuid4()}@continuum", ical_sequence=0, created_at=now, updated_at=now)
    db.session.add(meeting)
    _apply(meeting, data)
    db.session.flush()
    record(actor, "meeting.schedule", meeting, now=now, org_id=org.id,
           after={"title": meeting.title, "starts_at": meeting.starts_at.isoformat()})
    return meeting


def update_meeting(actor: User, meeting: Meeting, data: MeetingData, *, now: datetime) -> set[int]:
    """Change a meeting; SEQUENCE goes up so calendars replace their copy. Returns the IDs of
    people no longer invited (they get a cancellation)."""
    if meeting.is_cancelled:
        raise MeetingClosed("This meeting is cancelled.")
    before = {u.id for u in invited_users(meeting)}
    _check(meeting.org, data, now)
    _apply(meeting, data)
    meeting.ical_sequence += 1
    meeting.updated_at = now
    caching.bump_training([meeting.org_id])  # its title heads assigned minutes in the compliance matrix
    db.session.flush()
    db.session.expire(meeting, ["cohosts", "invitees", "teams"])
    record(actor, "meeting.update", meeting, now=now, org_id=meeting.org_id,
           after={"title": meeting.title, "starts_at": meeting.starts_at.isoformat(),
                  "sequence": meeting.ical_sequence})
    return before - {u.id for u in invited_users(meeting)}


def cancel_meeting(actor: User, meeting: Meeting, *, now: datetime) -> None:
    if meeting.is_cancelled:
        raise MeetingClosed("This meeting is already cancelled.")
    meeting.cancelled_at = now
    meeting.ical_sequence += 1
    meeting.updated_at = now
    record(actor, "meeting.cancel", meeting, now=now, org_id=meeting.org_id)


def current_occurrence(meeting: Meeting, now: datetime) -> tuple[datetime, datetime] | None:
    occ = occurrences(meeting.starts_at, meeting.ends_at, meeting.timezone, meeting.recurrence,
                      meeting.recurrence_count)
    return current_or_next(occ, now)


def join_window(meeting: Meeting, now: datetime, early_minutes: int) -> tuple[bool, str]:
    """Whether the room is open now, and if not, why (for the join button)."""
    if meeting.is_cancelled:
        return False, "This meeting is cancelled."
    occ = current_or_next(occurrences(meeting.starts_at, meeting.ends_at, meeting.timezone, meeting.recurrence,
                                      meeting.recurrence_count), now)
    if occ is None or (meeting.ended_at and meeting.ended_at >= occ[0] - timedelta(minutes=early_minutes)
                       and meeting.recurrence == "none"):
        return False, "This meeting is over."
    if now < occ[0] - timedelta(minutes=early_minutes):
        return False, f"The room opens {early_minutes} minutes before the start."
    return True, ""


# --- minutes, action items, acknowledgements, evaluations -------------------------------------


def save_minutes(actor: User, meeting: Meeting, minutes: str, *, now: datetime) -> None:
    meeting.minutes = minutes
    caching.bump_training([meeting.org_id])  # minutes can be assigned reading
    meeting.minutes_updated_at = now
    meeting.minutes_updated_by_id = actor.id
    record(actor, "meeting.minutes", meeting, now=now, org_id=meeting.org_id)


def add_action_item(actor: User, meeting: Meeting, *, text: str, owner_id: int | None, due_on: date | None,
                    now: datetime) -> ActionItem:
    if owner_id is not None and not db.session.scalar(select(exists().where(
            Membership.org_id == meeting.org_id, Membership.user_id == owner_id, Membership.deactivated_at.is_(None)))):
        raise InvalidSchedule("The owner must be an active member of the organisation.", "owner_id")
    item = ActionItem(meeting=meeting, text=text, owner_id=owner_id, due_on=due_on, created_at=now)
    db.session.add(item)
    db.session.flush()
    return item


def set_action_item_done(item: ActionItem, done: bool, *, now: datetime) -> None:
    item.done_at = now if done else None


def acknowledge_minutes(user: User, meeting: Meeting, *, now: datetime) -> MinutesAcknowledgement:
    """"Read and signed": idempotent. Counts as attendance only for staff training that allows it."""
    if not meeting.minutes:
        raise MeetingClosed("There are no minutes to acknowledge yet.")
    ack = db.session.get(MinutesAcknowledgement, (meeting.id, user.id))
    if ack is None:
        ack = MinutesAcknowledgement(meeting_id=meeting.id, user_id=user.id, acknowledged_at=now)
        db.session.add(ack)
        caching.bump_training([meeting.org_id])
        record(user, "meeting.minutes_acknowledged", meeting, now=now, org_id=meeting.org_id)
        db.session.flush()
    return ack


@dataclass(frozen=True)
class EvaluationData:
    change_practice: int
    met_objectives: int
    free_of_bias: int
    comments: str = ""


def submit_evaluation(user: User, meeting: Meeting, data: EvaluationData, *, now: datetime) -> MeetingEvaluation:
    if meeting.category != "education":
        raise NotAllowed("Only live activities have an evaluation.")
    if now < meeting.starts_at:
        raise MeetingClosed("The evaluation opens when the activity starts.")
    existing = db.session.scalar(select(MeetingEvaluation).where(
        MeetingEvaluation.meeting_id == meeting.id, MeetingEvaluation.user_id == user.id))
    if existing is not None:
        return existing
    evaluation = MeetingEvaluation(meeting_id=meeting.id, user_id=user.id, change_practice=data.change_practice,
                                   met_objectives=data.met_objectives, free_of_bias=data.free_of_bias,
                                   comments=data.comments or "", submitted_at=now)
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


def has_evaluation(user_id: int, meeting_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        MeetingEvaluation.meeting_id == meeting_id, MeetingEvaluation.user_id == user_id))))


# --- calendar feed -----------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_feed_token(user: User, *, now: datetime) -> str:
    """A new secret feed token; the previous URL stops working. Only the hash is stored."""
    token = secrets.token_urlsafe(32)
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token), created_at=now))
    else:
        feed.token_hash, feed.created_at = _hash(token), now
    db.session.flush()
    return token


def revoke_feed(user: User) -> None:
    feed = db.session.get(CalendarFeed, user.id)
    if feed is not None:
        db.session.delete(feed)


def feed_owner(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.is_active else None


def feed_meetings(user: User, *, now: datetime) -> list[Meeting]:
    """A person's meetings from 90 days ago on, cancelled ones included so calendars drop them."""
    return list(db.session.scalars(visible_meetings_query(user).where(
        Meeting.series_ends_at >= now - timedelta(days=90)).options(selectinload(Meeting.host))
        .order_by(Meeting.starts_at).limit(500)))
