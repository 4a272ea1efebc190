"""Retakes without HTTP: a completed course taken again as a new round of the same enrolment."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from courses import retakes, services, workflow
from courses.credit_hooks import enrolment_info, participation
from courses.models import CourseCompletion, Enrolment, EvaluationAnswer, LessonProgress, QuizAttempt
from lms.extensions import db
from tests.factories import make_course, make_member, make_user

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)
YEAR_LATER = NOW + timedelta(days=366)


def _answers(quiz, *, correct=True):
    return {q.id: [o.id for o in q.options if o.is_correct == correct][:None if correct else 1] for q in quiz.questions}


def _quiz(version):
    return next(lesson for lesson in version.lessons if lesson.quiz).quiz


def _finish(enrolment, at, *, failures=0):
    """Complete the enrolment's current round at ``at``: every lesson, the quiz (after ``failures``
    failed attempts) and the evaluation."""
    version = enrolment.version
    for lesson in version.lessons:
        if lesson.kind != "quiz":
            services.view_lesson(enrolment, lesson, now=at)
    quiz = _quiz(version)
    for _ in range(failures):
        services.submit_attempt(services.start_attempt(enrolment, quiz, now=at), _answers(quiz, correct=False), now=at)
    services.submit_attempt(services.start_attempt(enrolment, quiz, now=at), _answers(quiz), now=at)
    answers = {i.id: (5, "") if i.kind == "likert" else (None, "Useful.") for i in version.evaluation_items}
    services.submit_evaluation(enrolment, answers, now=at)
    assert enrolment.completed_at == at
    return enrolment


def _course():
    return make_course(now=NOW, lessons=2, expires_on=date(2029, 6, 1))


def _count(model, enrolment, round_):
    return db.session.query(model).filter_by(enrolment_id=enrolment.id, round=round_).count()


def test_a_retake_starts_a_fresh_round_and_the_history_keeps_both(db):
    course = _course()
    learner = make_user()
    enrolment = _finish(services.enrol(learner, course, now=NOW), NOW + timedelta(hours=1), failures=1)
    assert [(c.round, c.completed_at, c.score_pct) for c in retakes.completions_for(enrolment)] == \
        [(1, NOW + timedelta(hours=1), 100)]

    retakes.retake(learner, enrolment, now=YEAR_LATER)
    assert enrolment.round == 2 and enrolment.completed_at is None and enrolment.evaluation_submitted_at is None
    assert enrolment.seconds_spent == 0 and enrolment.last_lesson_id is None
    assert services.done_lesson_ids(enrolment) == set()
    assert services.attempts_for(enrolment, _quiz(enrolment.version)) == []
    s = services.standing(enrolment)
    assert (s.lessons_done, s.quizzes_passed, s.evaluation_done) == (0, False, False)
    assert not services.refresh_completion(enrolment, now=YEAR_LATER)

    _finish(enrolment, YEAR_LATER + timedelta(hours=2))
    history = retakes.completions_for(enrolment)
    assert [(c.round, c.completed_at, c.version_id) for c in history] == [
        (1, NOW + timedelta(hours=1), course.current_version_id), (2, YEAR_LATER + timedelta(hours=2),
                                                                   course.current_version_id)]
    # Round 1's records are still there beside round 2's.
    for model in (LessonProgress, QuizAttempt, EvaluationAnswer):
        assert _count(model, enrolment, 1) > 0 and _count(model, enrolment, 2) > 0, model
    assert _count(QuizAttempt, enrolment, 1) == 2 and _count(QuizAttempt, enrolment, 2) == 1


def test_the_attempt_limit_applies_per_round(db):
    course = _course()
    learner = make_user()
    enrolment = services.enrol(learner, course, now=NOW)
    quiz = _quiz(course.current_version)
    _finish(enrolment, NOW, failures=quiz.max_attempts - 1)  # the last allowed attempt passes
    with pytest.raises(services.AttemptLimitReached):
        services.start_attempt(enrolment, quiz, now=NOW)

    retakes.retake(learner, enrolment, now=YEAR_LATER)
    first = services.start_attempt(enrolment, quiz, now=YEAR_LATER)
    assert (first.number, first.round) == (1, 2)
    services.submit_attempt(first, _answers(quiz, correct=False), now=YEAR_LATER)
    for _ in range(quiz.max_attempts - 1):
        services.submit_attempt(services.start_attempt(enrolment, quiz, now=YEAR_LATER), _answers(quiz, correct=False),
                                now=YEAR_LATER)
    with pytest.raises(services.AttemptLimitReached, match="all 3 attempts"):
        services.start_attempt(enrolment, quiz, now=YEAR_LATER)
    assert _count(QuizAttempt, enrolment, 1) == quiz.max_attempts == _count(QuizAttempt, enrolment, 2)


def test_an_incomplete_enrolment_cannot_be_retaken(db):
    course = _course()
    learner = make_user()
    enrolment = services.enrol(learner, course, now=NOW)
    services.view_lesson(enrolment, course.current_version.lessons[0], now=NOW)
    with pytest.raises(retakes.RetakeRefused, match="once you have completed it"):
        retakes.retake(learner, enrolment, now=NOW)
    assert enrolment.round == 1 and services.done_lesson_ids(enrolment)


def test_a_retake_starts_round_two_in_the_database(db):
    course = _course()
    learner = make_user()
    enrolment = _finish(services.enrol(learner, course, now=NOW), NOW)
    db.session.flush()
    retakes.retake(learner, enrolment, now=YEAR_LATER)
    assert db.session.scalar(select(Enrolment.round).where(Enrolment.id == enrolment.id)) == 2


def test_two_clicks_start_one_round_and_another_learner_cannot_retake(db):
    course = _course()
    learner = make_user()
    enrolment = _finish(services.enrol(learner, course, now=NOW), NOW)
    with pytest.raises(LookupError):
        retakes.retake(make_user(), enrolment, now=YEAR_LATER)
    assert enrolment.round == 1
    retakes.retake(learner, enrolment, now=YEAR_LATER)
    with pytest.raises(retakes.RetakeRefused):
        retakes.retake(learner, enrolment, now=YEAR_LATER)
    assert enrolment.round == 2


def test_a_retake_moves_to_the_current_version_and_credit_stays_with_the_first_completion(db):
    course = _course()
    author = make_member(course.org, role="educator").user
    learner = make_user()
    enrolment = _finish(services.enrol(learner, course, now=NOW), NOW)
    v1 = course.current_version
    workflow.new_version(author, course, now=NOW)
    workflow.submit_for_review(author, course, now=NOW)
    workflow.publish(author, course, now=NOW)
    v2 = course.current_version
    assert v2.id != v1.id

    retakes.retake(learner, enrolment, now=YEAR_LATER)
    assert enrolment.version_id == v2.id
    assert enrolment.disclosures_seen_at is None  # a new version: its disclosures come first
    with pytest.raises(services.NotEnrolled):
        services.view_lesson(enrolment, v1.lessons[0], now=YEAR_LATER)
    # While the retake is in progress, the credit the first round earned can still be claimed.
    p = participation(learner.id, course.id)
    assert p.is_complete and p.evaluation_submitted and p.completed_at == NOW and p.details["version"] == 1
    assert enrolment_info(learner.id, course.id).version == 1

    _finish(enrolment, YEAR_LATER)
    assert [c.version.number for c in retakes.completions_for(enrolment)] == [1, 2]
    assert participation(learner.id, course.id).completed_at == NOW


def test_the_same_version_keeps_the_disclosures_read_and_an_expired_course_refuses(db):
    course = _course()
    learner = make_user()
    enrolment = _finish(services.enrol(learner, course, now=NOW), NOW)
    assert retakes.retake_refusal(enrolment, course, date(2029, 6, 2)) == "This course has expired."
    with pytest.raises(retakes.RetakeRefused, match="expired"):
        retakes.retake(learner, enrolment, now=datetime(2029, 6, 2, tzinfo=timezone.utc))
    retakes.retake(learner, enrolment, now=YEAR_LATER)
    assert enrolment.disclosures_seen_at == NOW


def test_an_open_attempt_from_an_earlier_round_cannot_be_submitted(db):
    course = make_course(now=NOW, require_quiz_pass=False, expires_on=date(2029, 6, 1))
    learner = make_user()
    enrolment = services.enrol(learner, course, now=NOW)
    quiz = _quiz(course.current_version)
    stale = services.start_attempt(enrolment, quiz, now=NOW)
    for lesson in course.current_version.lessons:
        if lesson.kind == "text":
            services.view_lesson(enrolment, lesson, now=NOW)
    items = course.current_version.evaluation_items
    services.submit_evaluation(enrolment, {i.id: (4, "") if i.kind == "likert" else (None, "Ok") for i in items},
                               now=NOW)
    assert enrolment.completed_at == NOW
    retakes.retake(learner, enrolment, now=YEAR_LATER)
    with pytest.raises(services.AttemptAlreadySubmitted, match="earlier round"):
        services.submit_attempt(stale, _answers(quiz), now=YEAR_LATER)


def test_assigning_a_completed_course_again_starts_a_retake(db):
    course = _course()
    manager, learner = make_user(), make_user()
    enrolment = _finish(retakes.assign(manager, learner, course, due_on=date(2026, 12, 31), now=NOW), NOW)
    again = retakes.assign(manager, learner, course, due_on=date(2027, 12, 31), now=YEAR_LATER)
    assert again.id == enrolment.id and (again.round, again.completed_at, again.due_on) == (2, None, date(2027, 12, 31))
    board = services.dashboard_for(learner, YEAR_LATER)
    assert [r.done for r in board["assigned"]] == [0]


def test_one_history_row_per_round_in_the_database(db):
    course = _course()
    enrolment = _finish(services.enrol(make_user(), course, now=NOW), NOW)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(CourseCompletion(enrolment_id=enrolment.id, user_id=enrolment.user_id, course_id=course.id,
                                            version_id=enrolment.version_id, round=1, completed_at=NOW))
    assert db.session.scalar(select(func.count()).select_from(CourseCompletion)) == 1


def test_educator_reports_keep_counting_a_learner_who_is_retaking(db):
    """The summary and the enrolment rows read the completion history: a learner mid-retake has
    still completed the course once, with the time and evaluation of that round."""
    from courses import reports

    course = _course()
    retaker, finished, starter = make_user(), make_user(), make_user()
    first = NOW + timedelta(hours=1)
    enrolment = services.enrol(retaker, course, now=NOW)
    enrolment.seconds_spent = 1800  # 30 minutes in round 1 (as the lesson timer would have counted)
    _finish(enrolment, first)
    round_one = retakes.completions_for(enrolment)[0].seconds_spent
    assert round_one >= 1800
    _finish(services.enrol(finished, course, now=NOW), first)
    services.enrol(starter, course, now=NOW)
    retakes.retake(retaker, enrolment, now=YEAR_LATER)
    enrolment.seconds_spent = 600  # 10 minutes into round 2
    db.session.flush()

    summary = reports.summary(course)
    assert (summary.enrolled, summary.completed, summary.evaluations) == (3, 2, 2)
    rows, total = reports.enrolment_rows(course)
    by_email = {row[1]: dict(zip(reports.ENROLMENT_HEADER, row)) for row in rows}
    mine = by_email[retaker.email]
    assert total == 3
    assert mine["Completed (UTC)"] == first.strftime("%Y-%m-%d %H:%M") and mine["Rounds completed"] == 1
    assert mine["Minutes spent"] == (round_one + 600) // 60 and mine["Evaluation submitted"] == "yes"
    assert by_email[starter.email]["Completed (UTC)"] == "" and by_email[starter.email]["Rounds completed"] == 0
    assert by_email[starter.email]["Evaluation submitted"] == "no"


@pytest.mark.parametrize("statement", ["UPDATE course_completion SET completed_at = completed_at",
                                       "DELETE FROM course_completion"])
def test_the_database_refuses_to_change_or_remove_a_completion(db, statement):
    from sqlalchemy import text

    enrolment = _finish(services.enrol(make_user(), _course(), now=NOW), NOW + timedelta(hours=1))
    db.session.flush()
    with pytest.raises(Exception, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text(f"{statement} WHERE enrolment_id = {enrolment.id}"))
    assert len(retakes.completions_for(enrolment)) == 1


def test_the_orm_cannot_change_a_completion_either(db):
    enrolment = _finish(services.enrol(make_user(), _course(), now=NOW), NOW + timedelta(hours=1))
    (completion,) = retakes.completions_for(enrolment)
    completion.completed_at = NOW - timedelta(days=30)  # backdating evidence
    with pytest.raises(Exception, match="append-only"):
        db.session.flush()
    db.session.rollback()
