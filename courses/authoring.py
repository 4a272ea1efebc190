"""Authoring rules: creating courses, editing a draft version, the review workflow and versioning.

Every function takes the actor and ``now``; none commits. Content changes are allowed only on
the course's draft version (``Course.draft_version``): a published version is never edited
in place, because learners' records point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from courses.models import (PERSON_ROLES, QUESTION_KINDS, RELATIONSHIP_NATURES, Course, CourseFile, CourseModule,
                            CoursePerson, CourseTag, CourseVersion, CreditDesignation, EvaluationItem,
                            FinancialRelationship, Lesson, Quiz, QuizOption, QuizQuestion)
from lms.activities import FORMATS
from lms.audit.services import record
from lms.credits.models import CreditType
from lms.extensions import db

# ACCME: enduring materials may be offered for at most three years, reviewed at least every three.
ENDURING_MAX_YEARS = 3
REVIEW_REMINDER_MONTHS = 30

DEFAULT_EVALUATION = [
    ("likert", "The activity met its stated learning objectives.", True),
    ("likert", "The content was relevant to my practice.", True),
    ("likert", "The content was fair, balanced and free of commercial bias.", True),
    ("likert", "I intend to change my practice as a result of this activity.", True),
    ("text", "What one specific change will you make in your practice?", False),
    ("text", "What might stop you from making that change?", False),
    ("text", "Comments and suggestions for future activities.", False),
]


class CourseError(ValueError):
    """A rule stopped the change; the message is for the educator."""


class NotEditable(CourseError):
    pass


class PublishRefused(CourseError):
    def __init__(self, problems: list[str]):
        super().__init__("This version cannot be published yet: " + " ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CourseDetails:
    title: str
    summary: str = ""
    description: str = ""
    objectives: str = ""
    format: str = "enduring"
    estimated_minutes: int = 60
    release_on: date | None = None
    expires_on: date | None = None
    accreditation_statement: str = ""
    acpe_uan: str | None = None
    specialties: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    professions: tuple[str, ...] = ()
    require_all_lessons: bool = True
    video_threshold_pct: int = 90
    require_quiz_pass: bool = True
    require_evaluation: bool = True
    extra: dict = field(default_factory=dict)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (29 Feb + 12 months = 28 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def split_tags(text: str | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in (text or "").replace("\n", ",").split(","):
        value = " ".join(part.split())[:80].lower()
        if value:
            seen.setdefault(value)
    return tuple(seen)


def _search_text(v: CourseVersion) -> str:
    return "\n".join([v.title, v.summary, v.description, v.objectives]).lower()


def draft_of(course: Course) -> CourseVersion:
    version = course.draft_version
    if version is None or version.state != "draft":
        raise NotEditable("Only a draft can be edited. Start a new version, or return the one in review to draft.")
    return version


# --- courses and details ---------------------------------------------------------------------


def create_course(actor, org, details: CourseDetails, *, now: datetime) -> Course:
    """A new course with a first draft version and the default evaluation."""
    course = Course(org_id=org.id, created_by_id=actor.id, created_at=now)
    db.session.add(course)
    db.session.flush()
    version = CourseVersion(course_id=course.id, number=1, state="draft", title=details.title, created_at=now)
    db.session.add(version)
    db.session.flush()
    course.draft_version = version
    _apply_details(version, details)
    reset_evaluation(version)
    db.session.flush()
    record(actor, "course.created", course, org_id=org.id, now=now)
    return course


def update_details(actor, course: Course, details: CourseDetails, *, now: datetime) -> CourseVersion:
    version = draft_of(course)
    _apply_details(version, details)
    db.session.flush()
    return version


def _apply_details(version: CourseVersion, d: CourseDetails) -> None:
    if d.format not in FORMATS:
        raise CourseError("Choose a format.")
    if d.release_on and d.expires_on and d.expires_on <= d.release_on:
        raise CourseError("The expiry date must be after the release date.")
    if d.format == "enduring" and d.release_on and d.expires_on and \
            d.expires_on > add_months(d.release_on, 12 * ENDURING_MAX_YEARS):
        raise CourseError("Enduring material may be offered for at most three years after its release date.")
    for name in ("title", "summary", "description", "objectives", "format", "estimated_minutes", "release_on",
                 "expires_on", "accreditation_statement", "require_all_lessons", "video_threshold_pct",
                 "require_quiz_pass", "require_evaluation"):
        setattr(version, name, getattr(d, name))
    version.acpe_uan = (d.acpe_uan or "").strip().upper() or None
    version.review_on = (add_months(d.release_on, REVIEW_REMINDER_MONTHS)
                         if d.format == "enduring" and d.release_on else None)
    version.search_text = _search_text(version)
    wanted = {(kind, value) for kind, values in (("specialty", d.specialties), ("topic", d.topics),
                                                 ("profession", d.professions)) for value in values}
    for tag in list(version.tags):
        if (tag.kind, tag.value) not in wanted:
            version.tags.remove(tag)
    have = {(t.kind, t.value) for t in version.tags}
    for kind, value in sorted(wanted - have):
        version.tags.append(CourseTag(kind=kind, value=value))


def set_designation(actor, course: Course, code: str, amount: Decimal, *, now: datetime) -> CreditDesignation:
    """Designate (or change) the maximum credit of one type for the draft version."""
    version = draft_of(course)
    credit_type = db.session.get(CreditType, code)
    if credit_type is None:
        raise CourseError("Choose a credit type.")
    if amount <= 0 or amount > 500:
        raise CourseError("The maximum must be more than 0 and at most 500.")
    if credit_type.increment and (amount / credit_type.increment) % 1:
        raise CourseError(f"{credit_type.name} is designated in steps of {credit_type.increment}.")
    if code in {"acpe"} and not version.acpe_uan:
        raise CourseError("ACPE credit needs the activity's Universal Activity Number (UAN) in the details first.")
    existing = next((d for d in version.designations if d.credit_type_code == code), None)
    if existing is None:
        existing = CreditDesignation(credit_type_code=code, max_amount=amount)
        version.designations.append(existing)
    existing.max_amount = amount
    _refresh_max_credit(version)
    db.session.flush()
    return existing


def remove_designation(actor, course: Course, designation_id: int, *, now: datetime) -> None:
    version = draft_of(course)
    designation = _child(version.designations, designation_id)
    version.designations.remove(designation)
    _refresh_max_credit(version)
    db.session.flush()


def _refresh_max_credit(version: CourseVersion) -> None:
    version.max_credit = max((d.max_amount for d in version.designations), default=Decimal("0"))


def _child(items, item_id: int):
    for item in items:
        if item.id == item_id:
            return item
    raise LookupError(item_id)


# --- faculty, planners, reviewers and their disclosures ---------------------------------------


def add_person(actor, course: Course, *, name: str, credentials: str, role: str, attested_none: bool,
               now: datetime) -> CoursePerson:
    version = draft_of(course)
    if role not in PERSON_ROLES:
        raise CourseError("Choose a role.")
    person = CoursePerson(name=name, credentials=credentials, role=role, attested_none=attested_none,
                          disclosed_on=now.date())
    version.people.append(person)
    db.session.flush()
    return person


def remove_person(actor, course: Course, person_id: int, *, now: datetime) -> None:
    version = draft_of(course)
    version.people.remove(_child(version.people, person_id))
    db.session.flush()


def add_relationship(actor, course: Course, person_id: int, *, company: str, nature: str, ended_on: date | None,
                     now: datetime) -> FinancialRelationship:
    """Record a financial relationship with an ineligible company within the 24-month look-back."""
    version = draft_of(course)
    person = _child(version.people, person_id)
    if nature not in RELATIONSHIP_NATURES:
        raise CourseError("Choose the nature of the relationship.")
    # Standard 3 asks about the prior 24 months; older relationships are not disclosed.
    if ended_on is not None and ended_on < add_months(now.date(), -24):
        raise CourseError("That relationship ended more than 24 months ago and is outside the disclosure period.")
    rel = FinancialRelationship(company=company, nature=nature, ended_on=ended_on)
    person.relationships.append(rel)
    person.attested_none = False
    db.session.flush()
    return rel


def assess_relationship(actor, course: Course, relationship_id: int, *, is_relevant: bool | None, mitigation: str,
                        now: datetime) -> FinancialRelationship:
    version = draft_of(course)
    rel = _child([r for p in version.people for r in p.relationships], relationship_id)
    rel.is_relevant = is_relevant
    rel.mitigation = mitigation.strip()
    db.session.flush()
    return rel


def remove_relationship(actor, course: Course, relationship_id: int, *, now: datetime) -> None:
    version = draft_of(course)
    rel = _child([r for p in version.people for r in p.relationships], relationship_id)
    rel.person.relationships.remove(rel)
    db.session.flush()


# --- modules and lessons ------------------------------------------------------------------------


def add_module(actor, course: Course, title: str, *, now: datetime) -> CourseModule:
    version = draft_of(course)
    module = CourseModule(title=title, position=len(version.modules))
    version.modules.append(module)
    db.session.flush()
    return module


def rename_module(actor, course: Course, module_id: int, title: str, *, now: datetime) -> None:
    _child(draft_of(course).modules, module_id).title = title
    db.session.flush()


def remove_module(actor, course: Course, module_id: int, *, now: datetime) -> None:
    version = draft_of(course)
    version.modules.remove(_child(version.modules, module_id))
    _renumber(version.modules)
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


def _renumber(items) -> None:
    for n, item in enumerate(sorted(items, key=lambda x: (x.position, x.id))):
        item.position = n


def move_module(actor, course: Course, module_id: int, direction: str, *, now: datetime) -> None:
    version = draft_of(course)
    move(version.modules, _child(version.modules, module_id), direction)
    db.session.flush()


def add_lesson(actor, course: Course, module_id: int, *, title: str, kind: str, now: datetime) -> Lesson:
    version = draft_of(course)
    module = _child(version.modules, module_id)
    if kind not in ("text", "video", "quiz"):
        raise CourseError("Choose a kind of lesson.")
    lesson = Lesson(title=title, kind=kind, version_id=version.id, position=len(module.lessons))
    module.lessons.append(lesson)
    if kind == "quiz":
        lesson.quiz = Quiz()
    db.session.flush()
    return lesson


def lesson_of(course: Course, lesson_id: int) -> Lesson:
    return _child(draft_of(course).lessons, lesson_id)


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
    _renumber(module.lessons)
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
    lesson.files.remove(_child(lesson.files, file_id))
    db.session.flush()


# --- quizzes and the evaluation ---------------------------------------------------------------


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


def add_question(actor, course: Course, lesson_id: int, *, kind: str, text: str, rationale: str,
                 options: list[tuple[str, bool]], now: datetime) -> QuizQuestion:
    """Add a question; ``options`` are (text, is_correct). True/false questions get their two options."""
    quiz = lesson_of(course, lesson_id).quiz
    if quiz is None:
        raise CourseError("That lesson is not a quiz.")
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
    question = QuizQuestion(kind=kind, text=text, rationale=rationale, position=len(quiz.questions))
    question.options = [QuizOption(text=t, is_correct=ok, position=n) for n, (t, ok) in enumerate(options)]
    quiz.questions.append(question)
    db.session.flush()
    return question


def remove_question(actor, course: Course, lesson_id: int, question_id: int, *, now: datetime) -> None:
    quiz = lesson_of(course, lesson_id).quiz
    quiz.questions.remove(_child(quiz.questions, question_id))
    _renumber(quiz.questions)
    db.session.flush()


def move_question(actor, course: Course, lesson_id: int, question_id: int, direction: str, *, now: datetime) -> None:
    quiz = lesson_of(course, lesson_id).quiz
    move(quiz.questions, _child(quiz.questions, question_id), direction)
    db.session.flush()


def reset_evaluation(version: CourseVersion) -> None:
    version.evaluation_items = [EvaluationItem(kind=k, text=t, required=r, position=n)
                                for n, (k, t, r) in enumerate(DEFAULT_EVALUATION)]


def add_evaluation_item(actor, course: Course, *, kind: str, text: str, required: bool,
                        now: datetime) -> EvaluationItem:
    version = draft_of(course)
    if kind not in ("likert", "text"):
        raise CourseError("Choose a kind of item.")
    item = EvaluationItem(kind=kind, text=text, required=required, position=len(version.evaluation_items))
    version.evaluation_items.append(item)
    db.session.flush()
    return item


def remove_evaluation_item(actor, course: Course, item_id: int, *, now: datetime) -> None:
    version = draft_of(course)
    version.evaluation_items.remove(_child(version.evaluation_items, item_id))
    _renumber(version.evaluation_items)
    db.session.flush()
