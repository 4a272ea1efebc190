"""Serving uploaded course files to those allowed to see them, and previewing as a learner."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import login_required

from courses import bp
from courses import pages, services
from courses.access import get_course_or_404
from courses.captions import lesson_transcript
from courses.forms import ConfirmForm
from courses.models import CourseFile
from courses.uploads import DOCUMENT_TYPES, VIDEO_TYPES
from courses.views.common import lesson_upload_path
from lms.downloads import send_upload
from lms.extensions import db


@bp.route("/<int:course_id>/files/<int:file_id>")
@login_required
def file(course_id: int, file_id: int):
    course = get_course_or_404(course_id)
    f = db.session.get(CourseFile, file_id)
    if f is None:
        abort(404)
    path = lesson_upload_path(course, f.lesson, f.stored_name)
    is_video = f.kind == "video"
    # Werkzeug answers Range requests (206) when conditional=True, which video seeking needs.
    return send_upload(path, f.original_name, allowed=set(VIDEO_TYPES) | set(DOCUMENT_TYPES),
                       mimetype=f.content_type, attachment=not is_video, conditional=True, max_age=0,
                       cache="private, no-store" if not is_video else "private, max-age=0")


def _preview_version(course):
    version = course.draft_version or course.current_version
    if version is None:
        abort(404)
    return services.load_version(version.id)


@bp.route("/<int:course_id>/preview")
@login_required
def preview(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    version = pages.draft_view(_preview_version(course))
    return render_template("courses/show.html", course=course, version=version, enrolment=None, done=set(),
                           form=ConfirmForm(), claim_url=None, is_author=True, newer=False, preview=True)


@bp.route("/<int:course_id>/preview/lessons/<int:lesson_id>")
@login_required
def preview_lesson(course_id: int, lesson_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    version = _preview_version(course)
    lessons = version.lessons
    lesson = next((item for item in lessons if item.id == lesson_id), None)
    if lesson is None:
        return redirect(url_for("courses.preview", course_id=course.id))
    i = lessons.index(lesson)
    return render_template("courses/lesson.html", course=course, version=version, lesson=lesson, enrolment=None,
                           transcript=lesson_transcript(lesson),
                           progress=None, done=set(), attempts=[], preview=True,
                           previous=lessons[i - 1] if i else None,
                           following=lessons[i + 1] if i + 1 < len(lessons) else None, form=ConfirmForm())
