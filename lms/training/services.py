"""Assignment rules: who may be given what, and recording it (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select

from courses.models import Course
from lms import caching
from lms.errors import RuleViolation
from lms.audit.services import record
from lms.extensions import db
from lms.orgs.models import Membership, Organisation, Team
from lms.training.models import (
    BASES,
    TARGET_KINDS,
    Assignment,
    TrainingPreference,
    TrainingRecord,
)
from lms.users.models import User
from meetings.models import Meeting


class TrainingError(RuleViolation, ValueError):
    pass


class NotInOrganisation(TrainingError):
    """The course, meeting, team or person is not this organisation's (views answer 404)."""


@dataclass(frozen=True)
class AssignmentData:
    item_kind: str
    item_id: int
    target_kind: str
    target_id: int | None = None  # user id (person) or team id (team)
    job_title: str = ""
    due_on: date | None = None
    recurrence_months: int | None = None
    recurrence_basis: str = "completion"
    grace_days: int = 0
    is_mandatory: bool = True


def assignable_courses_query(org: Organisation):
    """The organisation's own courses, and published courses in the catalog (e.g. a provider's HIPAA course)."""
    return select(Course).where(Course.archived_at.is_(None), or_(
        Course.org_id == org.id, Course.current_version_id.is_not(None)))


