"""Retakes: a learner who completed a course takes it again, as a new round of the same enrolment.

Annual refreshers (HIPAA, OSHA) are assigned with a recurrence; when one falls due the learner
retakes the course. The enrolment stays one row per learner and course (credit is claimed once per
learner and activity); its ``round`` counts the rounds and ``CourseCompletion`` keeps every
completed one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from courses.models import Course, CourseCompletion, Enrolment
from courses import services
from courses.services import LearningError, closed_reason
from lms.extensions import db


class RetakeRefused(LearningError):
    pass


def completions_for(enrolment: Enrolment) -> list[CourseCompletion]:
    """Every completed round of ``enrolment``, the first first."""
    return list(db.session.scalars(select(CourseCompletion).where(CourseCompletion.enrolment_id == enrolment.id)
                                   .options(joinedload(CourseCompletion.version)).order_by(CourseCompletion.round)))


def retake_refusal(enrolment: Enrolment, course: Course, today: date, *, current=None) -> str | None:
    """Why ``enrolment`` cannot start another round now, or None when it can.

    ``current``: the course's current version, or anything with its ``expires_on`` (the course
    page passes its cached view); read from the course when not given."""
    if enrolment.completed_at is None:
        return "You can retake this course once you have completed it."
    if current is None and course.current_version_id is not None:
        current = course.current_version
    return closed_reason(course, current.expires_on if current is not None else None, today)


def retake(user, enrolment: Enrolment, *, now: datetime) -> Enrolment:
    """Start the next round of a completed course, on the course's current published version.

    The completed rounds stay in the history (``CourseCompletion``), with the credit claimed and the
    certificates issued for them: a retake earns no new credit. The new round starts with no lesson
    progress, no quiz attempts (so the full attempt limit) and no evaluation. The learner reads the
    disclosures again when the version changed. Two clicks start one round.
    """
    if enrolment.user_id != user.id:
        raise LookupError("not this learner's enrolment")
    refusal = retake_refusal(enrolment, enrolment.course, now.date())
    if refusal:
        raise RetakeRefused(refusal)
    version = enrolment.course.current_version
    moved = version.id != enrolment.version_id
    started = db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.round == enrolment.round,
                                Enrolment.completed_at.is_not(None))
        .values(round=Enrolment.round + 1, version_id=version.id, completed_at=None, evaluation_submitted_at=None,
                last_lesson_id=None, seconds_spent=0, last_activity_at=now, due_on=None,
                disclosures_seen_at=None if moved else Enrolment.disclosures_seen_at)
        .execution_options(synchronize_session=False))
    if started.rowcount != 1:
        raise RetakeRefused("Your retake has already started.")
    # Mirror the row on the object (as submit_attempt does): the flush then carries the new round like
    # any other change, so flush listeners (the dashboard and compliance cache stamps) see it.
    enrolment.round += 1
    enrolment.version_id = version.id
    enrolment.completed_at = enrolment.evaluation_submitted_at = enrolment.last_lesson_id = enrolment.due_on = None
    enrolment.seconds_spent = 0
    enrolment.last_activity_at = now
    if moved:
        enrolment.disclosures_seen_at = None
    db.session.flush()
    db.session.expire(enrolment, ["version"])
    return enrolment


def assign(actor, learner, course: Course, *, due_on: date | None, now: datetime) -> Enrolment:
    """Assign a course to a learner (practice management): enrols them, with a due date, without
    marking the disclosures as read, so the learner sees them before the content.

    A learner starts an assigned course they have already completed only when the assignment asks
    for it again (a recurrence fell due): that starts a retake.
    """
    enrolment = services.enrol(learner, course, now=now, disclosures_seen=False)
    if enrolment.completed_at is not None:
        enrolment = retake(learner, enrolment, now=now)
    enrolment.assigned_by_id = actor.id
    enrolment.due_on = due_on
    db.session.flush()
    return enrolment
