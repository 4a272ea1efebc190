"""Opening a lesson records progress: a GET that writes. On SQLite it must wait for another writer
rather than fail (a read that turns into a write after someone else wrote fails at once)."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import select

from courses import services
from courses.models import LessonProgress
from lms import create_app, unit_of_work
from lms.extensions import db as _db
from lms.types import utcnow
from tests.conftest import base_config, upgrade_database
from tests.factories import PASSWORD, make_course, make_user


def test_opening_a_lesson_while_another_request_writes_waits_its_turn(tmp_path):
    path = tmp_path / "busy.db"
    app = create_app(base_config(tmp_path, f"sqlite:///{path}")
                     | {"TESTING": False, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                        "SQLITE_BUSY_TIMEOUT_MS": 3000})
    upgrade_database(app)
    with app.app_context():
        learner = make_user()
        course = make_course(title="Hand hygiene", lessons=2, quiz=False)
        services.enrol(learner, course, now=utcnow())
        email, course_id = learner.email, course.id
        lesson_id = course.current_version.lessons[1].id
        unit_of_work.commit()
    browser = app.test_client()
    assert browser.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302

    # Another request is writing: it holds the write lock and commits a change a moment later.
    outsider = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    outsider.execute("BEGIN IMMEDIATE")
    outsider.execute("UPDATE user SET first_name = first_name || '' WHERE email = ?", (email,))

    def commit_soon():
        time.sleep(0.3)
        outsider.execute("COMMIT")

    writer = threading.Thread(target=commit_soon)
    writer.start()
    try:
        response = browser.get(f"/courses/{course_id}/lessons/{lesson_id}")
    finally:
        writer.join()
        outsider.close()
    assert response.status_code == 200  # before: 503, "database unavailable"
    with app.app_context():
        assert _db.session.scalar(select(LessonProgress.lesson_id).where(LessonProgress.lesson_id == lesson_id)) == lesson_id
