"""What authors add to lessons besides text: images for the Markdown, WebVTT captions for videos, and
the editor's preview (the server's own rendering, so the preview is what learners will see)."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_login import login_required
from sqlalchemy import select

from courses import authoring, bp
from courses import content as content_rules
from courses.access import get_course_or_404
from courses.captions import MAX_CAPTION_BYTES, check_language, store_captions
from courses.forms import CaptionForm, ImageForm, MarkdownPreviewForm
from courses.models import CourseImage, LessonCaption
from courses.uploads import IMAGE_TYPES, UploadRefused, max_bytes, store_upload, stored_path
from courses.views.common import (actor, confirm, form_messages, lesson_upload_path, now, run, upload_done,
                                  upload_refused, wants_json)
from courses.views.lessons import _lesson_or_404
from lms.downloads import send_upload
from lms.extensions import csrf, db
from lms.markdown import render_markdown


def image_url(course_id: int, stored_name: str) -> str:
    return url_for("courses.image", course_id=course_id, name=stored_name)


@bp.route("/<int:course_id>/images", methods=["POST"])
@csrf.exempt  # as for other uploads: ImageForm checks the token, after this route's own size cap
@login_required
def upload_image(course_id: int):
    request.max_content_length = max_bytes("image") + 64 * 1024
    course = get_course_or_404(course_id, for_edit=True)
    back = request.form.get("back_lesson", type=int)
    back = (url_for("courses.edit_lesson", course_id=course.id, lesson_id=back) if back
            else url_for("courses.edit", course_id=course.id)) + "#images"
    form = ImageForm()
    if not form.validate_on_submit():
        return upload_refused(" ".join(form_messages(form)) or "Choose an image to upload.", back)
    try:
        stored = store_upload(form.file.data.stream, form.file.data.filename, "image")
    except UploadRefused as exc:
        return upload_refused(str(exc), back)
    try:
        image = content_rules.add_image(actor(), course, stored, alt=form.alt.data, now=now())
    except authoring.CourseError as exc:
        stored_path(stored.stored_name).unlink(missing_ok=True)
        return upload_refused(str(exc), back)
    url = image_url(course.id, image.stored_name)
    markdown = f"![{_alt_markdown(image.alt)}]({url})"
    if wants_json():
        return jsonify(ok=True, url=url, alt=image.alt, markdown=markdown, message="Image uploaded.")
    return upload_done(f"Image uploaded. To show it, put this in the text: {markdown}", back)


def _alt_markdown(alt: str) -> str:
    return alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


@bp.route("/<int:course_id>/images/<name>")
@login_required
def image(course_id: int, name: str):
    """An image in the course's text, for anyone who may see the course (names are random and unguessable)."""
    course = get_course_or_404(course_id)
    found = db.session.scalar(select(CourseImage).where(CourseImage.course_id == course.id,
                                                        CourseImage.stored_name == name))
    if found is None:
        abort(404)
    try:
        path = stored_path(found.stored_name)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    # Inline, with the sniffed type, nosniff and a sandboxing CSP (send_upload); stored images never change.
    return send_upload(path, f"image{IMAGE_TYPES[found.content_type]}", allowed=set(IMAGE_TYPES),
                       mimetype=found.content_type, attachment=False, conditional=True, max_age=86400,
                       cache="private, max-age=86400, immutable")


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/captions", methods=["POST"])
@login_required
def upload_captions(course_id: int, lesson_id: int):
    request.max_content_length = MAX_CAPTION_BYTES + 64 * 1024
    course = get_course_or_404(course_id, for_edit=True)
    back = url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id) + "#captions"
    form = CaptionForm()
    if not form.validate_on_submit():
        return upload_refused(" ".join(form_messages(form)) or "Choose a captions file.", back)
    lesson = _lesson_or_404(course, lesson_id)
    if lesson.kind != "video":
        abort(404)
    try:
        language = check_language(form.language.data)
        stored = store_captions(form.file.data.stream)
    except UploadRefused as exc:
        return upload_refused(str(exc), back)
    try:
        content_rules.attach_captions(actor(), course, lesson.id, stored, language=language, label=form.label.data,
                                      now=now())
    except authoring.CourseError as exc:
        stored_path(stored.stored_name).unlink(missing_ok=True)
        return upload_refused(str(exc), back)
    return upload_done(f"Captions “{form.label.data}” uploaded ({len(stored.cues)} cues).", back)


@bp.route("/<int:course_id>/captions/<int:caption_id>.vtt")
@login_required
def captions(course_id: int, caption_id: int):
    """A captions track, for the course's authors and the learners of the version it belongs to."""
    course = get_course_or_404(course_id)
    track = db.session.get(LessonCaption, caption_id)
    if track is None:
        abort(404)
    path = lesson_upload_path(course, track.lesson, track.stored_name)
    return send_upload(path, f"captions-{track.language}.vtt", allowed={"text/vtt"}, mimetype="text/vtt",
                       attachment=False, conditional=True, max_age=0, cache="private, max-age=0")


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/captions/<int:caption_id>/delete", methods=["POST"])
@login_required
def remove_captions(course_id: int, lesson_id: int, caption_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: content_rules.remove_captions(actor(), course, lesson_id, caption_id, now=now()),
               back=url_for("courses.edit_lesson", course_id=course.id, lesson_id=lesson_id) + "#captions",
               done="Captions removed.")


@bp.route("/<int:course_id>/markdown-preview", methods=["POST"])
@login_required
def markdown_preview(course_id: int):
    """The editor's preview: exactly what the page will show (same renderer, same sanitiser)."""
    get_course_or_404(course_id, for_edit=True)
    form = MarkdownPreviewForm()
    if not form.validate_on_submit():
        return jsonify(error=" ".join(form_messages(form))), 400
    return jsonify(html=str(render_markdown(form.text.data or "")))
