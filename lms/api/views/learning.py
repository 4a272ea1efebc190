"""The token owner's enrolments, progress and completions (as the dashboard shows them)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from courses.models import CourseCompletion, Enrolment, Lesson, LessonProgress
from lms.api.auth import personal_only, require
from lms.api.pagination import UpdatedSinceArgs, page_schema, paginate
from lms.api.schemas import CompletionSchema, EnrolmentSchema
from lms.api.views.common import blueprint, me
from lms.extensions import db

blp = blueprint("learning", "Your enrolments, progress and completions (scope learning:read)", "/me")


def _counts(enrolments: list[Enrolment]) -> tuple[dict, dict]:
    """Lessons per version and lessons done per enrolment (current round), in two queries for a page."""
    if not enrolments:
        return {}, {}
    totals = dict(db.session.execute(select(Lesson.version_id, func.count()).where(
        Lesson.version_id.in_({e.version_id for e in enrolments})).group_by(Lesson.version_id)).all())
    done = dict(db.session.execute(select(LessonProgress.enrolment_id, func.count()).join(
        Enrolment, Enrolment.id == LessonProgress.enrolment_id).where(
        LessonProgress.enrolment_id.in_([e.id for e in enrolments]), LessonProgress.round == Enrolment.round,
        LessonProgress.completed_at.is_not(None)).group_by(LessonProgress.enrolment_id)).all())
    return totals, done


def enrolment_json(e: Enrolment, totals: dict | None = None, done: dict | None = None) -> dict:
    if totals is None:
        totals, done = _counts([e])
    total, finished = totals.get(e.version_id, 0), done.get(e.id, 0)
    return {"id": e.id, "activity_id": e.course_id, "title": e.version.title, "round": e.round,
            "enrolled_at": e.enrolled_at, "last_activity_at": e.last_activity_at, "completed_at": e.completed_at,
            "evaluation_submitted_at": e.evaluation_submitted_at, "due_on": e.due_on, "lessons_done": finished,
            "lessons_total": total,
            "percent": 100 if e.completed_at else (finished * 100 // total if total else 0)}


@blp.route("/enrolments")
@require("learning:read")
@blp.arguments(UpdatedSinceArgs, location="query")
@blp.response(200, page_schema(EnrolmentSchema, "EnrolmentPage"))
def list_enrolments(args):
    """Your enrolments with progress in the current round."""
    personal_only()
    query = select(Enrolment).where(Enrolment.user_id == me().id).options(selectinload(Enrolment.version))
    if args.get("updated_since"):
        since = args["updated_since"]
        query = query.where(or_(Enrolment.enrolled_at >= since, Enrolment.last_activity_at >= since,
                                Enrolment.completed_at >= since))
    page = paginate(query, Enrolment.id, args)
    totals, done = _counts(page["data"])
    page["data"] = [enrolment_json(e, totals, done) for e in page["data"]]
    return page


@blp.route("/enrolments/<int:enrolment_id>")
@require("learning:read")
@blp.response(200, EnrolmentSchema)
def get_enrolment(enrolment_id: int):
    """One of your enrolments."""
    personal_only()
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != me().id:
        abort(404)
    return enrolment_json(enrolment)


@blp.route("/completions")
@require("learning:read")
@blp.arguments(UpdatedSinceArgs, location="query")
@blp.response(200, page_schema(CompletionSchema, "CompletionPage"))
def list_completions(args):
    """Your completion history: one row per completed round, never changed afterwards."""
    personal_only()
    query = select(CourseCompletion).where(CourseCompletion.user_id == me().id)
    if args.get("updated_since"):
        query = query.where(CourseCompletion.completed_at >= args["updated_since"])
    page = paginate(query, CourseCompletion.id, args)
    page["data"] = [{"id": c.id, "enrolment_id": c.enrolment_id, "activity_id": c.course_id,
                     "version_id": c.version_id, "round": c.round, "completed_at": c.completed_at,
                     "score_pct": c.score_pct, "seconds_spent": c.seconds_spent} for c in page["data"]]
    return page
