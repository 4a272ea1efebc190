"""What clinicians see: the catalog, a course, its lessons, quiz attempts and the evaluation."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses import bp
from courses import catalog as catalog_rules
from courses import pages, retakes, services
from courses.access import authoring_orgs, can_author, get_course_or_404
from courses.captions import lesson_transcript
from courses.forms import ConfirmForm, RetakeForm, attempt_form, evaluation_form
from courses.models import Quiz, QuizAttempt, QuizQuestion, QuizResponse
from courses.views.common import KnownPage, actor, flash_errors, now, page_number, per_page, run
from lms import caching
from lms.activities import FORMATS
from lms.credits.models import CreditType
from lms import inputs
from lms import unit_of_work
from lms.credits.services import has_claimed
from lms.extensions import db
from lms.unit_of_work import refuse
from lms.users.models import PROFESSIONS


@bp.route("/")
@login_required
def catalog():
    args = request.args
    filters = catalog_rules.CatalogFilters(
        q=(args.get("q") or "").strip()[:100], specialty=(args.get("specialty") or "")[:80],
        topic=(args.get("topic") or "")[:80], credit_type=(args.get("credit_type") or "")[:32],
        format=args.get("format") if args.get("format") in FORMATS else "",
        profession=args.get("profession") if args.get("profession") in PROFESSIONS else "",
        min_credit=catalog_rules.parse_credit(args.get("min_credit")))
    page, size, today = page_number(), per_page(), now().date()
    # Pagination links carry the filters the page was asked with (those the form knows, nothing else).
    keep = tuple((k, args[k]) for k in _CATALOG_ARGS if args.get(k))
    generation = catalog_rules.generation()

    def render_body():
        found = catalog_rules.browse(filters, today=today, page=page, per_page=size, generation_=generation)
        credit_types = caching.kept(("catalog", generation, "credit types"), lambda: [tuple(row) for row in db.session.execute(
            select(CreditType.code, CreditType.name).order_by(CreditType.sort_order))])
        return Markup(render_template(
            "courses/_catalog_body.html", results=KnownPage(found.cards, found.total, page=page, per_page=size),
            filters=filters, keep=dict(keep), credit_types=credit_types, specialties=found.specialties,
            topics=found.topics, formats=FORMATS, professions=PROFESSIONS))

    # The form and results are the same for every reader: rendered once per catalog generation and query.
    body = caching.kept(("catalog", generation, "html", filters, today, page, size, keep), render_body)
    return render_template("courses/catalog.html", body=body, authoring=authoring_orgs(current_user))


_CATALOG_ARGS = ("q", "specialty", "topic", "credit_type", "format", "profession", "min_credit")


def _version_for(course, enrolment):
    if enrolment is not None:
        return enrolment.version_id
    if course.current_version_id:
        return course.current_version_id
    abort(404)


@bp.route("/<int:course_id>")
@login_required
def show(course_id: int):
    course = get_course_or_404(course_id)
    learner = pages.learner_state(current_user._get_current_object(), course)
    enrolment, done, completions = learner.enrolment, learner.done, learner.completions
    if enrolment is None and course.current_version_id is None:
        return redirect(url_for("courses.edit", course_id=course.id))
    version = pages.version_view(course, _version_for(course, enrolment))
    claim_url = None
    unclaimed = False
    if completions and "credits.claim" in current_app.view_functions:
        claim_url = url_for("credits.claim", kind="course", activity_id=course.id)
        unclaimed = not learner.claimed
    can_retake = False
    if enrolment is not None and enrolment.completed_at is not None:
        current = version if course.current_version_id == version.id else (
            pages.version_view(course, course.current_version_id) if course.current_version_id else None)
        can_retake = retakes.retake_refusal(enrolment, course, now().date(), current=current) is None
    return render_template("courses/show.html", course=course, version=version, enrolment=enrolment, done=done,
                           form=ConfirmForm() if enrolment is None else None, claim_url=claim_url, unclaimed=unclaimed,
                           is_author=can_author(current_user, course),
                           newer=enrolment is not None and course.current_version_id not in (None, enrolment.version_id),
                           completions=completions, retake_form=RetakeForm() if can_retake else None)


@bp.route("/<int:course_id>/retake", methods=["POST"])
@login_required
def retake(course_id: int):
    course = get_course_or_404(course_id)
    enrolment = services.enrolment_for(current_user, course)
    if enrolment is None:
        abort(404)
    back = url_for("courses.show", course_id=course.id)
    if not RetakeForm().validate_on_submit():
        flash("Tick the box to confirm that you want to take the course again.", "warning")
        return redirect(back)
    try:
        retakes.retake(actor(), enrolment, now=now())
    except services.LearningError as exc:
        return refuse(str(exc), back, "warning")
    flash("Your retake has started. Your earlier completions, credit and certificates are kept.", "success")
    return redirect(url_for("courses.resume", course_id=course.id))


@bp.route("/<int:course_id>/disclosures")
@login_required
def disclosures(course_id: int):
    course = get_course_or_404(course_id)
    enrolment = services.enrolment_for(current_user, course)
    version = services.load_version(_version_for(course, enrolment))
    return render_template("courses/disclosures.html", course=course, version=version, enrolment=enrolment,
                           form=ConfirmForm())


@bp.route("/<int:course_id>/enrol", methods=["POST"])
@login_required
def enrol(course_id: int):
    course = get_course_or_404(course_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return run(lambda: services.enrol(actor(), course, now=now()) and None,
               back=url_for("courses.resume", course_id=course.id))


def _enrolment_or_redirect(course):
    enrolment = services.enrolment_for(current_user, course)
    if enrolment is None:
        flash("Enrol in the course first.", "info")
        return None, redirect(url_for("courses.show", course_id=course.id))
    if enrolment.disclosures_seen_at is None:
        return None, redirect(url_for("courses.disclosures", course_id=course.id))
    return enrolment, None


@bp.route("/<int:course_id>/learn")
@login_required
def resume(course_id: int):
    course = get_course_or_404(course_id)
    enrolment, response = _enrolment_or_redirect(course)
    if response:
        return response
    lesson = services.resume_lesson(enrolment, services.load_version(enrolment.version_id))
    if lesson is None:
        return redirect(url_for("courses.show", course_id=course.id))
    return redirect(url_for("courses.lesson", course_id=course.id, lesson_id=lesson.id))


def _lesson_in(version, lesson_id):
    lesson = next((lesson for lesson in version.lessons if lesson.id == lesson_id), None)
    if lesson is None:
        abort(404)
    return lesson


def _neighbours(version, lesson):
    lessons = version.lessons
    i = lessons.index(lesson)
    return (lessons[i - 1] if i > 0 else None), (lessons[i + 1] if i + 1 < len(lessons) else None)


@bp.route("/<int:course_id>/lessons/<int:lesson_id>")
@login_required
@unit_of_work.writes  # opening a lesson records progress
def lesson(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id)
    enrolment, response = _enrolment_or_redirect(course)
    if response:
        return response
    version = services.load_version(enrolment.version_id)
    lesson = _lesson_in(version, lesson_id)
    progress = services.view_lesson(enrolment, lesson, now=now())
    done = services.done_lesson_ids(enrolment)
    attempts = services.attempts_for(enrolment, lesson.quiz) if lesson.quiz else []
    previous, following = _neighbours(version, lesson)
    return render_template("courses/lesson.html", course=course, version=version, lesson=lesson, transcript=lesson_transcript(lesson),
                           enrolment=enrolment, progress=progress, done=done, attempts=attempts, preview=False,
                           previous=previous, following=following, form=ConfirmForm())


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/position", methods=["POST"])
@login_required
def position(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id)
    enrolment = services.enrolment_for(current_user, course)
    if enrolment is None:
        abort(404)
    version = services.load_version(enrolment.version_id)
    lesson = _lesson_in(version, lesson_id)
    data = inputs.json_object()
    try:
        at = float(data.get("position", 0))
        duration = float(data["duration"]) if data.get("duration") not in (None, "") else None
    except (TypeError, ValueError):
        abort(400)
    if not (0 <= at < 10**7) or (duration is not None and not 0 <= duration < 10**7):
        abort(400)
    try:
        row = services.record_position(enrolment, lesson, position=at, duration=duration, now=now())
    except services.LearningError:
        abort(400)
    return jsonify(position=row.position_seconds, furthest=row.furthest_seconds,
                   completed=row.completed_at is not None, course_completed=enrolment.completed_at is not None)


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/attempts", methods=["POST"])
@login_required
def start_attempt(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id)
    enrolment, response = _enrolment_or_redirect(course)
    if response:
        return response
    lesson = _lesson_in(services.load_version(enrolment.version_id), lesson_id)
    if lesson.quiz is None or not ConfirmForm().validate_on_submit():
        abort(404 if lesson.quiz is None else 400)
    back = url_for("courses.lesson", course_id=course.id, lesson_id=lesson.id)
    try:
        attempt = services.start_attempt(enrolment, lesson.quiz, now=now())
    except services.LearningError as exc:
        return refuse(str(exc), back, "warning")
    return redirect(url_for("courses.attempt", course_id=course.id, attempt_id=attempt.id))


@bp.route("/<int:course_id>/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(course_id: int, attempt_id: int):
    course = get_course_or_404(course_id)
    enrolment = services.enrolment_for(current_user, course)
    attempt = db.session.get(QuizAttempt, attempt_id)
    if enrolment is None or attempt is None or attempt.enrolment_id != enrolment.id or attempt.round != enrolment.round:
        abort(404)
    quiz = db.session.scalars(select(Quiz).where(Quiz.id == attempt.quiz_id).options(
        selectinload(Quiz.questions).selectinload(QuizQuestion.options), selectinload(Quiz.lesson))).one()
    questions = {q.id: q for q in quiz.questions}
    form = attempt_form(attempt, questions)
    status = 200
    if request.method == "POST" and attempt.submitted_at is None:
        if form.validate_on_submit():
            answers = {}
            for qid in questions:
                field = getattr(form, f"q_{qid}", None)
                value = field.data if field is not None else None
                answers[qid] = [v for v in (value if isinstance(value, list) else [value]) if v is not None]
            try:
                services.submit_attempt(attempt, answers, now=now())
            except services.AttemptAlreadySubmitted:
                unit_of_work.rollback()  # a second tab's submit: show the first one's result
                return redirect(url_for("courses.attempt", course_id=course.id, attempt_id=attempt.id))
            except services.LearningError as exc:
                form.form_errors.append(str(exc))
                status = 422
            else:
                return redirect(url_for("courses.attempt", course_id=course.id, attempt_id=attempt.id))
        else:
            status = 422
    elif request.method == "POST":
        flash("This attempt was already submitted; here is its result.", "info")
        return redirect(url_for("courses.attempt", course_id=course.id, attempt_id=attempt.id))
    responses = {}
    if attempt.submitted_at is not None:
        responses = {r.question_id: r for r in db.session.scalars(select(QuizResponse).where(
            QuizResponse.attempt_id == attempt.id).options(selectinload(QuizResponse.choices)))}
    used = len(services.attempts_for(enrolment, quiz))
    return render_template("courses/attempt.html", course=course, quiz=quiz, attempt=attempt, form=form,
                           questions=questions, responses=responses, enrolment=enrolment,
                           next_step=_next_step(course, enrolment) if attempt.passed else None,
                           can_retry=not attempt.passed and used < quiz.max_attempts, start_form=ConfirmForm()), status


def _next_step(course, enrolment) -> tuple[str, str]:
    """After a passed quiz, the one thing to do next: claim credit the moment it is possible."""
    if enrolment.completed_at is None:
        return "Continue the course", url_for("courses.resume", course_id=course.id)
    if enrolment.evaluation_submitted_at is None and services.load_version(enrolment.version_id).evaluation_items:
        return "Complete the evaluation to claim credit", url_for("courses.evaluation", course_id=course.id)
    if enrolment.round == 1 and "credits.claim" in current_app.view_functions \
            and not db.session.scalar(select(has_claimed(enrolment.user_id, "course", course.id))):
        return "Claim credit", url_for("credits.claim", kind="course", activity_id=course.id)
    return "Back to the course", url_for("courses.show", course_id=course.id)


@bp.route("/<int:course_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(course_id: int):
    course = get_course_or_404(course_id)
    enrolment, response = _enrolment_or_redirect(course)
    if response:
        return response
    version = services.load_version(enrolment.version_id)
    form = evaluation_form(version.evaluation_items)
    if enrolment.evaluation_submitted_at is None and form.validate_on_submit():
        answers = {}
        for item in version.evaluation_items:
            value = getattr(form, f"item_{item.id}").data
            answers[item.id] = ((int(value) if value else None), "") if item.kind == "likert" else (None, value or "")
        result = run(lambda: services.submit_evaluation(enrolment, answers, now=now()),
                     back=url_for("courses.show", course_id=course.id), done="Thank you: your evaluation is recorded.")
        return result
    # The errors show once, beside their questions and in the form's summary: no flash as well.
    return render_template("courses/evaluation.html", course=course, version=version, enrolment=enrolment,
                           form=form), 422 if form.errors else 200


@bp.route("/mine")
@login_required
def my_learning():
    return render_template("courses/mine.html", board=services.dashboard_for(current_user, now()),
                           authoring=authoring_orgs(current_user))
