"""What the credit ledger reads about courses (the contract in ``lms.activities``).

``activity_info`` describes the course's current published version; ``participation`` reads
the learner's enrolment, which points at the version they actually took. Credit is claimed once per
learner and course: after a retake, both keep describing the first completed round (a retake earns
no new credit, and one in progress does not take away the credit the first round earned).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses.models import Course, CourseCompletion, CourseVersion, Enrolment
from lms.activities import ActivityInfo, Participation
from lms.extensions import db


def version_info(course: Course, version: CourseVersion) -> ActivityInfo:
    return ActivityInfo(
        kind="course", id=course.id, version=version.number, title=version.title, format=version.format,
        provider_org_id=course.org_id, provider_name=course.org.name,
        designations={d.credit_type_code: d.max_amount for d in version.designations},
        start_date=version.release_on, end_date=version.expires_on, timezone=course.org.timezone or "UTC",
        topics=tuple(version.tag_values("topic")), acpe_uan=version.acpe_uan,
        accreditation_statement=version.accreditation_statement)


def activity_info(course_id: int) -> ActivityInfo | None:
    """The current published version of course ``course_id``, or None if it has never been published."""
    course = db.session.get(Course, course_id)
    if course is None or course.current_version is None:
        return None
    return version_info(course, course.current_version)


def _first_completion(enrolment: Enrolment) -> CourseCompletion | None:
    return db.session.scalar(select(CourseCompletion).where(CourseCompletion.enrolment_id == enrolment.id)
                             .order_by(CourseCompletion.round).limit(1))


def enrolment_info(learner_id: int, course_id: int) -> ActivityInfo | None:
    """The version this learner took (which may be older than the current one): the one they first
    completed, else the one they are taking."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner_id,
                                                          Enrolment.course_id == course_id)
                                  .options(selectinload(Enrolment.version)))
    if enrolment is None:
        return None
    first = _first_completion(enrolment)
    return version_info(enrolment.course, first.version if first else enrolment.version)


def participation(learner_id: int, course_id: int) -> Participation:
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner_id,
                                                          Enrolment.course_id == course_id))
    if enrolment is None:
        return Participation(completed_at=None, evaluation_submitted=False)
    first = _first_completion(enrolment)
    if first is None:
        return Participation(
            completed_at=enrolment.completed_at,
            evaluation_submitted=enrolment.evaluation_submitted_at is not None,
            minutes_attended=enrolment.seconds_spent // 60,
            details={"version": enrolment.version.number, "version_id": enrolment.version_id,
                     "enrolment_id": enrolment.id},
        )
    # An evaluation submitted in any round counts (a first round may not have required one).
    evaluated = enrolment.evaluation_submitted_at is not None or db.session.scalar(
        select(CourseCompletion.id).where(CourseCompletion.enrolment_id == enrolment.id,
                                          CourseCompletion.evaluation_submitted_at.is_not(None)).limit(1)) is not None
    return Participation(
        completed_at=first.completed_at,
        evaluation_submitted=evaluated,
        minutes_attended=first.seconds_spent // 60,
        details={"version": first.version.number, "version_id": first.version_id, "enrolment_id": enrolment.id,
                 "round": first.round},
    )
