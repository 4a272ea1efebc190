"""Keep cached pages honest: every flush that can change an organisation's training picture gives
that organisation a new ``training_version`` stamp, and every flush that can change what a learner's
dashboard shows gives that user a new ``dashboard_version`` stamp, in the same transaction.

What moves compliance: assignments, memberships (joiners, leavers, job titles), teams and team
members, completions (course completions, minutes acknowledgements, completions recorded by hand),
people's names, course and meeting titles, and the organisation's time zone (its "today"). A change
to a person, course or meeting reaches every organisation it belongs to or is assigned in.

What moves a learner's dashboard: their enrolments (status, version, due date, activity order),
lesson progress, completions, credit entries, external credit, requirements, licences, their own
profile, and a change to a version they are enrolled in.

The listener runs for every ORM session, so no code path has to remember to call it; the stamp is
random rather than a counter, so a stamp read inside a transaction that later rolls back is never
handed out again.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, or_, select, update
from sqlalchemy.orm import Session

from lms.types import new_version_stamp

# Class name -> (the attributes whose change matters on an update, or None for any; what it points at).
# Inserts and deletes always matter.
_WATCH: dict[str, tuple[frozenset[str] | None, str]] = {
    "Assignment": (None, "org"),
    "Membership": (None, "org"),
    "Team": (frozenset({"name"}), "org"),
    "TrainingRecord": (None, "org"),
    "Organisation": (frozenset({"timezone"}), "self"),
    "TeamMember": (None, "team"),
    "Enrolment": (frozenset({"completed_at", "round", "user_id", "course_id"}), "user"),
    "CourseCompletion": (None, "user"),
    "MinutesAcknowledgement": (None, "user"),
    "User": (frozenset({"first_name", "last_name", "email"}), "self_user"),
    "Course": (frozenset({"current_version_id", "draft_version_id"}), "self_course"),
    "CourseVersion": (frozenset({"title"}), "course"),
    "Meeting": (frozenset({"title"}), "self_meeting"),
}


# Class name -> (attributes that matter on an update, or None for any; the column naming the user,
# or "enrolment"/"version" when the user is found through the enrolment or enrolled version).
_USER_WATCH: dict[str, tuple[frozenset[str] | None, str]] = {
    "Enrolment": (None, "user_id"),
    "CourseCompletion": (None, "user_id"),
    "LessonProgress": (frozenset({"completed_at", "round", "enrolment_id"}), "enrolment"),
    "CreditEntry": (None, "learner_id"),
    "ExternalCredit": (None, "learner_id"),
    "Requirement": (None, "learner_id"),
    "Licence": (None, "user_id"),
    "User": (None, "id"),
    "CourseVersion": (frozenset({"title", "expires_on"}), "version"),
}


def _changed(obj, attrs: frozenset[str] | None) -> bool:
    state = inspect(obj)
    if attrs is None:
        return any(state.attrs[c.key].history.has_changes() for c in state.mapper.column_attrs)
    return any(state.attrs[name].history.has_changes() for name in attrs if name in state.mapper.attrs)


def _collect(session: Session) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {"org": set(), "team": set(), "user": set(), "course": set(), "meeting": set()}
    for objs, always in ((session.new, True), (session.deleted, True), (session.dirty, False)):
        for obj in objs:
            watched = _WATCH.get(type(obj).__name__)
            if watched is None:
                continue
            attrs, points_at = watched
            if not always and not _changed(obj, attrs):
                continue
            if points_at == "org":
                found["org"].add(obj.org_id)
            elif points_at == "self":
                found["org"].add(obj.id)
            elif points_at == "team":
                found["team"].add(obj.team_id)
            elif points_at == "user":
                found["user"].add(obj.user_id)
            elif points_at == "self_user":
                found["user"].add(obj.id)
            elif points_at == "course":
                found["course"].add(obj.course_id)
            elif points_at == "self_course":
                found["course"].add(obj.id)
            elif points_at == "self_meeting":
                found["meeting"].add(obj.id)
    return {k: {i for i in v if i is not None} for k, v in found.items()}


def _collect_users(session: Session) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {"user": set(), "enrolment": set(), "version": set()}
    for objs, always in ((session.new, True), (session.deleted, True), (session.dirty, False)):
        for obj in objs:
            watched = _USER_WATCH.get(type(obj).__name__)
            if watched is None:
                continue
            attrs, column = watched
            if not always and not _changed(obj, attrs):
                continue
            if column == "enrolment":
                found["enrolment"].add(obj.enrolment_id)
            elif column == "version":
                found["version"].add(obj.id)
            else:
                found["user"].add(getattr(obj, column))
    return {k: {i for i in v if i is not None} for k, v in found.items()}


def _bump_users(session: Session) -> None:
    found = _collect_users(session)
    if not any(found.values()):
        return
    from courses.models import Enrolment
    from lms.users.models import User

    where = []
    if found["user"]:
        where.append(User.id.in_(found["user"]))
    if found["enrolment"]:
        where.append(User.id.in_(select(Enrolment.user_id).where(Enrolment.id.in_(found["enrolment"]))))
    if found["version"]:
        where.append(User.id.in_(select(Enrolment.user_id).where(Enrolment.version_id.in_(found["version"]))))
    session.connection().execute(update(User).where(or_(*where)).values(dashboard_version=new_version_stamp()))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, User) and obj not in session.new:
            session.expire(obj, ["dashboard_version"])


def _after_flush(session: Session, _context) -> None:
    _bump_users(session)
    _bump_orgs(session)


def _bump_orgs(session: Session) -> None:
    found = _collect(session)
    if not any(found.values()):
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
    session.connection().execute(
        update(Organisation).where(or_(*where)).values(training_version=new_version_stamp()))
    # Organisations already loaded in this session read the new stamp from the database next time.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Organisation) and obj not in session.new:
            session.expire(obj, ["training_version"])


def register() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
