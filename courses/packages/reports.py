"""Educator reports on package lessons: each learner's attempts (SCORM) and registrations (cmi5) with
status, score, time and interactions; both also as CSV."""

from __future__ import annotations

from sqlalchemy import func, select

from courses.models import Course, CourseVersion, Lesson
from courses.packages.models import Cmi5Registration, Cmi5Session, ContentPackage, ScormAttempt, XapiStatement
from lms.extensions import db
from lms.users.models import User

ATTEMPT_HEADER = ["Learner", "Email", "Lesson", "Standard", "Unit", "Attempt or registration", "Status", "Score %",
                  "Minutes", "Interactions", "Last activity (UTC)"]
INTERACTION_HEADER = ["Learner", "Email", "Lesson", "Unit", "Interaction", "Type", "Response", "Result",
                      "Recorded (UTC)"]
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


def _lesson_ids(course: Course) -> list[int]:
    return list(db.session.scalars(select(Lesson.id).join(CourseVersion, Lesson.version_id == CourseVersion.id)
                                   .where(CourseVersion.course_id == course.id, Lesson.kind == "package")))


def _status(state: dict) -> str:
    parts = [name for name in ("completed", "passed", "failed", "waived") if state.get(name)]
    return ", ".join(parts) or "in progress"


def _pct(value) -> str:
    return "" if value is None else str(round(float(value) * 100))


LEARNERS_PER_PAGE = 25


def learner_page(course: Course, *, page: int, per_page: int = 0):
    """One page of the learners who opened a package lesson of the course (by name), as a
    Flask-SQLAlchemy pagination of users: each learner's rows stay together on one page."""
    lesson_ids = _lesson_ids(course) or [-1]
    learners = select(ScormAttempt.user_id).where(ScormAttempt.lesson_id.in_(lesson_ids)).union(
        select(Cmi5Registration.user_id).where(Cmi5Registration.lesson_id.in_(lesson_ids)))
    return db.paginate(select(User).where(User.id.in_(learners)).order_by(User.last_name, User.id),
                       page=max(page, 1), per_page=per_page or LEARNERS_PER_PAGE, error_out=False, count=True)


def attempt_rows(course: Course, *, user_ids: list[int] | None = None) -> list[list]:
    """Every learner's rows (the CSV export), or only those of ``user_ids`` (a page of the report)."""
    lesson_ids = _lesson_ids(course)
    if not lesson_ids or user_ids == []:
        return []
    only = (lambda column: column.in_(user_ids)) if user_ids is not None else (lambda column: column.is_not(None))
    rows = []
    lessons = {lesson.id: lesson for lesson in db.session.scalars(select(Lesson).where(Lesson.id.in_(lesson_ids)))}
    scorm = db.session.execute(
        select(ScormAttempt, User, ContentPackage).join(User, ScormAttempt.user_id == User.id)
        .join(ContentPackage, ScormAttempt.package_id == ContentPackage.id)
        .where(ScormAttempt.lesson_id.in_(lesson_ids), only(ScormAttempt.user_id))
        .order_by(User.last_name, User.id, ScormAttempt.id)).all()
    for attempt, user, package in scorm:
        sco = package.structure["scos"][attempt.sco_index] if attempt.sco_index < len(package.structure["scos"]) \
            else {}
        status = attempt.completion_status + (f", {attempt.success_status}" if attempt.success_status != "unknown"
                                              else "")
        rows.append([user.full_name, user.email, lessons[attempt.lesson_id].title, package.standard_label,
                     sco.get("title", ""), attempt.number, status, _pct(attempt.score_scaled),
                     round(attempt.total_seconds / 60, 1), len(attempt.interactions or []),
                     attempt.updated_at.strftime("%Y-%m-%d %H:%M")])
    regs = db.session.execute(
        select(Cmi5Registration, User, ContentPackage).join(User, Cmi5Registration.user_id == User.id)
        .join(ContentPackage, Cmi5Registration.package_id == ContentPackage.id)
        .where(Cmi5Registration.lesson_id.in_(lesson_ids), only(Cmi5Registration.user_id))
        .order_by(User.last_name, User.id)).all()
    if regs:
        reg_ids = [r.id for r, _u, _p in regs]
        seconds = dict(db.session.execute(
            select(Cmi5Session.registration_id, func.sum(Cmi5Session.duration_seconds))
            .where(Cmi5Session.registration_id.in_(reg_ids)).group_by(Cmi5Session.registration_id)).all())
        answered = dict(db.session.execute(
            select(XapiStatement.registration, func.count()).where(
                XapiStatement.registration.in_(reg_ids), XapiStatement.verb_id == ANSWERED)
            .group_by(XapiStatement.registration)).all())
        last = dict(db.session.execute(
            select(XapiStatement.registration, func.max(XapiStatement.stored_at))
            .where(XapiStatement.registration.in_(reg_ids)).group_by(XapiStatement.registration)).all())
        for reg, user, package in regs:
            for index, au in enumerate(package.aus):
                state = (reg.au_state or {}).get(str(index), {})
                rows.append([user.full_name, user.email, lessons[reg.lesson_id].title, package.standard_label,
                             au["title"], reg.id, _status(state), _pct(state.get("score")),
                             round((seconds.get(reg.id) or 0) / 60, 1), answered.get(reg.id, 0),
                             last[reg.id].strftime("%Y-%m-%d %H:%M") if last.get(reg.id) else ""])
    return rows


