"""Authoring course content: modules, lessons, uploads and quizzes (moved up and down with buttons)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from courses import authoring, bp
from courses import content as content_rules
from courses.access import get_course_or_404
from courses.forms import (MAX_OPTIONS, CaptionForm, ImageForm, LessonForm, ModuleForm, NewLessonForm, QuestionForm,
                           QuizSettingsForm, UploadForm)
from courses.uploads import UploadRefused, embed_hosts, max_bytes, normalise_embed_url, store_upload
from courses.views.common import (actor, confirm, editor_context, flash_errors, form_messages, now, run, upload_done,
                                  upload_refused)
from lms.extensions import csrf, db
from lms.unit_of_work import refuse

DIRECTIONS = ("up", "down")
RECENT_IMAGES = 24


# --- modules and lessons ----------------------------------------------------------------------


@bp.route("/<int:course_id>/edit/content")
@login_required
def content(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    return render_template("courses/edit/content.html", module_form=ModuleForm(), lesson_form=NewLessonForm(),
                           **editor_context(course, "content"))


@bp.route("/<int:course_id>/modules", methods=["POST"])
@login_required
def add_module(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = ModuleForm()
    back = url_for("courses.content", course_id=course.id)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    return run(lambda: content_rules.add_module(actor(), course, form.title.data, now=now()) and None, back=back,
               done="Module added.")


@bp.route("/<int:course_id>/modules/<int:module_id>/rename", methods=["POST"])
@login_required
def rename_module(course_id: int, module_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = ModuleForm()
    back = url_for("courses.content", course_id=course.id)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    return run(lambda: content_rules.rename_module(actor(), course, module_id, form.title.data, now=now()), back=back,
               done="Module renamed.")


@bp.route("/<int:course_id>/modules/<int:module_id>/move/<direction>", methods=["POST"])
@login_required
def move_module(course_id: int, module_id: int, direction: str):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    if direction not in DIRECTIONS:
        abort(404)
    return run(lambda: content_rules.move_module(actor(), course, module_id, direction, now=now()),
               back=url_for("courses.content", course_id=course.id) + f"#module-{module_id}")


@bp.route("/<int:course_id>/modules/<int:module_id>/delete", methods=["POST"])
@login_required
def remove_module(course_id: int, module_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: content_rules.remove_module(actor(), course, module_id, now=now()),
               back=url_for("courses.content", course_id=course.id), done="Module deleted.")


@bp.route("/<int:course_id>/modules/<int:module_id>/lessons", methods=["POST"])
@login_required
def add_lesson(course_id: int, module_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = NewLessonForm()
    back = url_for("courses.content", course_id=course.id)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    try:
        lesson = content_rules.add_lesson(actor(), course, module_id, title=form.title.data, kind=form.kind.data, now=now())
    except LookupError:
        abort(404)
    except authoring.CourseError as exc:
        return refuse(str(exc), back)
    return redirect(url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson.id))


def _lesson_or_404(course, lesson_id):
    version = course.draft_version or course.current_version
    lesson = next((item for item in (version.lessons if version else []) if item.id == lesson_id), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@login_required
def edit_lesson(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    lesson = _lesson_or_404(course, lesson_id)
    form = LessonForm(obj=lesson)
    if form.validate_on_submit():
        try:
            embed = normalise_embed_url(form.embed_url.data, embed_hosts()) if form.embed_url.data else None
            content_rules.update_lesson(actor(), course, lesson.id, title=form.title.data, body=form.body.data or "",
                                    embed_url=embed, now=now())
        except UploadRefused as exc:
            form.embed_url.errors.append(str(exc))
        except authoring.CourseError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Lesson saved.", "success")
            return redirect(url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson.id))
    quiz_form = QuizSettingsForm(obj=lesson.quiz) if lesson.quiz else None
    return render_template("courses/edit/lesson.html", lesson=lesson, form=form, upload_form=UploadForm(),
                           quiz_form=quiz_form, question_form=QuestionForm(), max_options=MAX_OPTIONS,
                           max_video=max_bytes("video"), max_document=max_bytes("attachment"),
                           max_image=max_bytes("image"), image_form=ImageForm(), caption_form=CaptionForm(),
                           images=content_rules.recent_images(course, limit=RECENT_IMAGES), recent_images=RECENT_IMAGES,
                           **editor_context(course, "content")), 422 if form.errors or form.form_errors else 200


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/move/<direction>", methods=["POST"])
@login_required
def move_lesson(course_id: int, lesson_id: int, direction: str):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    if direction not in DIRECTIONS:
        abort(404)
    return run(lambda: content_rules.move_lesson(actor(), course, lesson_id, direction, now=now()),
               back=url_for("courses.content", course_id=course.id) + f"#lesson-{lesson_id}")


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/delete", methods=["POST"])
@login_required
def remove_lesson(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: content_rules.remove_lesson(actor(), course, lesson_id, now=now()),
               back=url_for("courses.content", course_id=course.id), done="Lesson deleted.")


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/upload/<kind>", methods=["POST"])
@csrf.exempt  # CSRFProtect would parse the body under the global size cap; UploadForm checks the token instead
@login_required
def upload(course_id: int, lesson_id: int, kind: str):
    if kind not in ("video", "attachment"):
        abort(404)
    # This route's own cap (the per-kind limit plus room for the form), set before the body is read.
    request.max_content_length = max_bytes(kind) + 64 * 1024
    course = get_course_or_404(course_id, for_edit=True)
    back = url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return upload_refused(" ".join(form_messages(form)) or "Choose a file to upload.", back)
    lesson = _lesson_or_404(course, lesson_id)
    if kind == "video" and lesson.kind != "video":
        abort(404)
    try:
        stored = store_upload(form.file.data.stream, form.file.data.filename, kind)
    except UploadRefused as exc:
        return upload_refused(str(exc), back)
    try:
        content_rules.attach_file(actor(), course, lesson.id, stored, kind=kind, now=now())
    except authoring.CourseError as exc:
        return upload_refused(str(exc), back)
    return upload_done(f"{stored.original_name} uploaded.", back)


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/files/<int:file_id>/delete", methods=["POST"])
@login_required
def remove_file(course_id: int, lesson_id: int, file_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: content_rules.remove_file(actor(), course, lesson_id, file_id, now=now()),
               back=url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id), done="File removed.")


# --- quizzes ----------------------------------------------------------------------------------


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/quiz", methods=["POST"])
@login_required
def quiz_settings(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = QuizSettingsForm()
    back = url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id) + "#quiz"
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    return run(lambda: content_rules.update_quiz(actor(), course, lesson_id, pass_mark_pct=form.pass_mark_pct.data,
                                             max_attempts=form.max_attempts.data, shuffle=form.shuffle.data,
                                             now=now()) and None, back=back, done="Quiz settings saved.")


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/questions", methods=["POST"])
@login_required
def add_question(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = QuestionForm()
    back = url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id) + "#questions"
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    if form.kind.data == "truefalse":
        options = [("True", form.true_is_correct.data == "true"), ("False", form.true_is_correct.data == "false")]
    else:
        options = [(getattr(form, f"option_{n}").data or "", getattr(form, f"correct_{n}").data)
                   for n in range(1, MAX_OPTIONS + 1)]
    return run(lambda: content_rules.add_question(actor(), course, lesson_id, kind=form.kind.data, text=form.text.data,
                                              rationale=form.rationale.data or "", options=options,
                                              now=now()) and None, back=back, done="Question added.")


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/questions/<int:question_id>/move/<direction>", methods=["POST"])
@login_required
def move_question(course_id: int, lesson_id: int, question_id: int, direction: str):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    if direction not in DIRECTIONS:
        abort(404)
    return run(lambda: content_rules.move_question(actor(), course, lesson_id, question_id, direction, now=now()),
               back=url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id) + "#questions")


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/questions/<int:question_id>/delete", methods=["POST"])
@login_required
def remove_question(course_id: int, lesson_id: int, question_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: content_rules.remove_question(actor(), course, lesson_id, question_id, now=now()),
               back=url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id) + "#questions",
               done="Question deleted.")
