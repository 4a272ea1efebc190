"""Certificates, the templates that render them, uploaded template assets, signing keys and bulk runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, enum_type, utcnow

KINDS = {"credit": "Certificate of credit", "attendance": "Certificate of attendance"}
STATUSES = ("valid", "superseded", "revoked")
RUN_STATUSES = ("queued", "running", "finished")
PAGE_SIZES = {"Letter": "US Letter (landscape)", "A4": "A4 (landscape)"}


class CertificateAsset(db.Model):
    """A logo or signature image uploaded for a provider's templates (kept forever: issued PDFs name it)."""

    __tablename__ = "certificate_asset"
    __table_args__ = (UniqueConstraint("org_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "logo", "seal" or "signature"
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CertificateTemplate(db.Model):
    """A provider's customised design for one kind of certificate; its content lives in versions."""

    __tablename__ = "certificate_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list["CertificateTemplateVersion"]] = relationship(
        back_populates="template", order_by="CertificateTemplateVersion.number")

    @property
    def latest(self) -> "CertificateTemplateVersion | None":
        return self.versions[-1] if self.versions else None


class CertificateTemplateVersion(db.Model):
    """One saved state of a template. Never edited: saving makes the next version (the database
    refuses UPDATE and DELETE of these rows, migration i21d1)."""

    __tablename__ = "certificate_template_version"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("certificate_template.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    html: Mapped[str] = mapped_column(Text)
    css: Mapped[str] = mapped_column(Text, default="")
    page_size: Mapped[str] = mapped_column(String(8), default="Letter")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    logo_asset_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_asset.id"))
    signature_asset_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_asset.id"))
    seal_asset_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_asset.id"))
    # Made in the design editor: {"fonts": <pair>, "accent": "#rrggbb"}; None for hand-written templates.
    # The HTML and CSS it produced are stored above, so the version renders alike whatever ships later.
    design: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    template: Mapped[CertificateTemplate] = relationship(back_populates="versions")
    logo: Mapped[CertificateAsset | None] = relationship(foreign_keys=[logo_asset_id])
    signature: Mapped[CertificateAsset | None] = relationship(foreign_keys=[signature_asset_id])
    seal: Mapped[CertificateAsset | None] = relationship(foreign_keys=[seal_asset_id])


class Certificate(db.Model):
    """One issued certificate: a stored PDF rendered once from ``snapshot``.

    A series is a learner's certificates of one kind for one activity; each correction adds
    the next version and supersedes the previous one. The row's status changes; the PDF never.
    """

    __tablename__ = "certificate"
    __table_args__ = (
        # A retried or duplicated job lands here: a version of a series is issued once.
        UniqueConstraint("learner_id", "kind", "activity_kind", "activity_id", "version", name="uq_certificate_series"),
        Index("ix_certificate_activity", "activity_kind", "activity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "credit" or "attendance"
    activity_kind: Mapped[str] = mapped_column(String(16))
    activity_id: Mapped[int] = mapped_column(Integer)
    provider_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(enum_type(STATUSES, "certificate_status", 16), default="valid")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_template_version.id"))
    template_ref: Mapped[str] = mapped_column(String(60))  # "builtin:credit/1" or "template:<id>/v<n>"
    snapshot: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # Only a hash of the normalised code is looked up; the display code is what the learner sees.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str] = mapped_column(Text, default="")

    supersedes: Mapped["Certificate | None"] = relationship(remote_side=[id])

    @property
    def filename(self) -> str:
        return f"certificate-{self.id}-v{self.version}.pdf"


class SigningKey(db.Model):
    """A provider's Ed25519 key for Open Badges credentials; the private half is encrypted at rest."""

    __tablename__ = "certificate_signing_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    kid: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, base64url
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BulkRun(db.Model):
    """An educator's background issue or re-send over an activity, with its progress."""

    __tablename__ = "certificate_bulk_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    activity_kind: Mapped[str] = mapped_column(String(16))
    activity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # "issue" or "email"
    status: Mapped[str] = mapped_column(enum_type(RUN_STATUSES, "run_status", 16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * (self.done + self.failed) / self.total)
