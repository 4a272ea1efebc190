"""Editing one quiz question: the form comes back filled in, and stays filled in when refused."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import login_required

from courses import bp
from courses.access import get_course_or_404
from courses.authoring import CourseError
from courses.forms import MAX_OPTIONS, QuestionForm
from courses.questions import question_of, update_question
from courses.views.common import actor, editor_context, now


def _options(form: QuestionForm) -> list[tuple[str, bool]]:
    if form.kind.data == "truefalse":
        return [("True", form.true_is_correct.data == "true"), ("False", form.true_is_correct.data == "false")]
    return [(getattr(form, f"option_{n}").data or "", getattr(form, f"correct_{n}").data)
            for n in range(1, MAX_OPTIONS + 1)]


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(course_id: int, lesson_id: int, question_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    try:
        question = question_of(course, lesson_id, question_id)
    except (LookupError, CourseError):
        abort(404)
    back = url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id) + "#questions"
    form = QuestionForm()
    if request.method == "GET":
        form.kind.data, form.text.data, form.rationale.data = question.kind, question.text, question.rationale
        for n, option in enumerate(question.options[:MAX_OPTIONS], start=1):
            getattr(form, f"option_{n}").data = option.text
            getattr(form, f"correct_{n}").data = option.is_correct
        true = next((o for o in question.options if o.text == "True"), None)
        form.true_is_correct.data = "true" if true is None or true.is_correct else "false"
    elif form.validate_on_submit():
        try:
            update_question(actor(), course, lesson_id, question_id, kind=form.kind.data, text=form.text.data,
                            rationale=form.rationale.data or "", options=_options(form), now=now())
        except CourseError as exc:
            form.form_errors.append(str(exc))
        else:
            return redirect(back)  # the unit of work commits
    form.submit.label.text = "Save question"
    status = 422 if request.method == "POST" else 200
    return render_template("courses/edit/question.html", form=form, question=question, lesson_id=lesson_id,
                           max_options=MAX_OPTIONS, back=back, **editor_context(course, "content")), status
