"""Retaking a completed course through the course page: the confirmation, the fresh round, the history."""

from __future__ import annotations

from datetime import date

import pytest

from courses.models import Enrolment, QuizAttempt
from tests.factories import make_course, make_member, make_org, make_user


@pytest.fixture
def course(db):
    org = make_org(kind="provider", is_accredited_provider=True)
    return make_course(org, author=make_member(org, role="educator").user, expires_on=date(2029, 6, 1))


def _quiz_lesson(course):
    return next(lesson for lesson in course.current_version.lessons if lesson.quiz)


def _finish(client, course):
    """Take the whole course over HTTP: enrol, read, pass the quiz, submit the evaluation."""
    assert client.post(f"/courses/{course.id}/enrol").status_code == 302
    for lesson in course.current_version.lessons:
        if lesson.kind == "text":
            assert client.get(f"/courses/{course.id}/lessons/{lesson.id}").status_code == 200
    lesson = _quiz_lesson(course)
    url = client.post(f"/courses/{course.id}/lessons/{lesson.id}/attempts").headers["Location"]
    right = {f"q_{q.id}": [str(o.id) for o in q.options if o.is_correct] for q in lesson.quiz.questions}
    assert client.post(url, right).status_code == 302
    items = course.current_version.evaluation_items
    data = {f"item_{i.id}": "4" if i.kind == "likert" else "Will use it." for i in items}
    assert client.post(f"/courses/{course.id}/evaluation", data).status_code == 302
    return url


def _enrolment(db, user, course) -> Enrolment:
    return db.session.query(Enrolment).filter_by(user_id=user.id, course_id=course.id).one()


def test_the_course_page_offers_a_retake_once_complete_and_keeps_the_history(client, db, course):
    learner = make_user()
    client.login(learner)
    assert client.post(f"/courses/{course.id}/enrol").status_code == 302
    assert "Retake this course" not in client.get(f"/courses/{course.id}").text
    first_attempt = _finish(client, course)
    page = client.get(f"/courses/{course.id}").text
    assert "Retake this course" in page and "A retake earns no new CME/CE credit" in page
    assert "earlier completions, credit and certificates are kept" in page
    assert 'data-round="1"' in page and 'data-round="2"' not in page

    # The box must be ticked: without it nothing happens.
    refused = client.post(f"/courses/{course.id}/retake", {})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/courses/{course.id}")
    assert _enrolment(db, learner, course).round == 1

    response = client.post(f"/courses/{course.id}/retake", {"confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{course.id}/learn")
    enrolment = _enrolment(db, learner, course)
    assert (enrolment.round, enrolment.completed_at, enrolment.evaluation_submitted_at) == (2, None, None)
    page = client.get(f"/courses/{course.id}").text
    assert "Progress: 0 of" in page and "Retake this course" not in page and 'data-round="1"' in page
    assert "Complete the evaluation" in page
    # Round 1's attempt is not part of this round.
    assert client.get(first_attempt).status_code == 404

    _finish(client, course)
    page = client.get(f"/courses/{course.id}").text
    assert 'data-round="1"' in page and 'data-round="2"' in page and "Retake completed." in page
    assert db.session.query(QuizAttempt).filter_by(enrolment_id=enrolment.id).count() == 2


def test_a_retake_of_an_incomplete_course_is_refused(client, db, course):
    learner = make_user()
    client.login(learner)
    client.post(f"/courses/{course.id}/enrol")
    response = client.post(f"/courses/{course.id}/retake", {"confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{course.id}")
    assert "once you have completed it" in client.get(f"/courses/{course.id}").text
    assert _enrolment(db, learner, course).round == 1


def test_only_your_own_enrolment_and_only_by_post_with_csrf(client, make_client, db, course):
    learner = make_user()
    client.login(learner)
    _finish(client, course)
    other = make_client().login(make_user())
    assert other.post(f"/courses/{course.id}/retake", {"confirm": "y"}).status_code == 404
    assert client.get(f"/courses/{course.id}/retake").status_code == 405
    assert client.post(f"/courses/{course.id}/retake", {"confirm": "y"}, csrf=False).status_code == 400
    assert _enrolment(db, learner, course).round == 1
    assert make_client().post(f"/courses/{course.id}/retake", {"confirm": "y"}).status_code == 302  # to log in
    assert _enrolment(db, learner, course).round == 1


def test_the_retake_offer_follows_the_current_versions_expiry(client, db, course, monkeypatch):
    """The course page decides from its cached view of the course's current version: an expired
    course offers no retake; a newer version published later offers it again."""
    from datetime import datetime, timedelta, timezone

    from courses import authoring, workflow
    from courses.authoring import CourseDetails
    from courses.views import learning
    from lms.users.models import User

    learner = make_user()
    client.login(learner)
    _finish(client, course)
    assert "Retake this course" in client.get(f"/courses/{course.id}").text

    later = datetime(2029, 6, 2, 12, 0, tzinfo=timezone.utc)  # the day after the version expired
    monkeypatch.setattr(learning, "now", lambda: later)
    page = client.get(f"/courses/{course.id}").text
    assert "Retake this course" not in page
    assert client.post(f"/courses/{course.id}/retake", {"confirm": "y"}).status_code == 302
    assert _enrolment(db, learner, course).round == 1  # refused: the course has expired

    author = db.session.get(User, course.created_by_id)
    draft = workflow.new_version(author, course, now=later)
    details = CourseDetails(**{**{f: getattr(draft, f) for f in (
        "title", "summary", "description", "objectives", "format", "estimated_minutes", "accreditation_statement")},
        "release_on": later.date(), "expires_on": later.date() + timedelta(days=700),
        "topics": ("pain management/opioids",), "specialties": (), "professions": ()})
    authoring.update_details(author, course, details, now=later)
    workflow.submit_for_review(author, course, now=later)
    workflow.publish(author, course, now=later)
    db.session.commit()
    assert _enrolment(db, learner, course).version_id != course.current_version_id
    assert "Retake this course" in client.get(f"/courses/{course.id}").text
