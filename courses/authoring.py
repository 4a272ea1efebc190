"""Authoring rules: creating courses, editing a draft version, the review workflow and versioning.

Every function takes the actor and ``now``; none commits. Content changes are allowed only on
the course's draft version (``Course.draft_version``): a published version is never edited
in place, because learners' records point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from courses.models import (PERSON_ROLES, RELATIONSHIP_NATURES, Course, CoursePerson, CourseTag, CourseVersion,
                            CreditDesignation, EvaluationItem, FinancialRelationship)
from lms.errors import RuleViolation
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


class CourseError(RuleViolation, ValueError):
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
    designation = child(version.designations, designation_id)
    version.designations.remove(designation)
    _refresh_max_credit(version)
    db.session.flush()


def _refresh_max_credit(version: CourseVersion) -> None:
    version.max_credit = max((d.max_amount for d in version.designations), default=Decimal("0"))


def child(items, item_id: int):
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
    version.people.remove(child(version.people, person_id))
    db.session.flush()


def add_relationship(actor, course: Course, person_id: int, *, company: str, nature: str, ended_on: date | None,
                     now: datetime) -> FinancialRelationship:
    """Record a financial relationship with an ineligible company within the 24-month look-back."""
    version = draft_of(course)
    person = child(version.people, person_id)
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
    rel = child([r for p in version.people for r in p.relationships], relationship_id)
    rel.is_relevant = is_relevant
    rel.mitigation = mitigation.strip()
    db.session.flush()
    return rel


def remove_relationship(actor, course: Course, relationship_id: int, *, now: datetime) -> None:
    version = draft_of(course)
    rel = child([r for p in version.people for r in p.relationships], relationship_id)
    rel.person.relationships.remove(rel)
    db.session.flush()


def renumber(items) -> None:
    for n, item in enumerate(sorted(items, key=lambda x: (x.position, x.id))):
        item.position = n


# --- the evaluation ---------------------------------------------------------------------------


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
    version.evaluation_items.remove(child(version.evaluation_items, item_id))
    renumber(version.evaluation_items)
    db.session.flush()