def interaction_rows(course: Course) -> list[list]:
    lesson_ids = _lesson_ids(course)
    if not lesson_ids:
        return []
    lessons = {lesson.id: lesson.title for lesson in db.session.scalars(select(Lesson).where(Lesson.id.in_(lesson_ids)))}
    rows = []
    for attempt, user, package in db.session.execute(
            select(ScormAttempt, User, ContentPackage).join(User, ScormAttempt.user_id == User.id)
            .join(ContentPackage, ScormAttempt.package_id == ContentPackage.id)
            .where(ScormAttempt.lesson_id.in_(lesson_ids)).order_by(User.last_name, User.id, ScormAttempt.id)):
        for item in attempt.interactions or []:
            if not isinstance(item, dict):
                continue
            rows.append([user.full_name, user.email, lessons[attempt.lesson_id], package.standard_label,
                         item.get("id", ""), item.get("type", ""),
                         item.get("learner_response", item.get("student_response", "")), item.get("result", ""),
                         item.get("timestamp", item.get("time", ""))])
    regs = db.session.execute(select(Cmi5Registration, User).join(User, Cmi5Registration.user_id == User.id)
                              .where(Cmi5Registration.lesson_id.in_(lesson_ids))).all()
    by_reg = {reg.id: (reg, user) for reg, user in regs}
    if by_reg:
        for st in db.session.scalars(select(XapiStatement).where(
                XapiStatement.registration.in_(list(by_reg)), XapiStatement.verb_id == ANSWERED)
                .order_by(XapiStatement.id)):
            reg, user = by_reg[st.registration]
            body, result = st.body, st.body.get("result") or {}
            definition = (body.get("object") or {}).get("definition") or {}
            rows.append([user.full_name, user.email, lessons.get(reg.lesson_id, ""), "cmi5",
                         body["object"].get("id", ""), definition.get("interactionType", ""),
                         result.get("response", ""),
                         "" if result.get("success") is None else ("correct" if result["success"] else "incorrect"),
                         body.get("timestamp", "")])
    return rows


def interaction_count(course: Course) -> int:
    """How many rows the interactions export holds, without building them."""
    lesson_ids = _lesson_ids(course)
    if not lesson_ids:
        return 0
    scorm = sum(sum(1 for item in items or [] if isinstance(item, dict)) for items in db.session.scalars(
        select(ScormAttempt.interactions).where(ScormAttempt.lesson_id.in_(lesson_ids))))
    regs = select(Cmi5Registration.id).where(Cmi5Registration.lesson_id.in_(lesson_ids))
    cmi5 = db.session.scalar(select(func.count()).select_from(XapiStatement).where(
        XapiStatement.registration.in_(regs), XapiStatement.verb_id == ANSWERED))
    return scorm + (cmi5 or 0)
