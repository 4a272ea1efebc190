"""Learning rules: the catalog, enrolment, progress, quiz attempts, the evaluation and completion.

Services take the learner and ``now`` and never commit. Quizzes are graded here only, from the
stored options: nothing the browser says about correctness or score is read. An enrolment is taken
in rounds (see ``retakes``): progress, attempts and evaluation answers belong to the enrolment's
current round, and each completed round leaves a ``CourseCompletion`` row behind.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from courses.signals import course_completed
from courses.models import (Course, CourseCompletion, CourseModule, CoursePerson, CourseVersion, CreditDesignation,
                            Enrolment, EvaluationAnswer, Lesson, LessonProgress, Quiz, QuizAttempt, QuizChoice,
                            QuizResponse)
from lms import caching, unit_of_work
from lms.errors import RuleViolation
from lms.extensions import db

# Gaps longer than this between two signs of activity are not counted as time spent.
IDLE_CUTOFF = timedelta(minutes=10)
# A video position counts towards "watched" only if it follows on from what was already watched.
SEEK_TOLERANCE_SECONDS = 30
EXPIRING_SOON_DAYS = 30


class LearningError(RuleViolation, ValueError):
    """A rule stopped the learner; the message is for them."""


class NotEnrolled(LearningError):
    pass


class AttemptLimitReached(LearningError):
    pass


class AttemptAlreadySubmitted(LearningError):
    pass


class InvalidAnswer(LearningError):
    pass


def load_version(version_id: int) -> CourseVersion:
    """A version with everything the course and lesson pages show, in a fixed number of queries."""
    return db.session.scalars(
        select(CourseVersion).where(CourseVersion.id == version_id).options(
            selectinload(CourseVersion.tags), selectinload(CourseVersion.designations)
            .joinedload(CreditDesignation.credit_type),
            selectinload(CourseVersion.people).selectinload(CoursePerson.relationships),
            selectinload(CourseVersion.modules).selectinload(CourseModule.lessons).selectinload(Lesson.files),
            selectinload(CourseVersion.modules).selectinload(CourseModule.lessons).joinedload(Lesson.quiz),
            selectinload(CourseVersion.evaluation_items))).one()


# --- enrolment and progress -------------------------------------------------------------------


def closed_reason(course: Course, expires_on: date | None, today: date) -> str | None:
    """Why ``course`` takes no one today (``expires_on``: its current version's expiry), or None."""
    if course.current_version_id is None or course.archived_at is not None:
        return "This course is not open for enrolment."
    if expires_on and expires_on < today:
        return "This course has expired."
    return None


def open_version(course: Course, today: date) -> CourseVersion:
    """The version a learner starts now, or ``LearningError`` when the course takes no one."""
    version = course.current_version
    reason = closed_reason(course, version.expires_on if version is not None else None, today)
    if reason:
        raise LearningError(reason)
    return version


def enrolment_for(user, course: Course) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))


