"""Courses and everything hanging off a course version; enrolments and what learners did.

A ``Course`` is the lasting identity (organisation, archive state, which version is live).
Its content lives in ``CourseVersion`` rows: editing a published course copies the version,
and learners' records point at the version they started, so what they completed never changes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, SmallInteger,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, enum_type, utcnow

VERSION_STATES = {"draft": "Draft", "in_review": "In review", "published": "Published", "superseded": "Superseded"}
LESSON_KINDS = {"text": "Text", "video": "Video", "quiz": "Quiz", "package": "Package (cmi5 or SCORM)"}
QUESTION_KINDS = {"single": "Single answer", "multiple": "Multiple answers", "truefalse": "True or false"}
PERSON_ROLES = {"faculty": "Faculty", "planner": "Planner", "reviewer": "Reviewer"}
# ACCME Standard 3: the nature of a financial relationship with an ineligible company.
RELATIONSHIP_NATURES = {
    "employee": "Employee", "researcher": "Researcher", "consultant": "Consultant", "advisor": "Advisor",
    "speaker": "Speakers' bureau", "contractor": "Independent contractor", "royalties": "Royalties or patent beneficiary",
    "executive": "Executive role", "ownership": "Ownership interest (including stocks)", "other": "Other",
}
TAG_KINDS = ("specialty", "topic", "profession")
FILE_KINDS = {"video": "Video", "attachment": "Attachment"}


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    # The version learners see in the catalog; None until first published.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_version.id", use_alter=True, name="fk_course_current_version_id_course_version",
                   ondelete="SET NULL"), index=True)
    # The version educators are editing; None when nothing is being edited.
    draft_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_version.id", use_alter=True, name="fk_course_draft_version_id_course_version",
                   ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    org = relationship("Organisation")
    current_version: Mapped["CourseVersion | None"] = relationship(foreign_keys=[current_version_id], post_update=True)
    draft_version: Mapped["CourseVersion | None"] = relationship(foreign_keys=[draft_version_id], post_update=True)

    @property
    def status(self) -> str:
        if self.archived_at is not None:
            return "archived"
        if self.draft_version is not None:
            return self.draft_version.state
        return "published" if self.current_version_id else "draft"

    @property
    def status_label(self) -> str:
        return "Archived" if self.status == "archived" else VERSION_STATES.get(self.status, self.status)

    @property
    def editable_version(self) -> "CourseVersion | None":
        return self.draft_version

    @property
    def latest_version(self) -> "CourseVersion | None":
        return self.draft_version or self.current_version


class CourseVersion(db.Model):
    __tablename__ = "course_version"
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        CheckConstraint("video_threshold_pct BETWEEN 0 AND 100", name="video_threshold_range"),
        CheckConstraint("estimated_minutes >= 0", name="estimated_minutes_positive"),
        Index("ix_course_version_format", "format"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(enum_type(VERSION_STATES, "version_state"), default="draft")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")  # one per line
    format: Mapped[str] = mapped_column(String(20), default="enduring")
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=60)
    release_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    review_on: Mapped[date | None] = mapped_column(Date)
    accreditation_statement: Mapped[str] = mapped_column(Text, default="")
    acpe_uan: Mapped[str | None] = mapped_column(String(40))
    # Completion rules the educator sets.
    require_all_lessons: Mapped[bool] = mapped_column(Boolean, default=True)
    video_threshold_pct: Mapped[int] = mapped_column(SmallInteger, default=90)
    require_quiz_pass: Mapped[bool] = mapped_column(Boolean, default=True)
    require_evaluation: Mapped[bool] = mapped_column(Boolean, default=True)
    max_credit: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0"), index=True)  # for the filter
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased title/summary/description/objectives
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship(foreign_keys=[course_id])
    tags: Mapped[list["CourseTag"]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                   order_by="CourseTag.value")
    designations: Mapped[list["CreditDesignation"]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="CreditDesignation.credit_type_code")
    people: Mapped[list["CoursePerson"]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                        order_by="CoursePerson.id")
    modules: Mapped[list["CourseModule"]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                         order_by="CourseModule.position")
    evaluation_items: Mapped[list["EvaluationItem"]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="EvaluationItem.position")

    def tag_values(self, kind: str) -> list[str]:
        return [t.value for t in self.tags if t.kind == kind]

    @property
    def objective_list(self) -> list[str]:
        return [line.strip(" -*\t") for line in self.objectives.splitlines() if line.strip(" -*\t")]

    @property
    def lessons(self) -> list["Lesson"]:
        return [lesson for m in self.modules for lesson in m.lessons]

    @property
    def state_label(self) -> str:
        return VERSION_STATES.get(self.state, self.state)


class CourseTag(db.Model):
    """A specialty, topic or target profession of a version: one row each, so the catalog filters in SQL."""

    __tablename__ = "course_tag"
    __table_args__ = (UniqueConstraint("version_id", "kind", "value"), Index("ix_course_tag_kind_value", "kind", "value"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(enum_type(TAG_KINDS, "tag_kind"))
    value: Mapped[str] = mapped_column(String(80))

    version: Mapped[CourseVersion] = relationship(back_populates="tags")


class CreditDesignation(db.Model):
    __tablename__ = "credit_designation"
    __table_args__ = (UniqueConstraint("version_id", "credit_type_code"),
                      CheckConstraint("max_amount > 0", name="max_amount_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    credit_type_code: Mapped[str] = mapped_column(ForeignKey("credit_type.code"), index=True)
    max_amount: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    version: Mapped[CourseVersion] = relationship(back_populates="designations")
    credit_type = relationship("CreditType")


class CoursePerson(db.Model):
    """Faculty, planner or reviewer: everyone in control of content must disclose (Standard 3)."""

    __tablename__ = "course_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    credentials: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20), default="faculty")
    # The person attested to having no financial relationship with an ineligible company in 24 months.
    attested_none: Mapped[bool] = mapped_column(Boolean, default=False)
    disclosed_on: Mapped[date | None] = mapped_column(Date)

    version: Mapped[CourseVersion] = relationship(back_populates="people")
    relationships: Mapped[list["FinancialRelationship"]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="FinancialRelationship.id")

    @property
    def role_label(self) -> str:
        return PERSON_ROLES.get(self.role, self.role)


class FinancialRelationship(db.Model):
    __tablename__ = "financial_relationship"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("course_person.id", ondelete="CASCADE"), index=True)
    company: Mapped[str] = mapped_column(String(200))
    nature: Mapped[str] = mapped_column(String(20))
    ended_on: Mapped[date | None] = mapped_column(Date)  # None: ongoing
    is_relevant: Mapped[bool | None] = mapped_column(Boolean)  # None: not yet decided
    mitigation: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[CoursePerson] = relationship(back_populates="relationships")

    @property
    def nature_label(self) -> str:
        return RELATIONSHIP_NATURES.get(self.nature, self.nature)


class CourseModule(db.Model):
    __tablename__ = "course_module"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    version: Mapped[CourseVersion] = relationship(back_populates="modules")
    lessons: Mapped[list["Lesson"]] = relationship(back_populates="module", cascade="all, delete-orphan",
                                                   order_by="Lesson.position")


class Lesson(db.Model):
    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_module.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="text")
    position: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered only through render_markdown
    embed_url: Mapped[str | None] = mapped_column(String(500))
    # A package lesson (cmi5, SCORM) plays this imported package; copies of a version share it. No
    # foreign key: packages are never deleted (only marked), and SQLite cannot add one to ``lesson``
    # without rebuilding the table under everything that refers to it (migration i15a1c2d3e4f5).
    package_id: Mapped[int | None] = mapped_column(Integer)

    module: Mapped[CourseModule] = relationship(back_populates="lessons")
    quiz: Mapped["Quiz | None"] = relationship(back_populates="lesson", cascade="all, delete-orphan", uselist=False)
    files: Mapped[list["CourseFile"]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="CourseFile.id")
    captions: Mapped[list["LessonCaption"]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="LessonCaption.id")

    @property
    def video_file(self) -> "CourseFile | None":
        return next((f for f in self.files if f.kind == "video"), None)

    @property
    def attachments(self) -> list["CourseFile"]:
        return [f for f in self.files if f.kind == "attachment"]

    @property
    def kind_label(self) -> str:
        return LESSON_KINDS.get(self.kind, self.kind)


class CourseFile(db.Model):
    """An uploaded file, stored under a random name; copies of a version share the stored file."""

    __tablename__ = "course_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(enum_type(FILE_KINDS, "file_kind"))
    stored_name: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="files")


class CourseImage(db.Model):
    """An image an educator uploaded for the course's Markdown (lessons, description), stored under a
    random name. It belongs to the course, not a version, so every version's text keeps working."""

    __tablename__ = "course_image"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    alt: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LessonCaption(db.Model):
    """A WebVTT captions track for a video lesson, one per language; copies of a version share the file."""

    __tablename__ = "lesson_caption"
    __table_args__ = (UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(35))  # a BCP 47 tag, e.g. "en" or "es-MX"
    label: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="captions")


