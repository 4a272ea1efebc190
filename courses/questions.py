"""Editing a quiz question in place (on a draft version): its kind, text, options and rationale."""

from __future__ import annotations

from datetime import datetime

from courses.authoring import CourseError
from courses.authoring import child
from courses.content import checked_options, lesson_of
from courses.models import Course, QuizOption, QuizQuestion
from lms.extensions import db


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