def enrol(user, course: Course, *, now: datetime, disclosures_seen: bool = True) -> Enrolment:
    """Enrol in the current version (or return the existing enrolment, which keeps its version)."""
    existing = enrolment_for(user, course)
    if existing is not None:
        if disclosures_seen and existing.disclosures_seen_at is None:
            existing.disclosures_seen_at = now
        return existing
    version = open_version(course, now.date())
    enrolment = Enrolment(user_id=user.id, course_id=course.id, version_id=version.id, enrolled_at=now,
                          disclosures_seen_at=now if disclosures_seen else None, last_activity_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:  # a second tab enrolled at the same moment
        return enrolment_for(user, course)
    return enrolment


def _touch(enrolment: Enrolment, now: datetime) -> None:
    if enrolment.last_activity_at is not None:
        gap = now - enrolment.last_activity_at
        if timedelta(0) < gap <= IDLE_CUTOFF:
            enrolment.seconds_spent += int(gap.total_seconds())
    enrolment.last_activity_at = now


def _progress(enrolment: Enrolment, lesson: Lesson, now: datetime) -> LessonProgress:
    query = select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id,
                                         LessonProgress.round == enrolment.round, LessonProgress.lesson_id == lesson.id)
    row = db.session.scalar(query)
    if row is None:
        row = LessonProgress(enrolment_id=enrolment.id, round=enrolment.round, lesson_id=lesson.id,
                             first_viewed_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(query)
    return row


def done_lesson_ids(enrolment: Enrolment) -> set[int]:
    """The lessons completed in the enrolment's current round."""
    return set(db.session.scalars(select(LessonProgress.lesson_id).where(
        LessonProgress.enrolment_id == enrolment.id, LessonProgress.round == enrolment.round,
        LessonProgress.completed_at.is_not(None))))


def check_lesson(enrolment: Enrolment, lesson: Lesson) -> None:
    if lesson.version_id != enrolment.version_id:
        raise NotEnrolled("That lesson is not part of the version you are taking.")


def view_lesson(enrolment: Enrolment, lesson: Lesson, *, now: datetime) -> LessonProgress:
    """Record that the learner opened ``lesson``; text lessons are complete once viewed."""
    check_lesson(enrolment, lesson)
    row = _progress(enrolment, lesson, now)
    if lesson.kind == "text" and row.completed_at is None:
        row.completed_at = now
    if lesson.kind == "video" and lesson.video_file is None and row.completed_at is None:
        row.completed_at = now  # an embedded player reports nothing back; viewing the page is what we know
    enrolment.last_lesson_id = lesson.id
    _touch(enrolment, now)
    refresh_completion(enrolment, now=now)
    return row


def record_position(enrolment: Enrolment, lesson: Lesson, *, position: float, duration: float | None,
                    now: datetime) -> LessonProgress:
    """Remember where the learner is in a video and how far they have watched without skipping."""
    check_lesson(enrolment, lesson)
    if lesson.kind != "video":
        raise LearningError("That lesson has no video.")
    row = _progress(enrolment, lesson, now)
    position = max(0, int(position or 0))
    if duration and duration > 0:
        row.duration_seconds = int(duration)
        position = min(position, row.duration_seconds)
    row.position_seconds = position
    if position <= (row.furthest_seconds or 0) + SEEK_TOLERANCE_SECONDS:
        row.furthest_seconds = max(row.furthest_seconds or 0, position)
    threshold = enrolment.version.video_threshold_pct
    if row.completed_at is None and row.duration_seconds and \
            row.furthest_seconds * 100 >= threshold * row.duration_seconds:
        row.completed_at = now
    enrolment.last_lesson_id = lesson.id
    _touch(enrolment, now)
    refresh_completion(enrolment, now=now)
    return row


def record_package_outcome(enrolment: Enrolment, lesson: Lesson, *, completed: bool, seconds: int,
                           now: datetime) -> LessonProgress:
    """A package lesson (cmi5, SCORM) reports back: once the package's own rules are met (cmi5 course
    satisfied, SCORM completed or passed) the lesson is complete; the time the learner spent counts."""
    check_lesson(enrolment, lesson)
    row = _progress(enrolment, lesson, now)
    if completed and row.completed_at is None:
        row.completed_at = now
    if seconds > 0:
        enrolment.seconds_spent += min(int(seconds), 12 * 3600)
    enrolment.last_lesson_id = lesson.id
    enrolment.last_activity_at = now
    refresh_completion(enrolment, now=now)
    return row


def resume_lesson(enrolment: Enrolment, version: CourseVersion) -> Lesson | None:
    """Where to pick up: the last lesson opened, else the first one."""
    lessons = version.lessons
    last = next((lesson for lesson in lessons if lesson.id == enrolment.last_lesson_id), None)
    return last or (lessons[0] if lessons else None)


# --- quizzes ------------------------------------------------------------------------------------


def attempts_for(enrolment: Enrolment, quiz: Quiz) -> list[QuizAttempt]:
    """This round's attempts: the attempt limit starts again with each retake."""
    return list(db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.round == enrolment.round,
        QuizAttempt.quiz_id == quiz.id).order_by(QuizAttempt.number)))


def start_attempt(enrolment: Enrolment, quiz: Quiz, *, now: datetime, rng: random.Random | None = None) -> QuizAttempt:
    """The open attempt, or a new one with its own shuffled order, within the attempt limit."""
    check_lesson(enrolment, quiz.lesson)
    attempts = attempts_for(enrolment, quiz)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    if open_attempt is not None:
        return open_attempt
    if any(a.passed for a in attempts):
        raise AttemptLimitReached("You have already passed this quiz.")
    if len(attempts) >= quiz.max_attempts:
        raise AttemptLimitReached(f"You have used all {quiz.max_attempts} attempts at this quiz.")
    rng = rng or random.SystemRandom()
    questions = [q.id for q in quiz.questions]
    options = {str(q.id): [o.id for o in q.options] for q in quiz.questions}
    if quiz.shuffle:
        rng.shuffle(questions)
        for ids in options.values():
            rng.shuffle(ids)
    attempt = QuizAttempt(enrolment_id=enrolment.id, round=enrolment.round, quiz_id=quiz.id, number=len(attempts) + 1,
                          started_at=now, shown_order={"questions": questions, "options": options})
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # the same attempt number was just taken by a parallel request
        return next(a for a in attempts_for(enrolment, quiz) if a.number == len(attempts) + 1)
    _touch(enrolment, now)
    return attempt


