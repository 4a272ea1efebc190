"""A published course whose first lesson is an imported package, for the HTTP and browser tests."""

from __future__ import annotations

from pathlib import Path

from courses import content, workflow
from courses.packages.archive import DEFAULT_LIMITS, Limits
from courses.packages.importer import import_package
from lms.extensions import db
from lms.types import utcnow
from tests.factories import make_course


def make_package_course(org, author, data: bytes, tmp_path: Path, *, publish=True, name="package.zip",
                        content_type="application/zip", title="Package course", **details):
    """A course (no quiz, no evaluation needed beyond the default) with one package lesson holding ``data``."""
    from flask import current_app

    now = utcnow()
    course = make_course(org, author=author, publish=False, lessons=0, quiz=False, title=title, **details)
    module = course.draft_version.modules[0]
    lesson = content.add_lesson(author, course, module.id, title="Interactive module", kind="package", now=now)
    path = tmp_path / name
    path.write_bytes(data)
    package = import_package(path, content_type=content_type, filename=name, org_id=org.id, user_id=author.id,
                             now=now, public_url=current_app.config["PUBLIC_URL"],
                             upload_dir=current_app.config["UPLOAD_DIR"], limits=Limits(**DEFAULT_LIMITS))
    lesson.package_id = package.id
    db.session.flush()
    if publish:
        workflow.submit_for_review(author, course, now=now)
        workflow.publish(author, course, now=now)
        db.session.flush()
    return course, package