def assignable_course(org: Organisation, course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or course.archived_at is not None or (
            course.org_id != org.id and course.current_version_id is None):
        raise NotInOrganisation("Unknown course.")
    return course


def org_meeting(org: Organisation, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.org_id != org.id:
        raise NotInOrganisation("Unknown meeting.")
    return meeting


def org_team(org: Organisation, team_id: int | None) -> Team:
    team = db.session.get(Team, team_id) if team_id else None
    if team is None or team.org_id != org.id:
        raise NotInOrganisation("Unknown team.")
    return team


def org_person(org: Organisation, user_id: int | None) -> User:
    m = db.session.scalar(select(Membership).where(Membership.org_id == org.id, Membership.user_id == user_id)) \
        if user_id else None
    if m is None:
        raise NotInOrganisation("Unknown person.")
    return m.user


def assign(actor: User, org: Organisation, data: AssignmentData, *, now: datetime) -> Assignment:
    """Require a course (or a meeting's minutes) of a person, team, job title or everyone.

    A due date in the past is allowed (the status is overdue at once, after any grace period):
    a manager may be recording a requirement that already applied.
    """
    if data.target_kind not in TARGET_KINDS:
        raise TrainingError("Choose who must do it.")
    if data.due_on is None:
        raise TrainingError("Choose a due date.")
    if data.recurrence_months is not None and not 1 <= data.recurrence_months <= 120:
        raise TrainingError("Recurrence is between 1 and 120 months.")
    if data.recurrence_basis not in BASES:
        raise TrainingError("Choose how the recurrence is counted.")
    if not 0 <= data.grace_days <= 365:
        raise TrainingError("The grace period is between 0 and 365 days.")
    a = Assignment(org_id=org.id, item_kind=data.item_kind, target_kind=data.target_kind, due_on=data.due_on,
                   recurrence_months=data.recurrence_months or None, recurrence_basis=data.recurrence_basis,
                   grace_days=data.grace_days, is_mandatory=data.is_mandatory, created_by_id=actor.id,
                   created_at=now)
    if data.item_kind == "course":
        a.course = assignable_course(org, data.item_id)
    elif data.item_kind == "minutes":
        a.meeting = org_meeting(org, data.item_id)
    else:
        raise TrainingError("Choose a course or a meeting's minutes.")
    if data.target_kind == "team":
        a.target_team = org_team(org, data.target_id)
    elif data.target_kind == "person":
        a.target_user = org_person(org, data.target_id)
    elif data.target_kind == "job_title":
        title = (data.job_title or "").strip()
        if not title:
            raise TrainingError("Enter the job title.")
        a.target_job_title = title[:120]
    db.session.add(a)
    db.session.flush()
    caching.bump_training([org.id])
    record(actor, "training.assign", a, now=now, org_id=org.id,
           after={"item": f"{a.item_kind}:{data.item_id}", "target": a.target_kind, "due_on": a.due_on.isoformat(),
                  "recurrence_months": a.recurrence_months, "basis": a.recurrence_basis, "grace_days": a.grace_days})
    return a


def update_assignment(actor: User, a: Assignment, *, due_on: date, recurrence_months: int | None,
                      recurrence_basis: str, grace_days: int, is_mandatory: bool, now: datetime) -> None:
    """Change when and how often an item is due (what and who stay: remove and assign again for that)."""
    if recurrence_months is not None and not 1 <= recurrence_months <= 120:
        raise TrainingError("Recurrence is between 1 and 120 months.")
    if recurrence_basis not in BASES:
        raise TrainingError("Choose how the recurrence is counted.")
    if not 0 <= grace_days <= 365:
        raise TrainingError("The grace period is between 0 and 365 days.")
    fields = ("due_on", "recurrence_months", "recurrence_basis", "grace_days", "is_mandatory")
    before = {f: getattr(a, f) for f in fields}
    a.due_on, a.recurrence_months, a.recurrence_basis = due_on, recurrence_months or None, recurrence_basis
    a.grace_days, a.is_mandatory = grace_days, is_mandatory
    after = {f: getattr(a, f) for f in fields}
    if before != after:
        caching.bump_training([a.org_id])

        def plain(d):
            return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}

        record(actor, "training.update", a, now=now, org_id=a.org_id, before=plain(before), after=plain(after))


def remove_assignment(actor: User, a: Assignment, *, now: datetime) -> None:
    """Stop requiring it. The row stays, marked removed, for the record."""
    if a.removed_at is None:
        a.removed_at = now
        caching.bump_training([a.org_id])
        record(actor, "training.unassign", a, now=now, org_id=a.org_id)


def opted_out(user_id: int) -> bool:
    pref = db.session.get(TrainingPreference, user_id)
    return bool(pref and pref.non_mandatory_mail_opt_out)


def set_opt_out(user: User, value: bool, *, now: datetime) -> None:
    pref = db.session.get(TrainingPreference, user.id)
    if pref is None:
        pref = TrainingPreference(user_id=user.id)
        db.session.add(pref)
    pref.non_mandatory_mail_opt_out = value
    pref.updated_at = now


def start_course(user: User, a: Assignment, *, due_on: date | None, now: datetime):
    """Enrol ``user`` in an assigned course through the courses package's ``assign`` (so the course
    shows as assigned, with its due date, and the disclosures come before the content)."""
    from courses import retakes as courses

    if a.item_kind != "course":
        raise TrainingError("This item is not a course.")
    assigner = db.session.get(User, a.created_by_id) if a.created_by_id else None
    try:
        return courses.assign(assigner or user, user, a.course, due_on=due_on, now=now)
    except courses.LearningError as exc:
        raise TrainingError(str(exc)) from None


def record_completion(actor: User, org: Organisation, user: User, *, item_kind: str, item_id: int, completed_on: date,
                      note: str, now: datetime) -> TrainingRecord:
    """Record a completion done outside Continuum (or a repeat of a course already completed here).

    It counts like any completion, from ``completed_on``, which cannot be in the future.
    """
    if completed_on > now.date():
        raise TrainingError("The completion date cannot be in the future.")
    org_person(org, user.id)
    record_ = TrainingRecord(org_id=org.id, user_id=user.id, item_kind=item_kind, completed_on=completed_on,
                             note=(note or "").strip()[:300], recorded_by_id=actor.id, recorded_at=now)
    if item_kind == "course":
        record_.course_id = assignable_course(org, item_id).id
    elif item_kind == "minutes":
        record_.meeting_id = org_meeting(org, item_id).id
    else:
        raise TrainingError("Choose a course or a meeting's minutes.")
    db.session.add(record_)
    db.session.flush()
    caching.bump_training([org.id])
    record(actor, "training.record", record_, now=now, org_id=org.id,
           after={"user_id": user.id, "item": record_.item_key, "completed_on": completed_on.isoformat()})
    return record_


def void_record(actor: User, record_: TrainingRecord, *, now: datetime) -> None:
    """Withdraw a completion recorded by mistake; the row stays, marked void."""
    if record_.voided_at is None:
        record_.voided_at = now
        caching.bump_training([record_.org_id])
        record(actor, "training.record_void", record_, now=now, org_id=record_.org_id)
