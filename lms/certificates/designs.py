"""Provider-customised certificate templates: versions, uploads, activation and previews.

Educators write HTML and CSS for a sandboxed Jinja environment that receives plain values
only (the same ``snapshot`` every issued certificate records). Saving never edits a version:
it adds the next one, so each issued certificate names the exact version that made it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from jinja2 import TemplateSyntaxError
from sqlalchemy import select, update

from lms.audit.services import record
from lms.certificates import pdf as certificate_pdf
from lms.certificates.models import KINDS, PAGE_SIZES, CertificateAsset, CertificateTemplate, CertificateTemplateVersion
from lms.certificates.renderer import RenderFailed, _environment
from lms.certificates.services import CertificateError
from lms.credits import statements
from lms.extensions import db

MAX_ASSET_BYTES = 2 * 1024 * 1024
MAX_SOURCE_CHARS = 100_000
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class TemplateData:
    html: str
    css: str
    page_size: str
    signatory_name: str = ""
    signatory_title: str = ""
    logo_asset_id: int | None = None
    signature_asset_id: int | None = None


def _sample_statement(provider: str) -> list:
    return statements.designation("ama_pra_1", provider=provider, format_name="enduring material",
                                  amount=Decimal("1.5"))


def sample_snapshot(kind: str, *, provider: str = "Northbridge CME Institute", page_size: str = "Letter") -> dict:
    """Sample data for previews: the same keys an issued certificate's snapshot has."""
    credit = kind != "attendance"
    return {
        "kind": kind, "title": "Certificate of Completion" if credit else "Certificate of Attendance",
        "learner": {"name": "Priya Raman", "credentials": "MD, FACP", "display_name": "Priya Raman, MD, FACP"},
        "activity": {"title": "Opioid prescribing: safer pain management", "format": "enduring material",
                     "dates": "Completed 27 November 2026", "date": "2026-11-27", "timezone": "America/New_York",
                     "uan": ""},
        "provider": {"name": provider, "accreditation_statement": statements.ACCME.format(provider=provider),
                     "accreditation_statements": [statements.ACCME.format(provider=provider)] if credit else [],
                     "joint_accreditation": False},
        "credits": [{"code": "ama_pra_1", "name": statements.plain(statements.credit_name("ama_pra_1", Decimal("1.5"))),
                     "name_parts": statements.credit_name("ama_pra_1", Decimal("1.5")), "amount": "1.5",
                     "unit": "credits", "statement": statements.plain(_sample_statement(provider)),
                     "statement_parts": _sample_statement(provider)}] if credit else [],
        "attendance": None if credit else {"minutes": 55, "category": "Staff training", "span": ""},
        "code": "SAMP-LE00-0000-0000-0000-0000-00", "verify_url": "https://example.org/verify/SAMPLE",
        "issued_on": "27 November 2026", "version": 1, "page_size": page_size,
        "signatory": {"name": "", "title": ""},
    }


def check_source(html: str, css: str) -> None:
    if len(html) > MAX_SOURCE_CHARS or len(css) > MAX_SOURCE_CHARS:
        raise CertificateError(f"Keep the HTML and the CSS under {MAX_SOURCE_CHARS:,} characters each.")
    try:
        _environment().parse(html)
    except TemplateSyntaxError as exc:
        raise CertificateError(f"Template error on line {exc.lineno}: {exc.message}") from None


def _asset(org_id: int, asset_id: int | None) -> CertificateAsset | None:
    if asset_id is None:
        return None
    asset = db.session.get(CertificateAsset, asset_id)
    if asset is None or asset.org_id != org_id:
        raise CertificateError("That image does not belong to this organisation.")
    return asset


