"""Package outcomes become Continuum's own lesson progress and course completion."""

from __future__ import annotations

from courses import services
from courses.models import Enrolment, Lesson
from courses.packages.signals import outcome
from lms.extensions import db


@outcome.connect
def _record(lesson_id, *, user_id, enrolment_id, completed, seconds, now):
    if lesson_id is None or enrolment_id is None:
        return  # launched through the automation API: no lesson to complete
    enrolment = db.session.get(Enrolment, enrolment_id)
    lesson = db.session.get(Lesson, lesson_id)
    if enrolment is None or lesson is None or enrolment.user_id != user_id or lesson.version_id != enrolment.version_id:
        return
    services.record_package_outcome(enrolment, lesson, completed=completed, seconds=seconds, now=now)
