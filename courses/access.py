"""Who may see and change a course, and loaders that load, scope and check in one call.

Educators and managers of the providing organisation author a course; anyone signed in may
read a published one. A course that is not published is 404 to everyone outside its
organisation and 403 to its plain members.
"""

from __future__ import annotations

from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from courses.models import Course, Enrolment
from lms.extensions import db
from lms.permissions import has_role, is_admin, membership, orgs_with_role


def can_author(user, course: Course) -> bool:
    return has_role(user, course.org_id, "educator")


def is_visible_to_learners(course: Course) -> bool:
    return course.archived_at is None and course.current_version_id is not None


@cache
def _course_statement():
    """A course with its organisation (every course page names it): built once, not per request."""
    return select(Course).where(Course.id == bindparam("course_id")).options(joinedload(Course.org))


def get_course_or_404(course_id: int, *, for_edit: bool = False) -> Course:
    """The course if the current user may see it (``for_edit``: may author it), else 404/403."""
    course = db.session.scalars(_course_statement(), {"course_id": course_id}).one_or_none()
    if course is None:
        abort(404)
    if for_edit:
        if is_admin(current_user) or can_author(current_user, course):
            return course
        abort(403 if membership(current_user, course.org_id) is not None else 404)
    if is_visible_to_learners(course) or can_author(current_user, course):
        return course
    # Enrolled learners keep access to what they started even after the course is archived.
    enrolled = db.session.scalar(select(Enrolment.id).where(Enrolment.course_id == course.id,
                                                            Enrolment.user_id == current_user.id))
    if enrolled is not None:
        return course
    abort(403 if membership(current_user, course.org_id) is not None else 404)


def authoring_orgs(user) -> list:
    """Organisations whose courses ``user`` may author (educator or manager there)."""
    return orgs_with_role(user, "educator")


def template_helpers() -> dict:
    return {"can_author": can_author}
