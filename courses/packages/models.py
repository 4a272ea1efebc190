"""Imported packages, cmi5 registrations and sessions, xAPI statements and documents, SCORM attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

STANDARDS = {"cmi5": "cmi5", "scorm12": "SCORM 1.2", "scorm2004": "SCORM 2004"}


class ContentPackage(db.Model):
    """A package as imported: its parsed structure, and where its files are (``storage_key``)."""

    __tablename__ = "content_package"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    standard: Mapped[str] = mapped_column(String(12))
    schema_version: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    original_name: Mapped[str] = mapped_column(String(200), default="")
    # The folder under UPLOAD_DIR/packages; None for a cmi5.xml alone whose AUs are all absolute URLs.
    storage_key: Mapped[str | None] = mapped_column(String(64))
    lms_iri: Mapped[str] = mapped_column(String(300))  # the LMS's own course IRI; blocks and AUs hang off it
    structure: Mapped[dict] = mapped_column(JSON)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def standard_label(self) -> str:
        return STANDARDS.get(self.standard, self.standard)

    @property
    def aus(self) -> list[dict]:
        return self.structure.get("aus", [])


class Cmi5Registration(db.Model):
    """One learner's enrolment in one cmi5 course (package): the unit moveOn and satisfaction are kept per."""

    __tablename__ = "cmi5_registration"
    __table_args__ = (Index("ix_cmi5_registration_package_user", "package_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the registration UUID
    package_id: Mapped[int] = mapped_column(ForeignKey("content_package.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    actor: Mapped[dict] = mapped_column(JSON)
    # Per AU index: {"completed": bool, "passed": bool, "failed": bool, "waived": bool, "satisfied": bool, "score": …}
    au_state: Mapped[dict] = mapped_column(JSON, default=dict)
    satisfied_ids: Mapped[list] = mapped_column(JSON, default=list)  # blocks and the course, as LMS IRIs
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    satisfied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Cmi5Session(db.Model):
    """One launch of one AU. The fetch token works once; the auth token it returns dies with the session."""

    __tablename__ = "cmi5_session"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the session id (sessionid extension)
    registration_id: Mapped[str] = mapped_column(ForeignKey("cmi5_registration.id", ondelete="CASCADE"), index=True)
    au_index: Mapped[int] = mapped_column(Integer)
    launch_mode: Mapped[str] = mapped_column(String(10), default="Normal")
    fetch_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fetch_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    auth_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    launched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    initialized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    passed_or_failed: Mapped[str | None] = mapped_column(String(10))  # this session's one judgement
    prefs_read: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)


class XapiStatement(db.Model):
    """A stored statement, verbatim plus the LRS's own properties; ``id`` orders them as stored."""

    __tablename__ = "xapi_statement"
    __table_args__ = (Index("ix_xapi_statement_registration_id", "registration", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    registration: Mapped[str | None] = mapped_column(String(36))
    verb_id: Mapped[str] = mapped_column(String(300))
    activity_id: Mapped[str | None] = mapped_column(String(500), index=True)
    agent_key: Mapped[str] = mapped_column(String(300), index=True)
    body: Mapped[dict] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class XapiDocument(db.Model):
    """A State or Agent Profile document (``kind``), keyed as the xAPI resources key them."""

    __tablename__ = "xapi_document"
    __table_args__ = (UniqueConstraint("kind", "agent_key", "activity_id", "registration", "doc_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # state | agent_profile
    agent_key: Mapped[str] = mapped_column(String(300))
    activity_id: Mapped[str] = mapped_column(String(500), default="")
    registration: Mapped[str] = mapped_column(String(36), default="")
    doc_id: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScormAttempt(db.Model):
    """One attempt at a SCO: the run-time data model (cmi.*) as the SCO last committed it."""

    __tablename__ = "scorm_attempt"
    __table_args__ = (Index("ix_scorm_attempt_package_user", "package_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("content_package.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    sco_index: Mapped[int] = mapped_column(Integer, default=0)
    number: Mapped[int] = mapped_column(Integer, default=1)
    cmi: Mapped[dict] = mapped_column(JSON, default=dict)
    completion_status: Mapped[str] = mapped_column(String(20), default="not attempted")
    success_status: Mapped[str] = mapped_column(String(20), default="unknown")
    score_scaled: Mapped[float | None] = mapped_column()
    total_seconds: Mapped[int] = mapped_column(Integer, default=0)
    commits: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    interactions: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")


class ExternalLrs(db.Model):
    """An organisation's own LRS, to which the statements of its package lessons are forwarded."""

    __tablename__ = "external_lrs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    endpoint: Mapped[str] = mapped_column(String(500))  # the xAPI base URL, ending in "/"
    key: Mapped[str] = mapped_column(String(200))
    secret_encrypted: Mapped[str] = mapped_column(Text)  # lms.secretbox, own context
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class XapiForward(db.Model):
    """One statement on its way to an external LRS: attempts, the last error, when it arrived."""

    __tablename__ = "xapi_forward"
    __table_args__ = (UniqueConstraint("statement_row_id", "lrs_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_row_id: Mapped[int] = mapped_column(ForeignKey("xapi_statement.id", ondelete="CASCADE"))
    lrs_id: Mapped[int] = mapped_column(ForeignKey("external_lrs.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
