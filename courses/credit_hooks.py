"""What the credit ledger reads about courses (the contract in ``lms.activities``).

``activity_info`` describes the course's current published version; ``participation`` reads
the learner's enrolment, which points at the version they actually took.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses.models import Course, CourseVersion, Enrolment
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


def enrolment_info(learner_id: int, course_id: int) -> ActivityInfo | None:
    """The version this learner took (which may be older than the current one)."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner_id,
                                                          Enrolment.course_id == course_id)
                                  .options(selectinload(Enrolment.version)))
    if enrolment is None:
        return None
    return version_info(enrolment.course, enrolment.version)


def participation(learner_id: int, course_id: int) -> Participation:
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner_id,
                                                          Enrolment.course_id == course_id))
    if enrolment is None:
        return Participation(completed_at=None, evaluation_submitted=False)
    return Participation(
        completed_at=enrolment.completed_at,
        evaluation_submitted=enrolment.evaluation_submitted_at is not None,
        minutes_attended=enrolment.seconds_spent // 60,
        details={"version": enrolment.version.number, "version_id": enrolment.version_id,
                 "enrolment_id": enrolment.id},
    )