def submit_attempt(attempt: QuizAttempt, answers: dict[int, list[int]], *, now: datetime) -> QuizAttempt:
    """Grade ``answers`` ({question id: [option ids]}) against the stored key. Submitting twice is refused."""
    quiz = attempt.quiz
    if attempt.round != attempt.enrolment.round:
        raise AttemptAlreadySubmitted("This attempt belongs to an earlier round of the course.")
    questions = {q.id: q for q in quiz.questions}
    selected: dict[int, set[int]] = {}
    for question_id, option_ids in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise InvalidAnswer("That answer is for a question not in this quiz.")
        valid = {o.id for o in question.options}
        chosen = set(option_ids)
        if not chosen <= valid:
            raise InvalidAnswer("That answer is not one of the question's options.")
        if question.kind != "multiple" and len(chosen) > 1:
            raise InvalidAnswer("Choose one answer for each single-answer question.")
        if chosen:
            selected[question_id] = chosen
    missing = [q for q in quiz.questions if q.id not in selected]
    if missing:
        raise InvalidAnswer(f"Answer every question ({len(missing)} unanswered).")
    # Only the request that flips submitted_at from NULL grades: a double submit changes nothing.
    claimed = db.session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                                           QuizAttempt.submitted_at.is_(None))
                                 .values(submitted_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise AttemptAlreadySubmitted("This attempt has already been submitted.")
    attempt.submitted_at = now
    correct = 0
    for question in quiz.questions:
        chosen = selected[question.id]
        is_correct = chosen == {o.id for o in question.options if o.is_correct}
        correct += is_correct
        attempt.responses.append(QuizResponse(question_id=question.id, is_correct=is_correct,
                                              choices=[QuizChoice(option_id=o) for o in sorted(chosen)]))
    attempt.score_pct = round(100 * correct / len(quiz.questions)) if quiz.questions else 0
    attempt.passed = attempt.score_pct >= quiz.pass_mark_pct
    enrolment = attempt.enrolment
    _progress(enrolment, quiz.lesson, now)
    if attempt.passed:
        row = _progress(enrolment, quiz.lesson, now)
        row.completed_at = row.completed_at or now
    _touch(enrolment, now)
    db.session.flush()
    refresh_completion(enrolment, now=now)
    return attempt


# --- evaluation and completion ----------------------------------------------------------------


def submit_evaluation(enrolment: Enrolment, answers: dict[int, tuple[int | None, str]], *, now: datetime) -> None:
    """Store the learner's evaluation ({item id: (rating, comment)}); it can be submitted once."""
    if enrolment.evaluation_submitted_at is not None:
        raise LearningError("You have already submitted the evaluation.")
    items = enrolment.version.evaluation_items
    for item in items:
        rating, comment = answers.get(item.id, (None, ""))
        if item.kind == "likert" and rating is not None and not 1 <= rating <= 5:
            raise LearningError("Ratings are from 1 to 5.")
        if item.required and (rating is None if item.kind == "likert" else not comment.strip()):
            raise LearningError(f"Please answer: {item.text}")
        if rating is not None or comment.strip():
            db.session.add(EvaluationAnswer(enrolment_id=enrolment.id, round=enrolment.round, item_id=item.id,
                                            submitted_at=now,
                                            rating=rating if item.kind == "likert" else None,
                                            comment=comment.strip()[:5000]))
    enrolment.evaluation_submitted_at = now
    _touch(enrolment, now)
    db.session.flush()
    refresh_completion(enrolment, now=now)


@dataclass(frozen=True)
class Standing:
    lessons_done: int
    lessons_total: int
    quizzes_passed: bool
    evaluation_done: bool
    lessons_complete: bool

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


def standing(enrolment: Enrolment) -> Standing:
    version = enrolment.version
    lessons = version.lessons
    done = done_lesson_ids(enrolment)
    quiz_ids = [lesson.quiz.id for lesson in lessons if lesson.quiz is not None]
    passed = set(db.session.scalars(select(QuizAttempt.quiz_id).where(
        QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.round == enrolment.round,
        QuizAttempt.passed.is_(True)))) if quiz_ids else set()
    content = [lesson for lesson in lessons if lesson.kind != "quiz"]
    return Standing(lessons_done=sum(1 for lesson in lessons if lesson.id in done), lessons_total=len(lessons),
                    quizzes_passed=all(q in passed for q in quiz_ids),
                    evaluation_done=enrolment.evaluation_submitted_at is not None,
                    lessons_complete=all(lesson.id in done for lesson in content))


def refresh_completion(enrolment: Enrolment, *, now: datetime) -> bool:
    """Record the round's completion, once, when every rule the educator set is met: on the
    enrolment and as a row of the completion history."""
    if enrolment.completed_at is not None:
        return True
    version = enrolment.version
    s = standing(enrolment)
    if version.require_all_lessons and not s.lessons_complete:
        return False
    if version.require_quiz_pass and not s.quizzes_passed:
        return False
    if version.require_evaluation and not s.evaluation_done:
        return False
    enrolment.completed_at = now
    caching.bump_training_of_people([enrolment.user_id])  # a completion counts towards assigned training
    record = CourseCompletion(enrolment_id=enrolment.id, user_id=enrolment.user_id, course_id=enrolment.course_id,
                              version_id=enrolment.version_id, round=enrolment.round, completed_at=now,
                              evaluation_submitted_at=enrolment.evaluation_submitted_at,
                              seconds_spent=enrolment.seconds_spent, score_pct=_round_score(enrolment))
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:  # a parallel request recorded this round first; its date stands
        enrolment.completed_at = db.session.scalar(select(CourseCompletion.completed_at).where(
            CourseCompletion.enrolment_id == enrolment.id, CourseCompletion.round == enrolment.round))
        db.session.flush()
        return True
    db.session.flush()
    course_completed.send(record, provider_org_id=enrolment.course.org_id)
    return True


def _round_score(enrolment: Enrolment) -> int | None:
    """The mean of the best submitted score at each quiz in the round; None without a quiz."""
    best = list(db.session.scalars(select(func.max(QuizAttempt.score_pct)).where(
        QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.round == enrolment.round,
        QuizAttempt.submitted_at.is_not(None)).group_by(QuizAttempt.quiz_id)))
    return round(sum(best) / len(best)) if best else None


# --- the learner's dashboard --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """An enrolment as the dashboard lists it (plain columns: a long learning history builds no ORM objects)."""

    course_id: int
    title: str
    completed_at: datetime | None
    due_on: date | None
    expires_on: date | None
    assigned_by_id: int | None


@dataclass(frozen=True)
class DashboardRow:
    enrolment: BoardEntry
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@cache
def _dashboard_statement():
    """The learner's enrolments with the lesson counts of the current round (correlated subqueries),
    built once: every dashboard runs it."""
    done = (select(func.count()).select_from(LessonProgress)
            .where(LessonProgress.enrolment_id == Enrolment.id, LessonProgress.round == Enrolment.round,
                   LessonProgress.completed_at.is_not(None))
            .correlate(Enrolment).scalar_subquery())
    total = (select(func.count()).select_from(Lesson).where(Lesson.version_id == Enrolment.version_id)
             .correlate(Enrolment).scalar_subquery())
    return (select(Enrolment.course_id, CourseVersion.title, Enrolment.completed_at, Enrolment.due_on,
                   CourseVersion.expires_on, Enrolment.assigned_by_id, done, total)
            .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
            .where(Enrolment.user_id == bindparam("user_id"))
            .order_by(Enrolment.last_activity_at.desc(), Enrolment.id.desc()))


def dashboard_for(user, now: datetime) -> dict:
    """In progress, completed, assigned (with due dates) and expiring soon, in one query."""
    rows = [DashboardRow(BoardEntry(course_id, title, completed_at, due_on, expires_on, assigned_by_id), d, t)
            for course_id, title, completed_at, due_on, expires_on, assigned_by_id, d, t in unit_of_work.read(
                _dashboard_statement(), {"user_id": user.id})]
    today = now.date()
    soon = today + timedelta(days=EXPIRING_SOON_DAYS)
    open_rows = [r for r in rows if r.enrolment.completed_at is None]
    return {
        "in_progress": [r for r in open_rows if r.enrolment.assigned_by_id is None],
        "assigned": sorted([r for r in open_rows if r.enrolment.assigned_by_id is not None],
                           key=lambda r: (r.enrolment.due_on or date.max)),
        "completed": sorted([r for r in rows if r.enrolment.completed_at is not None],
                            key=lambda r: r.enrolment.completed_at, reverse=True),
        "expiring": [r for r in open_rows if r.enrolment.expires_on
                     and today <= r.enrolment.expires_on <= soon],
        "today": today,
    }