def preview(org_id: int, kind: str, data: TemplateData, *, provider: str) -> bytes:
    """Render ``data`` with sample values; raises ``CertificateError`` with the renderer's message."""
    check_source(data.html, data.css)
    snapshot = sample_snapshot(kind, provider=provider, page_size=data.page_size)
    snapshot["signatory"] = {"name": data.signatory_name, "title": data.signatory_title}
    logo, signature = _asset(org_id, data.logo_asset_id), _asset(org_id, data.signature_asset_id)
    job = certificate_pdf.build_job(snapshot, html=data.html, css=data.css,
                                    logo=(logo.content_type, logo.data) if logo else None,
                                    signature=(signature.content_type, signature.data) if signature else None)
    try:
        return certificate_pdf.render(job)
    except RenderFailed as exc:
        raise CertificateError(f"The template does not render: {exc}") from None


def _validate(kind: str, data: TemplateData) -> None:
    if kind not in KINDS:
        raise CertificateError("Choose the kind of certificate.")
    if data.page_size not in PAGE_SIZES:
        raise CertificateError("Choose a page size.")


def create_template(actor, org, *, kind: str, name: str, data: TemplateData, now: datetime) -> CertificateTemplate:
    """A new template with its first version; it renders the sample before it is saved."""
    _validate(kind, data)
    preview(org.id, kind, data, provider=org.name)
    template = CertificateTemplate(org_id=org.id, kind=kind, name=name.strip()[:120] or "Certificate", created_at=now)
    db.session.add(template)
    db.session.flush()
    _add_version(actor, template, data, now)
    record(actor, "certificate_template.create", template, now=now, org_id=org.id)
    return template


def save_version(actor, template: CertificateTemplate, data: TemplateData, *, provider: str,
                 now: datetime) -> CertificateTemplateVersion:
    """The next version of ``template``; earlier versions stay as they were."""
    _validate(template.kind, data)
    preview(template.org_id, template.kind, data, provider=provider)
    version = _add_version(actor, template, data, now)
    record(actor, "certificate_template.version", template, now=now, org_id=template.org_id,
           after={"version": version.number})
    return version


def _add_version(actor, template, data: TemplateData, now) -> CertificateTemplateVersion:
    _asset(template.org_id, data.logo_asset_id)
    _asset(template.org_id, data.signature_asset_id)
    number = (db.session.scalar(select(db.func.max(CertificateTemplateVersion.number)).where(
        CertificateTemplateVersion.template_id == template.id)) or 0) + 1
    version = CertificateTemplateVersion(
        template_id=template.id, number=number, html=data.html, css=data.css, page_size=data.page_size,
        signatory_name=data.signatory_name.strip()[:200], signatory_title=data.signatory_title.strip()[:200],
        logo_asset_id=data.logo_asset_id, signature_asset_id=data.signature_asset_id,
        created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(version)
    db.session.flush()
    db.session.expire(template, ["versions"])
    return version


def activate(actor, template: CertificateTemplate, *, active: bool, now: datetime) -> None:
    """Use this template for the provider's new certificates of its kind (one active per kind)."""
    if active:
        db.session.execute(update(CertificateTemplate).where(
            CertificateTemplate.org_id == template.org_id, CertificateTemplate.kind == template.kind,
            CertificateTemplate.id != template.id).values(is_active=False))
    template.is_active = active
    record(actor, "certificate_template.activate" if active else "certificate_template.deactivate", template,
           now=now, org_id=template.org_id)
    db.session.flush()


def upload_asset(org, kind: str, data: bytes, *, now: datetime) -> CertificateAsset:
    """Store a PNG or JPEG logo or signature (by content, so the same image is kept once)."""
    if kind not in ("logo", "signature"):
        raise CertificateError("Upload a logo or a signature.")
    if not data or len(data) > MAX_ASSET_BYTES:
        raise CertificateError("Upload an image of at most 2 MB.")
    content_type = next((t for magic, t in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if content_type is None:
        raise CertificateError("Upload the image as PNG or JPEG.")
    sha = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(CertificateAsset).where(CertificateAsset.org_id == org.id,
                                                                CertificateAsset.sha256 == sha))
    if existing is not None:
        return existing
    asset = CertificateAsset(org_id=org.id, kind=kind, sha256=sha, content_type=content_type, data=data,
                             created_at=now)
    db.session.add(asset)
    db.session.flush()
    return asset
