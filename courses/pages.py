"""What the course page shows of a version, and of the learner's place in it.

A published version is never edited (changes go to a new draft, see ``authoring``), so its
description, objectives, audience, disclosures, credit and outline are rendered once and kept in the
shared cache under the version's id (``lms.caching``): the page then runs no query for the version
at all. Drafts (the author's preview) are built every time and never kept. The learner's side is
read fresh on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask import get_template_attribute
from markupsafe import Markup
from sqlalchemy import and_, bindparam, select

from courses.models import Course, CourseCompletion, CourseVersion, Enrolment, LessonProgress
from lms import caching
from lms.credits.services import has_claimed
from lms.extensions import db


@dataclass(frozen=True)
class LessonLine:
    id: int
    title: str
    kind_label: str


@dataclass(frozen=True)
class ModuleLine:
    title: str
    lessons: tuple[LessonLine, ...]


@dataclass(frozen=True)
class VersionView:
    id: int
    number: int
    state_label: str
    title: str
    summary: str
    accreditation_statement: str
    modules: tuple[ModuleLine, ...]
    has_evaluation: bool
    expires_on: date | None
    about_html: Markup
    disclosures_html: Markup
    credit_html: Markup

    @property
    def lessons(self) -> list[LessonLine]:
        return [lesson for m in self.modules for lesson in m.lessons]


def _build(version: CourseVersion) -> VersionView:
    def part(name: str) -> Markup:
        return Markup(get_template_attribute("courses/_version_parts.html", name)(version))

    return VersionView(
        id=version.id, number=version.number, state_label=version.state_label, title=version.title,
        summary=version.summary, accreditation_statement=version.accreditation_statement,
        modules=tuple(ModuleLine(m.title, tuple(LessonLine(lesson.id, lesson.title, lesson.kind_label)
                                                 for lesson in m.lessons)) for m in version.modules),
        has_evaluation=bool(version.evaluation_items), expires_on=version.expires_on, about_html=part("about"),
        disclosures_html=part("disclosures"), credit_html=part("credit"))


def version_view(course: Course, version_id: int) -> VersionView:
    """``course``'s version as the course page shows it; kept when the version is published (immutable).

    The key holds the course's creation time too: SQLite hands a deleted or rolled-back row's id to
    the next row, and a kept version must never be taken for another one with the same id."""
    from courses.services import load_version

    key = ("version", version_id, course.id, course.created_at.timestamp())
    found = caching.cache.get(caching.key_name(key))
    if found is not None:
        return found
    version = load_version(version_id)
    view = _build(version)
    if version.published_at is not None and version.state != "draft" and version.course_id == course.id:
        caching.cache.set(caching.key_name(key), view)
    return view


def draft_view(version: CourseVersion) -> VersionView:
    """An author's preview of a version that may still change: never cached."""
    return _build(version)


# --- the learner's side of the page -------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentState:
    """The learner's enrolment as the course page shows it."""

    id: int
    version_id: int
    round: int
    disclosures_seen_at: datetime | None
    completed_at: datetime | None
    evaluation_submitted_at: datetime | None


@dataclass(frozen=True)
class CompletionLine:
    round: int
    completed_at: datetime
    version_number: int
    score_pct: int | None


@dataclass(frozen=True)
class LearnerState:
    enrolment: EnrolmentState | None
    done: frozenset[int]
    completions: tuple[CompletionLine, ...]
    claimed: bool  # any credit claimed for the course (``credits.services.claimed_amounts`` not empty)


@cache
def _enrolment_statement():
    """The learner's enrolment, whether they claimed credit for the course, and the lessons done in the
    current round: one row per lesson done (or one with ``lesson_id`` None). Built once, run per page."""
    e, user_id, course_id = Enrolment, bindparam("user_id"), bindparam("course_id")
    done = and_(LessonProgress.enrolment_id == e.id, LessonProgress.round == e.round,
                LessonProgress.completed_at.is_not(None))
    # The claim test names the learner and course, not the row's columns: evaluated once, not per row.
    return (select(e.id, e.version_id, e.round, e.disclosures_seen_at, e.completed_at, e.evaluation_submitted_at,
                   has_claimed(user_id, "course", course_id).label("claimed"), LessonProgress.lesson_id)
            .outerjoin(LessonProgress, done)
            .where(e.user_id == user_id, e.course_id == course_id))


@cache
def _completions_statement():
    c = CourseCompletion
    return (select(c.round, c.completed_at, CourseVersion.number, c.score_pct)
            .join(CourseVersion, CourseVersion.id == c.version_id)
            .where(c.enrolment_id == bindparam("enrolment_id")).order_by(c.round))


def learner_state(user, course: Course) -> LearnerState:
    """Enrolment, lessons done in this round, completed rounds and claimed credit, read fresh (in one
    query, two once the learner has completed a round)."""
    rows = db.session.execute(_enrolment_statement(), {"user_id": user.id, "course_id": course.id}).all()
    if not rows:
        return LearnerState(None, frozenset(), (), False)
    first = rows[0]
    enrolment = EnrolmentState(first.id, first.version_id, first.round, first.disclosures_seen_at,
                               first.completed_at, first.evaluation_submitted_at)
    completions = ()
    if enrolment.completed_at is not None or enrolment.round > 1:
        completions = tuple(CompletionLine(*row) for row in db.session.execute(
            _completions_statement(), {"enrolment_id": enrolment.id}))
    return LearnerState(enrolment, frozenset(r.lesson_id for r in rows if r.lesson_id is not None), completions,
                        bool(first.claimed))
