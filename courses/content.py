"""Course content on the draft version: modules, lessons, files and quizzes, reorderable with up/down."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from courses.authoring import CourseError, child, renumber, draft_of
from courses.models import (QUESTION_KINDS, Course, CourseFile, CourseImage, CourseModule, Lesson, LessonCaption, Quiz,
                            QuizOption, QuizQuestion)
from lms.extensions import db


# --- modules and lessons ------------------------------------------------------------------------


def add_module(actor, course: Course, title: str, *, now: datetime) -> CourseModule:
    version = draft_of(course)
    module = CourseModule(title=title, position=len(version.modules))
    version.modules.append(module)
    db.session.flush()
    return module


def rename_module(actor, course: Course, module_id: int, title: str, *, now: datetime) -> None:
    child(draft_of(course).modules, module_id).title = title
    db.session.flush()


def remove_module(actor, course: Course, module_id: int, *, now: datetime) -> None:
    version = draft_of(course)
    version.modules.remove(child(version.modules, module_id))
    renumber(version.modules)
    db.session.flush()


def move(items: list, item, direction: str) -> None:
    """Swap ``item`` with its neighbour ("up" or "down") and renumber positions 0..n-1."""
    ordered = sorted(items, key=lambda x: (x.position, x.id))
    i = ordered.index(item)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
    for n, each in enumerate(ordered):
        each.position = n




def move_module(actor, course: Course, module_id: int, direction: str, *, now: datetime) -> None:
    version = draft_of(course)
    move(version.modules, child(version.modules, module_id), direction)
    db.session.flush()


def add_lesson(actor, course: Course, module_id: int, *, title: str, kind: str, now: datetime) -> Lesson:
    version = draft_of(course)
    module = child(version.modules, module_id)
    if kind not in ("text", "video", "quiz", "package"):
        raise CourseError("Choose a kind of lesson.")
    lesson = Lesson(title=title, kind=kind, version_id=version.id, position=len(module.lessons))
    module.lessons.append(lesson)
    if kind == "quiz":
        lesson.quiz = Quiz()
    db.session.flush()
    return lesson


def lesson_of(course: Course, lesson_id: int) -> Lesson:
    return child(draft_of(course).lessons, lesson_id)


def update_lesson(actor, course: Course, lesson_id: int, *, title: str, body: str, embed_url: str | None = None,
                  now: datetime) -> Lesson:
    lesson = lesson_of(course, lesson_id)
    lesson.title, lesson.body = title, body
    if lesson.kind == "video":
        lesson.embed_url = embed_url or None
    db.session.flush()
    return lesson


def move_lesson(actor, course: Course, lesson_id: int, direction: str, *, now: datetime) -> None:
    lesson = lesson_of(course, lesson_id)
    move(lesson.module.lessons, lesson, direction)
    db.session.flush()


def remove_lesson(actor, course: Course, lesson_id: int, *, now: datetime) -> None:
    lesson = lesson_of(course, lesson_id)
    module = lesson.module
    module.lessons.remove(lesson)
    renumber(module.lessons)
    db.session.flush()


def attach_file(actor, course: Course, lesson_id: int, stored, *, kind: str, now: datetime) -> CourseFile:
    lesson = lesson_of(course, lesson_id)
    if kind == "video":
        for old in [f for f in lesson.files if f.kind == "video"]:
            lesson.files.remove(old)
        lesson.embed_url = None
    f = CourseFile(kind=kind, stored_name=stored.stored_name, original_name=stored.original_name,
                   content_type=stored.content_type, size=stored.size, created_at=now)
    lesson.files.append(f)
    db.session.flush()
    return f


def remove_file(actor, course: Course, lesson_id: int, file_id: int, *, now: datetime) -> None:
    lesson = lesson_of(course, lesson_id)
    lesson.files.remove(child(lesson.files, file_id))
    db.session.flush()


def add_image(actor, course: Course, stored, *, alt: str, now: datetime) -> CourseImage:
    """Keep an uploaded image for the course's Markdown; the alt text is required (what a screen reader says)."""
    alt = " ".join((alt or "").split())
    if not alt:
        raise CourseError("Describe the image (alt text) for people who cannot see it.")
    image = CourseImage(course_id=course.id, stored_name=stored.stored_name, content_type=stored.content_type,
                        size=stored.size, alt=alt[:300], created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(image)
    db.session.flush()
    return image


def recent_images(course: Course, *, limit: int) -> list[CourseImage]:
    """The course's images, newest first (the editor offers them for reuse)."""
    return list(db.session.scalars(select(CourseImage).where(CourseImage.course_id == course.id)
                                   .order_by(CourseImage.id.desc()).limit(limit)))


def attach_captions(actor, course: Course, lesson_id: int, stored, *, language: str, label: str,
                    now: datetime) -> LessonCaption:
    """Add a captions track to a video lesson; a track in the same language replaces the earlier one."""
    lesson = lesson_of(course, lesson_id)
    if lesson.kind != "video":
        raise CourseError("Captions belong to video lessons.")
    label = " ".join((label or "").split())
    if not label:
        raise CourseError("Give the captions a label, e.g. “English”.")
    for old in [c for c in lesson.captions if c.language.lower() == language.lower()]:
        lesson.captions.remove(old)
    db.session.flush()  # the replaced row goes before the new one takes its (lesson, language)
    track = LessonCaption(stored_name=stored.stored_name, language=language, label=label[:80], size=stored.size,
                          created_at=now)
    lesson.captions.append(track)
    db.session.flush()
    return track


def remove_captions(actor, course: Course, lesson_id: int, caption_id: int, *, now: datetime) -> None:
    lesson = lesson_of(course, lesson_id)
    lesson.captions.remove(child(lesson.captions, caption_id))
    db.session.flush()


# --- quizzes ---------------------------------------------------------------


def update_quiz(actor, course: Course, lesson_id: int, *, pass_mark_pct: int, max_attempts: int, shuffle: bool,
                now: datetime) -> Quiz:
    quiz = lesson_of(course, lesson_id).quiz
    if quiz is None:
        raise CourseError("That lesson is not a quiz.")
    if not 0 <= pass_mark_pct <= 100 or not 1 <= max_attempts <= 20:
        raise CourseError("The pass mark is 0–100% and attempts 1–20.")
    quiz.pass_mark_pct, quiz.max_attempts, quiz.shuffle = pass_mark_pct, max_attempts, shuffle
    db.session.flush()
    return quiz


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


def add_question(actor, course: Course, lesson_id: int, *, kind: str, text: str, rationale: str,
                 options: list[tuple[str, bool]], now: datetime) -> QuizQuestion:
    """Add a question; ``options`` are (text, is_correct). True/false questions get their two options."""
    quiz = lesson_of(course, lesson_id).quiz
    if quiz is None:
        raise CourseError("That lesson is not a quiz.")
    options = checked_options(kind, options)
    question = QuizQuestion(kind=kind, text=text, rationale=rationale, position=len(quiz.questions))
    question.options = [QuizOption(text=t, is_correct=ok, position=n) for n, (t, ok) in enumerate(options)]
    quiz.questions.append(question)
    db.session.flush()
    return question


def remove_question(actor, course: Course, lesson_id: int, question_id: int, *, now: datetime) -> None:
    quiz = lesson_of(course, lesson_id).quiz
    quiz.questions.remove(child(quiz.questions, question_id))
    renumber(quiz.questions)
    db.session.flush()


def move_question(actor, course: Course, lesson_id: int, question_id: int, direction: str, *, now: datetime) -> None:
    quiz = lesson_of(course, lesson_id).quiz
    move(quiz.questions, child(quiz.questions, question_id), direction)
    db.session.flush()
