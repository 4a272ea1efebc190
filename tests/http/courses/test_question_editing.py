"""Quiz questions are edited in place on a draft; refusals keep what was typed; a published version is locked."""

from __future__ import annotations

import pytest

from tests.factories import make_course, make_member, make_org


@pytest.fixture
def draft(db):
    org = make_org(kind="provider", is_accredited_provider=True)
    author = make_member(org, role="educator").user
    course = make_course(org, author=author, publish=False)
    quiz = next(lesson for lesson in course.draft_version.lessons if lesson.kind == "quiz")
    return course, author, quiz, quiz.quiz.questions[0]


def _url(course, quiz, question):
    return f"/courses/{course.id}/lessons/{quiz.id}/questions/{question.id}/edit"


def test_the_edit_form_comes_filled_in_and_shows_the_kinds_fields(draft, client):
    course, author, quiz, question = draft
    client.login(author)
    page = client.get(_url(course, quiz, question)).get_data(as_text=True)
    assert "Pick B" in page and 'value="B"' in page
    assert 'data-show-when="kind=single|multiple"' in page and 'data-show-when="kind=truefalse"' in page


def test_editing_changes_text_kind_and_options(draft, client, db):
    course, author, quiz, question = draft
    client.login(author)
    response = client.post(_url(course, quiz, question), {
        "kind": "multiple", "text": "Pick B and C", "rationale": "Both are right.",
        "option_1": "A", "option_2": "B", "correct_2": "y", "option_3": "C", "correct_3": "y", "true_is_correct": "true"})
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.kind == "multiple" and question.text == "Pick B and C"
    assert [(o.text, o.is_correct) for o in question.options] == [("A", False), ("B", True), ("C", True)]

    response = client.post(_url(course, quiz, question), {"kind": "truefalse", "text": "The sky is green",
                                                          "true_is_correct": "false"})
    assert response.status_code == 302
    db.session.refresh(question)
    assert [(o.text, o.is_correct) for o in question.options] == [("True", False), ("False", True)]


def test_a_refused_edit_keeps_what_was_typed_and_changes_nothing(draft, client, db):
    course, author, quiz, question = draft
    client.login(author)
    response = client.post(_url(course, quiz, question), {
        "kind": "single", "text": "A carefully worded new question", "option_1": "A", "correct_1": "y",
        "option_2": "B", "correct_2": "y", "true_is_correct": "true"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "exactly one correct option" in page and "A carefully worded new question" in page
    db.session.refresh(question)
    assert question.text == "Pick B"


def test_a_published_question_or_another_courses_is_not_editable(db, client, draft):
    course, author, quiz, question = draft
    published = make_course(course.org, author=author)
    pquiz = next(lesson for lesson in published.current_version.lessons if lesson.kind == "quiz")
    client.login(author)
    assert client.get(_url(published, pquiz, pquiz.quiz.questions[0])).status_code == 404
    assert client.get(_url(course, quiz, pquiz.quiz.questions[0])).status_code == 404
    outsider = make_member(make_org(), role="educator").user
    client.login(outsider)
    assert client.get(_url(course, quiz, question)).status_code == 404