class Quiz(db.Model):
    __tablename__ = "quiz"
    __table_args__ = (CheckConstraint("pass_mark_pct BETWEEN 0 AND 100", name="pass_mark_range"),
                      CheckConstraint("max_attempts >= 1", name="max_attempts_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), unique=True)
    pass_mark_pct: Mapped[int] = mapped_column(SmallInteger, default=70)
    max_attempts: Mapped[int] = mapped_column(SmallInteger, default=3)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)

    lesson: Mapped[Lesson] = relationship(back_populates="quiz")
    questions: Mapped[list["QuizQuestion"]] = relationship(back_populates="quiz", cascade="all, delete-orphan",
                                                           order_by="QuizQuestion.position")


class QuizQuestion(db.Model):
    __tablename__ = "quiz_question"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default="single")
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    options: Mapped[list["QuizOption"]] = relationship(back_populates="question", cascade="all, delete-orphan",
                                                       order_by="QuizOption.position")

    @property
    def kind_label(self) -> str:
        return QUESTION_KINDS.get(self.kind, self.kind)


class QuizOption(db.Model):
    __tablename__ = "quiz_option"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[QuizQuestion] = relationship(back_populates="options")


class EvaluationItem(db.Model):
    __tablename__ = "evaluation_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default="likert")  # likert | text
    text: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    version: Mapped[CourseVersion] = relationship(back_populates="evaluation_items")


