"""The review workflow (draft → in review → published → archived) and versioning.

Publishing is refused while anything an accreditor requires is missing, most importantly a
relevant financial relationship without its mitigation (ACCME Standard 3).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from courses.authoring import ENDURING_MAX_YEARS, CourseError, PublishRefused, add_months, draft_of
from courses.models import (Course, CourseFile, CourseModule, CoursePerson, CourseTag, CourseVersion,
                            CreditDesignation, EvaluationItem, FinancialRelationship, Lesson, LessonCaption, Quiz,
                            QuizOption, QuizQuestion)
from lms import caching
from lms.audit.services import record
from lms.extensions import db



def publish_problems(version: CourseVersion, today: date) -> list[str]:
    """Why ``version`` may not be published, in words the educator can act on; empty when it may."""
    problems = []
    if not version.objective_list:
        problems.append("Add at least one learning objective.")
    if not version.lessons:
        problems.append("Add at least one lesson.")
    if not version.designations:
        problems.append("Designate the credit (type and maximum).")
    if not version.accreditation_statement.strip():
        problems.append("Add the accreditation statement.")
    if version.format == "enduring":
        if not version.release_on or not version.expires_on:
            problems.append("Enduring material needs a release date and an expiry date.")
        elif version.expires_on > add_months(version.release_on, 12 * ENDURING_MAX_YEARS):
            problems.append("Enduring material may be offered for at most three years.")
    if version.expires_on and version.expires_on <= today:
        problems.append("The expiry date has passed.")
    if not version.people:
        problems.append("Record the faculty, planners and reviewers with their disclosures.")
    for person in version.people:
        if not person.relationships and not person.attested_none:
            problems.append(f"{person.name} has no disclosure recorded (relationships, or none in 24 months).")
        for rel in person.relationships:
            if rel.is_relevant is None:
                problems.append(f"Decide whether {person.name}'s relationship with {rel.company} "
                                f"({rel.nature_label.lower()}) is relevant.")
            elif rel.is_relevant and not rel.mitigation:
                problems.append(f"{person.name}'s relevant relationship with {rel.company} "
                                f"({rel.nature_label.lower()}) has not been mitigated.")
    for lesson in version.lessons:
        if lesson.kind == "quiz":
            if not lesson.quiz or not lesson.quiz.questions:
                problems.append(f"The quiz “{lesson.title}” has no questions.")
        elif lesson.kind == "video" and not lesson.embed_url and lesson.video_file is None:
            problems.append(f"The video lesson “{lesson.title}” has no video.")
        elif lesson.kind == "package" and lesson.package_id is None:
            problems.append(f"The package lesson “{lesson.title}” has no package imported.")
    if version.require_evaluation and not version.evaluation_items:
        problems.append("The evaluation has no items.")
    for d in version.designations:
        if d.credit_type_code == "acpe" and not version.acpe_uan:
            problems.append("ACPE credit needs the Universal Activity Number.")
    return problems


def submit_for_review(actor, course: Course, *, now: datetime) -> None:
    version = draft_of(course)
    problems = publish_problems(version, now.date())
    if problems:
        raise PublishRefused(problems)
    version.state, version.submitted_at = "in_review", now
    db.session.flush()
    record(actor, "course.submitted", course, org_id=course.org_id, now=now, after={"version": version.number})


def return_to_draft(actor, course: Course, *, now: datetime) -> None:
    version = course.draft_version
    if version is None or version.state != "in_review":
        raise CourseError("Only a version in review can return to draft.")
    version.state = "draft"
    db.session.flush()


def publish(actor, course: Course, *, now: datetime) -> CourseVersion:
    """Make the reviewed version current; the version it replaces is kept for those who took it."""
    version = course.draft_version
    if version is None or version.state != "in_review":
        raise CourseError("Submit the version for review before publishing it.")
    problems = publish_problems(version, now.date())
    if problems:
        raise PublishRefused(problems)
    if course.current_version is not None:
        course.current_version.state = "superseded"
    version.state, version.published_at = "published", now
    course.current_version = version
    course.draft_version = None
    course.archived_at = None
    db.session.flush()
    caching.bump("catalog")
    record(actor, "course.published", course, org_id=course.org_id, now=now, after={"version": version.number})
    return version


def archive(actor, course: Course, *, now: datetime) -> None:
    """Withdraw from the catalog. Enrolled learners keep their access and records."""
    course.archived_at = now
    db.session.flush()
    caching.bump("catalog")
    record(actor, "course.archived", course, org_id=course.org_id, now=now)


def new_version(actor, course: Course, *, now: datetime) -> CourseVersion:
    """Start editing a published course: its current version is copied into a new draft."""
    if course.draft_version is not None:
        return course.draft_version
    if course.current_version is None:
        raise CourseError("The course has no published version to copy.")
    copy = copy_version(course.current_version, now=now)
    course.draft_version = copy
    db.session.flush()
    return copy


def copy_version(source: CourseVersion, *, now: datetime) -> CourseVersion:
    """A deep copy of ``source`` as the course's next draft version (files are shared, not copied)."""
    number = (db.session.scalar(select(func.max(CourseVersion.number)).where(
        CourseVersion.course_id == source.course_id)) or 0) + 1
    columns = ("title", "summary", "description", "objectives", "format", "estimated_minutes", "release_on",
               "expires_on", "review_on", "accreditation_statement", "acpe_uan", "require_all_lessons",
               "video_threshold_pct", "require_quiz_pass", "require_evaluation", "max_credit", "search_text")
    copy = CourseVersion(course_id=source.course_id, number=number, state="draft", created_at=now,
                         **{c: getattr(source, c) for c in columns})
    copy.tags = [CourseTag(kind=t.kind, value=t.value) for t in source.tags]
    copy.designations = [CreditDesignation(credit_type_code=d.credit_type_code, max_amount=d.max_amount)
                         for d in source.designations]
    copy.people = [CoursePerson(name=p.name, credentials=p.credentials, role=p.role, attested_none=p.attested_none,
                                disclosed_on=p.disclosed_on,
                                relationships=[FinancialRelationship(company=r.company, nature=r.nature,
                                                                     ended_on=r.ended_on, is_relevant=r.is_relevant,
                                                                     mitigation=r.mitigation)
                                               for r in p.relationships])
                   for p in source.people]
    copy.evaluation_items = [EvaluationItem(kind=i.kind, text=i.text, required=i.required, position=i.position)
                             for i in source.evaluation_items]
    db.session.add(copy)
    db.session.flush()
    for module in source.modules:
        new_module = CourseModule(title=module.title, position=module.position)
        copy.modules.append(new_module)
        for lesson in module.lessons:
            new_lesson = Lesson(title=lesson.title, kind=lesson.kind, position=lesson.position, body=lesson.body,
                                embed_url=lesson.embed_url, package_id=lesson.package_id,
                                version_id=copy.id)
            new_lesson.files = [CourseFile(kind=f.kind, stored_name=f.stored_name, original_name=f.original_name,
                                           content_type=f.content_type, size=f.size, created_at=f.created_at)
                                for f in lesson.files]
            new_lesson.captions = [LessonCaption(stored_name=c.stored_name, language=c.language, label=c.label,
                                                 size=c.size, created_at=c.created_at) for c in lesson.captions]
            if lesson.quiz is not None:
                q = lesson.quiz
                new_lesson.quiz = Quiz(pass_mark_pct=q.pass_mark_pct, max_attempts=q.max_attempts, shuffle=q.shuffle)
                new_lesson.quiz.questions = [
                    QuizQuestion(kind=qq.kind, text=qq.text, rationale=qq.rationale, position=qq.position,
                                 options=[QuizOption(text=o.text, is_correct=o.is_correct, position=o.position)
                                          for o in qq.options])
                    for qq in q.questions]
            new_module.lessons.append(new_lesson)
    db.session.flush()
    return copy
