"""Helpers shared by the course views."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from courses import workflow
from courses.access import can_author
from courses.authoring import CourseError, PublishRefused
from courses.forms import ConfirmForm
from courses.models import Course
from courses.services import LearningError, enrolment_for, load_version
from courses.uploads import stored_path
from lms.extensions import db
from lms.unit_of_work import refuse, rollback
from lms.types import utcnow


def lesson_upload_path(course: Course, lesson, stored_name: str):
    """The stored file of one of ``lesson``'s uploads, for the course's authors and the learners of the
    version the lesson belongs to; 404 for anyone else, or when the file is gone."""
    if lesson.module.version.course_id != course.id:
        abort(404)
    if not can_author(current_user, course):
        enrolment = enrolment_for(current_user, course)
        if enrolment is None or enrolment.version_id != lesson.version_id:
            abort(404)
    try:
        path = stored_path(stored_name)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    return path


def page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def per_page() -> int:
    return current_app.config.get("PER_PAGE", 25)


class KnownPage(Pagination):
    """Flask-SQLAlchemy's pagination over one page of items already fetched, with the total known."""

    def __init__(self, items: list, total: int, page: int, per_page: int):
        self._items, self._total = items, total
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self):
        return self._items

    def _query_count(self):
        return self._total


def actor():
    return current_user._get_current_object()


def run(action, *, back: str, done: str | None = None):
    """Call a service and go back (the request commits once); a rule violation is undone and flashed."""
    try:
        result = action()
    except LookupError:
        abort(404)
    except PublishRefused as exc:
        return refuse("Not yet: " + " ".join(exc.problems), back)
    except (CourseError, LearningError) as exc:
        return refuse(str(exc), back)
    if done:
        flash(done, "success")
    return result if result is not None and hasattr(result, "status_code") else redirect(back)


def flash_errors(form) -> None:
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        for error in errors:
            flash(f"{label.text}: {error}" if label is not None else error, "danger")


def form_messages(form) -> list[str]:
    messages = []
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        messages += [f"{label.text}: {error}" if label is not None and name != "csrf_token" else error for error in errors]
    return messages


def wants_json() -> bool:
    """An upload sent by static/js/uploads.js (with a progress bar) asks for JSON, not a page."""
    return request.accept_mimetypes.best == "application/json"


def upload_refused(message: str, back: str):
    """An upload refused: undo, and say why inline (JSON, 422) or in a flash on the page it came from."""
    if wants_json():
        rollback()
        return jsonify(error=message), 422
    return refuse(message, back)


def upload_done(message: str, back: str, **extra):
    """An upload kept: the page it came from says so (the script follows ``redirect``)."""
    flash(message, "success")
    if wants_json():
        return jsonify(ok=True, message=message, redirect=back, **extra)
    return redirect(back)


def editor_context(course: Course, tab: str, **extra):
    """What every editor page shows: the version being edited, its publish problems and the workflow."""
    version = course.draft_version or course.current_version
    version = load_version(version.id) if version else None
    problems = workflow.publish_problems(version, now().date()) if version and version.state == "draft" else []
    return dict(course=course, version=version, tab=tab, problems=problems, confirm=ConfirmForm(),
                editable=version is not None and version.state == "draft", **extra)


def confirm():
    if not ConfirmForm().validate_on_submit():
        abort(400)


def now():
    return utcnow()