# --- what learners did ------------------------------------------------------------------------


class Enrolment(db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    # The version the learner started: they keep it even when a newer one is published.
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    disclosures_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    evaluation_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)  # of the current round
    due_on: Mapped[date | None] = mapped_column(Date)  # set by an assignment
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The current round: 1, then one more for each retake. Progress, attempts and answers belong to a round.
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    user = relationship("User", foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship()
    progress: Mapped[list["LessonProgress"]] = relationship(back_populates="enrolment", cascade="all, delete-orphan")


class CourseCompletion(db.Model):
    """One row each time a learner completes a round of a course: the history a retake keeps.

    Append-only: the app inserts these and never changes or deletes them (compliance evidence), and
    the database refuses UPDATE and DELETE (migration ``f1a2b3c4d5e6``), as for the credit ledger.
    """

    __tablename__ = "course_completion"
    # The unique constraint serves lookups by enrolment; compliance reads by course and person.
    __table_args__ = (UniqueConstraint("enrolment_id", "round"),
                      Index("ix_course_completion_course_id_user_id", "course_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    round: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    evaluation_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    # The mean of the best score at each quiz in the round; None for a course without a quiz.
    score_pct: Mapped[int | None] = mapped_column(SmallInteger)

    version: Mapped[CourseVersion] = relationship()


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "round", "lesson_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    position_seconds: Mapped[int] = mapped_column(Integer, default=0)
    furthest_seconds: Mapped[int] = mapped_column(Integer, default=0)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrolment: Mapped[Enrolment] = relationship(back_populates="progress")


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempt"
    # One row per attempt number: two parallel "start" or "submit" requests cannot make two attempts.
    __table_args__ = (UniqueConstraint("enrolment_id", "round", "quiz_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # attempt limits are per round
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"), index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    # {"questions": [question ids in shown order], "options": {question id: [option ids in shown order]}}
    shown_order: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score_pct: Mapped[int | None] = mapped_column(SmallInteger)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    enrolment: Mapped[Enrolment] = relationship()
    quiz: Mapped[Quiz] = relationship()
    responses: Mapped[list["QuizResponse"]] = relationship(back_populates="attempt", cascade="all, delete-orphan")


class QuizResponse(db.Model):
    __tablename__ = "quiz_response"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_question.id"), index=True)
    is_correct: Mapped[bool] = mapped_column(Boolean)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="responses")
    choices: Mapped[list["QuizChoice"]] = relationship(back_populates="response", cascade="all, delete-orphan")


class QuizChoice(db.Model):
    __tablename__ = "quiz_choice"
    __table_args__ = (UniqueConstraint("response_id", "option_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("quiz_response.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("quiz_option.id"), index=True)

    response: Mapped[QuizResponse] = relationship(back_populates="choices")


class EvaluationAnswer(db.Model):
    __tablename__ = "evaluation_answer"
    __table_args__ = (UniqueConstraint("enrolment_id", "round", "item_id"),
                      CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    item_id: Mapped[int] = mapped_column(ForeignKey("evaluation_item.id"), index=True)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[EvaluationItem] = relationship()
