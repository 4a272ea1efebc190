"""Editing a quiz question in place (on a draft version): its kind, text, options and rationale."""

from __future__ import annotations

from datetime import datetime

from courses.authoring import CourseError
from courses.authoring import child
from courses.content import lesson_of
from courses.models import QUESTION_KINDS, Course, QuizOption, QuizQuestion
from lms.extensions import db


def checked_options(kind: str, options: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """The rules a question's options follow (the same as when it is added)."""
    if kind not in QUESTION_KINDS:
        raise CourseError("Choose a kind of question.")
    if kind == "truefalse":
        correct_true = any(ok for t, ok in options if t.strip().lower() == "true") if options else True
        options = [("True", correct_true), ("False", not correct_true)]
    options = [(t.strip(), ok) for t, ok in options if t.strip()]
    if len(options) < 2:
        raise CourseError("Give at least two options.")
    correct = sum(1 for _, ok in options if ok)
    if correct == 0:
        raise CourseError("Mark at least one option as correct.")
    if kind == "single" and correct != 1:
        raise CourseError("A single-answer question has exactly one correct option.")
    return options


def question_of(course: Course, lesson_id: int, question_id: int) -> QuizQuestion:
    """A question of the draft's quiz lesson (LookupError, i.e. 404, for anything else)."""
    quiz = lesson_of(course, lesson_id).quiz
    if quiz is None:
        raise LookupError(lesson_id)
    return child(quiz.questions, question_id)


def update_question(actor, course: Course, lesson_id: int, question_id: int, *, kind: str, text: str,
                    rationale: str, options: list[tuple[str, bool]], now: datetime) -> QuizQuestion:
    """Change a draft question; its options are replaced (a draft has no learners' answers to keep)."""
    question = question_of(course, lesson_id, question_id)
    options = checked_options(kind, options)
    question.kind, question.text, question.rationale = kind, text, rationale
    question.options.clear()
    db.session.flush()
    question.options.extend(QuizOption(text=t, is_correct=ok, position=n) for n, (t, ok) in enumerate(options))
    db.session.flush()
    return question
