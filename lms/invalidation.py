"""Keep cached pages honest: every flush that can change an organisation's training picture gives
that organisation a new ``training_version`` stamp, and every flush that can change what a learner's
dashboard shows gives that user a new ``dashboard_version`` stamp, in the same transaction.

What moves compliance: assignments, memberships (joiners, leavers, job titles), teams and team
members, completions (course completions, minutes acknowledgements, completions recorded by hand),
people's names, course and meeting titles, and the organisation's time zone (its "today"). A change
to a person, course or meeting reaches every organisation it belongs to or is assigned in.

What moves a learner's stamp: their enrolments (status, version, due date, activity order),
lesson progress, completions, credit entries, external credit, requirements, licences, their own
profile, a change to a version they are enrolled in, their memberships (joining, leaving, a new
role) and the renaming of an organisation they belong to (the stamp also keys the seats that every
page's permission checks and menus read, ``lms.permissions.seats``), and their minutes sign-offs,
attendance intervals and meeting evaluations (the learner's part of a meeting page).

The listener runs for every ORM session, so no code path has to remember to call it; the stamp is
random rather than a counter, so a stamp read inside a transaction that later rolls back is never
handed out again.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import event, inspect, or_, select, update
from sqlalchemy.orm import Mapper, Session, object_session

from lms.types import new_version_stamp

# Class name -> (the attributes whose change matters on an update, or None for any; which kind of
# id the object points at; the attribute holding that id). Inserts and deletes always matter.
Watch = dict[str, tuple[frozenset[str] | None, str, str]]

# What moves an organisation's compliance.
_ORG_WATCH: Watch = {
    "Assignment": (None, "org", "org_id"),
    "Membership": (None, "org", "org_id"),
    "Team": (frozenset({"name"}), "org", "org_id"),
    "TrainingRecord": (None, "org", "org_id"),
    "Organisation": (frozenset({"timezone"}), "org", "id"),
    "TeamMember": (None, "team", "team_id"),
    "Enrolment": (frozenset({"completed_at", "round", "user_id", "course_id"}), "user", "user_id"),
    "CourseCompletion": (None, "user", "user_id"),
    "MinutesAcknowledgement": (None, "user", "user_id"),
    "User": (frozenset({"first_name", "last_name", "email"}), "user", "id"),
    "Course": (frozenset({"current_version_id", "draft_version_id"}), "course", "id"),
    "CourseVersion": (frozenset({"title"}), "course", "course_id"),
    "Meeting": (frozenset({"title"}), "meeting", "id"),
}

# What moves a learner's dashboard and course pages (a user found directly, through an
# enrolment, or through every enrolment in a version).
_USER_WATCH: Watch = {
    "Enrolment": (None, "user", "user_id"),
    "CourseCompletion": (None, "user", "user_id"),
    "LessonProgress": (frozenset({"completed_at", "round", "enrolment_id"}), "enrolment", "enrolment_id"),
    "CreditEntry": (None, "user", "learner_id"),
    "ExternalCredit": (None, "user", "learner_id"),
    "Requirement": (None, "user", "learner_id"),
    "Licence": (None, "user", "user_id"),
    "User": (None, "user", "id"),
    "CourseVersion": (frozenset({"title", "expires_on"}), "version", "id"),
    # The seats every page's permission checks and menus read (``lms.permissions.seats``).
    "Membership": (frozenset({"role", "deactivated_at", "org_id", "user_id"}), "user", "user_id"),
    "Organisation": (frozenset({"name"}), "org", "id"),
    # The learner's own part of a meeting page (``meetings.pages.learner_state``).
    "MinutesAcknowledgement": (None, "user", "user_id"),
    "AttendanceInterval": (None, "user", "user_id"),
    "MeetingEvaluation": (None, "user", "user_id"),
}


def _changed(obj, attrs: frozenset[str] | None) -> bool:
    state = inspect(obj)
    if attrs is None:
        return any(state.attrs[c.key].history.has_changes() for c in state.mapper.column_attrs)
    return any(state.attrs[name].history.has_changes() for name in attrs if name in state.mapper.attrs)


# What moves a meeting's kept action items and people (``meetings.pages.action_items``,
# ``meetings.services.meeting_people``: co-hosts, the host's and the organisation's names).
_MEETING_WATCH: Watch = {
    "ActionItem": (None, "meeting", "meeting_id"),
    "MeetingCohost": (None, "meeting", "meeting_id"),
    "Meeting": (frozenset({"host_id", "org_id"}), "meeting", "id"),
    "User": (frozenset({"first_name", "last_name", "email"}), "person", "id"),
    "Organisation": (frozenset({"name"}), "org", "id"),
}


# Rows the flush deleted as orphans (a co-host dropped from ``meeting.cohosts``, a member removed from
# ``team.members``): the unit of work deletes them without listing them in ``session.deleted``, so a
# mapper event records every deleted object for the ``after_flush`` listener.
_ORPHANS = "lms.invalidation.deleted"


def _record_delete(_mapper, _connection, target) -> None:
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_ORPHANS, []).append(target)


def _collect(session: Session, watches: tuple[Watch, ...]) -> list[dict[str, set[int]]]:
    """For each watch, the ids of what the flushed objects point at, by kind (one pass over the flush)."""
    found: list[dict[str, set[int]]] = [defaultdict(set) for _ in watches]
    deleted = [*session.deleted, *session.info.get(_ORPHANS, ())]
    for objs, always in ((session.new, True), (deleted, True), (session.dirty, False)):
        for obj in objs:
            name = type(obj).__name__
            for watch, ids in zip(watches, found):
                watched = watch.get(name)
                if watched is None:
                    continue
                attrs, kind, column = watched
                if always or _changed(obj, attrs):
                    value = getattr(obj, column)
                    if value is not None:
                        ids[kind].add(value)
    return found


def _stamp(session: Session, model, column: str, where: list) -> None:
    """A new random stamp in ``model.column`` for the rows ``where`` selects; objects of ``model``
    already loaded in this session read it from the database next time."""
    session.connection().execute(update(model).where(or_(*where)).values({column: new_version_stamp()}))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, model) and obj not in session.new:
            session.expire(obj, [column])


def _bump_users(session: Session, found: dict[str, set[int]]) -> None:
    if not found:
        return
    from courses.models import Enrolment
    from lms.orgs.models import Membership
    from lms.users.models import User

    where = []
    if found["user"]:
        where.append(User.id.in_(found["user"]))
    if found["enrolment"]:
        where.append(User.id.in_(select(Enrolment.user_id).where(Enrolment.id.in_(found["enrolment"]))))
    if found["version"]:
        where.append(User.id.in_(select(Enrolment.user_id).where(Enrolment.version_id.in_(found["version"]))))
    if found["org"]:
        where.append(User.id.in_(select(Membership.user_id).where(Membership.org_id.in_(found["org"]))))
    _stamp(session, User, "dashboard_version", where)


def _bump_orgs(session: Session, found: dict[str, set[int]]) -> None:
    if not found:
        return
    from lms.orgs.models import Membership, Organisation, Team
    from lms.training.models import Assignment

    where = []
    if found["org"]:
        where.append(Organisation.id.in_(found["org"]))
    if found["team"]:
        where.append(Organisation.id.in_(select(Team.org_id).where(Team.id.in_(found["team"]))))
    if found["user"]:
        where.append(Organisation.id.in_(select(Membership.org_id).where(Membership.user_id.in_(found["user"]))))
    if found["course"]:
        where.append(Organisation.id.in_(select(Assignment.org_id).where(Assignment.course_id.in_(found["course"]))))
    if found["meeting"]:
        where.append(Organisation.id.in_(select(Assignment.org_id).where(Assignment.meeting_id.in_(found["meeting"]))))
    _stamp(session, Organisation, "training_version", where)


def _bump_meetings(session: Session, found: dict[str, set[int]]) -> None:
    if not found:
        return
    from meetings.models import ActionItem, Meeting

    where = []
    if found["meeting"]:
        where.append(Meeting.id.in_(found["meeting"]))
    if found["person"]:  # an action item's owner or the host
        where.append(Meeting.id.in_(select(ActionItem.meeting_id).where(ActionItem.owner_id.in_(found["person"]))))
        where.append(Meeting.host_id.in_(found["person"]))
    if found["org"]:
        where.append(Meeting.org_id.in_(found["org"]))
    _stamp(session, Meeting, "page_version", where)


def _after_flush(session: Session, _context) -> None:
    try:
        users, orgs, meetings = _collect(session, (_USER_WATCH, _ORG_WATCH, _MEETING_WATCH))
        _bump_users(session, users)
        _bump_orgs(session, orgs)
        _bump_meetings(session, meetings)
    finally:
        session.info.pop(_ORPHANS, None)


def register() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    if not event.contains(Mapper, "after_delete", _record_delete):
        event.listen(Mapper, "after_delete", _record_delete)
