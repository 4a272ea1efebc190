"""Parallel requests against a real database: double clicks and many tabs make exactly one row.

Twelve threads start an attempt for the same learner at once, then twelve submit the same attempt
at once. There must be one attempt and one graded submission, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.conftest import base_config, require_postgres, upgrade_database

THREADS = 12


def _race(app, fn):
    barrier = threading.Barrier(THREADS)

    def worker(_):
        with app.app_context():
            from lms.extensions import db

            barrier.wait()
            try:
                result = fn()
                db.session.commit()
                return result
            except Exception as exc:  # noqa: BLE001 (each refusal is counted by the caller)
                db.session.rollback()
                return exc
            finally:
                db.session.remove()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(worker, range(THREADS)))


def check_races(database_url: str, tmp_path) -> None:
    from courses import services
    from courses.models import QuizAttempt, QuizResponse
    from lms import create_app
    from lms.extensions import db
    from lms.types import utcnow
    from tests.factories import make_course, make_user

    app = create_app(base_config(tmp_path, database_url))
    upgrade_database(app)
    with app.app_context():
        course = make_course(quiz=True)
        learner = make_user()
        enrolment = services.enrol(learner, course, now=utcnow())
        quiz = next(lesson for lesson in course.current_version.lessons if lesson.quiz).quiz
        db.session.commit()
        ids = (enrolment.id, quiz.id)
        answers = {q.id: [o.id for o in q.options if o.is_correct] for q in quiz.questions}

    def start():
        from courses.models import Enrolment, Quiz

        enrolment_row, quiz_row = db.session.get(Enrolment, ids[0]), db.session.get(Quiz, ids[1])
        return services.start_attempt(enrolment_row, quiz_row, now=utcnow()).id

    started = _race(app, start)
    attempt_ids = {r for r in started if isinstance(r, int)}
    assert len(attempt_ids) == 1, started

    def submit():
        attempt = db.session.get(QuizAttempt, next(iter(attempt_ids)))
        return services.submit_attempt(attempt, answers, now=utcnow()).score_pct

    submitted = _race(app, submit)
    assert submitted.count(100) == 1, submitted
    assert all(isinstance(r, services.AttemptAlreadySubmitted) for r in submitted if r != 100), submitted
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
        assert db.session.scalar(select(func.count()).select_from(QuizResponse)) == len(answers)
        db.engine.dispose()


@pytest.mark.slow
def test_quiz_races_on_sqlite(tmp_path):
    check_races(f"sqlite:///{tmp_path / 'races.db'}", tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_quiz_races_on_postgresql(tmp_path):
    check_races(require_postgres("courses_races"), tmp_path)
