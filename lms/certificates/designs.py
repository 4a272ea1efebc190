"""Provider-customised certificate templates: versions, uploads, activation and previews.

Educators write HTML and CSS for a sandboxed Jinja environment that receives plain values
only (the same ``snapshot`` every issued certificate records). Saving never edits a version:
it adds the next one, so each issued certificate names the exact version that made it.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
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
MAX_IMAGE_SIDE = 4000  # pixels; a larger image is refused before it is decoded
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
ASSET_KINDS = {"logo": "Logo", "seal": "Seal", "signature": "Signature"}

# The font pairs a design may use: heading face, text face. Each is an OFL family shipped in
# static/fonts and declared in the built-in certificate CSS.
FONT_PAIRS = {
    "garamond": ("Classic: EB Garamond with Source Sans 3", "EB Garamond", "Source Sans 3"),
    "baskerville": ("Traditional: Libre Baskerville with Lato", "Libre Baskerville", "Lato"),
    "sans": ("Modern: Source Sans 3 throughout", "Source Sans 3", "Source Sans 3"),
}
ACCENTS = {"#1f4e79": "Navy", "#0f5e5a": "Teal", "#7a1f2b": "Burgundy", "#2f4f2f": "Forest", "#3b3b3b": "Charcoal"}
DEFAULT_DESIGN = {"fonts": "garamond", "accent": "#1f4e79"}
MIN_CONTRAST = 4.5  # the accent colours headings and credit amounts on white paper (WCAG AA for text)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class TemplateData:
    html: str
    css: str
    page_size: str
    signatory_name: str = ""
    signatory_title: str = ""
    logo_asset_id: int | None = None
    signature_asset_id: int | None = None
    seal_asset_id: int | None = None
    design: dict | None = None


@dataclass(frozen=True)
class Image:
    """An image for a design: a stored asset, or the bytes of a new upload (checked before use)."""

    asset_id: int | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class DesignData:
    """What the design editor sends: no HTML, only choices and images."""

    page_size: str
    fonts: str
    accent: str
    signatory_name: str = ""
    signatory_title: str = ""
    images: dict = field(default_factory=dict)  # "logo" / "seal" / "signature" -> Image


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(first: str, second: str = "#ffffff") -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def check_accent(accent: str) -> str:
    if not _HEX.match(accent or ""):
        raise CertificateError("Give the accent colour as six hexadecimal digits, like #1f4e79.")
    ratio = contrast(accent)
    if ratio < MIN_CONTRAST:
        raise CertificateError(f"That accent colour is too light to read on white paper (contrast {ratio:.1f}:1; "
                               f"it needs at least {MIN_CONTRAST}:1). Choose a darker shade.")
    return accent.lower()


def _mix_with_white(hex_colour: str, share: float) -> str:
    rgb = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * share + 255 * (1 - share)):02x}" for c in rgb)


def design_css(design: dict) -> str:
    """The CSS a design adds to the built-in sheet: its fonts and accent colour, as :root variables."""
    _, heading, text = FONT_PAIRS[design["fonts"]]
    serif = "serif" if heading != text else "sans-serif"
    return (f'\n/* design: {design["fonts"]}, {design["accent"]} */\n'
            f':root {{ --accent: {design["accent"]}; --rule: {_mix_with_white(design["accent"], 0.38)}; '
            f'--heading: "{heading}", "DejaVu {"Serif" if serif == "serif" else "Sans"}", {serif}; '
            f'--text: "{text}", "DejaVu Sans", sans-serif; }}\n')


def check_image(data: bytes) -> str:
    """The content type of an uploaded PNG or JPEG, judged by its content; refuses anything else."""
    if not data:
        raise CertificateError("The image file is empty.")
    if len(data) > MAX_ASSET_BYTES:
        raise CertificateError("Upload an image of at most 2 MB.")
    content_type = next((t for magic, t in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if content_type is None:
        raise CertificateError("Upload the image as PNG or JPEG.")
    from PIL import Image as PILImage, UnidentifiedImageError

    try:
        with PILImage.open(io.BytesIO(data)) as image:
            if max(image.size) > MAX_IMAGE_SIDE:
                raise CertificateError(f"The image is too large: keep it under {MAX_IMAGE_SIDE} pixels a side.")
            if image.format not in ("PNG", "JPEG"):
                raise CertificateError("Upload the image as PNG or JPEG.")
            image.verify()
    except CertificateError:
        raise
    except PILImage.DecompressionBombError:
        raise CertificateError(f"The image is too large: keep it under {MAX_IMAGE_SIDE} pixels a side.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise CertificateError("The image file is damaged or not really a PNG or JPEG.") from None
    return content_type


def _sample_statement(provider: str) -> list:
    return statements.designation("ama_pra_1", provider=provider, format_name="enduring material",
                                  amount=Decimal("1.5"))


SAMPLE_CODE = "SAMP-LE00-0000-0000-0000-0000-00"


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
        "code": SAMPLE_CODE, "verify_url": "https://continuum.example.org/verify/" + SAMPLE_CODE,
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
    images = {}
    for name, asset_id in (("logo", data.logo_asset_id), ("signature", data.signature_asset_id),
                           ("seal", data.seal_asset_id)):
        asset = _asset(org_id, asset_id)
        if asset is not None:
            images[name] = (asset.content_type, asset.data)
    job = certificate_pdf.build_job(snapshot, html=data.html, css=data.css, **images)
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
    for asset_id in (data.logo_asset_id, data.signature_asset_id, data.seal_asset_id):
        _asset(template.org_id, asset_id)
    number = (db.session.scalar(select(db.func.max(CertificateTemplateVersion.number)).where(
        CertificateTemplateVersion.template_id == template.id)) or 0) + 1
    version = CertificateTemplateVersion(
        template_id=template.id, number=number, html=data.html, css=data.css, page_size=data.page_size,
        signatory_name=data.signatory_name.strip()[:200], signatory_title=data.signatory_title.strip()[:200],
        logo_asset_id=data.logo_asset_id, signature_asset_id=data.signature_asset_id,
        seal_asset_id=data.seal_asset_id, design=data.design,
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
    """Store a PNG or JPEG logo, seal or signature (by content, so the same image is kept once)."""
    if kind not in ASSET_KINDS:
        raise CertificateError("Upload a logo, a seal or a signature.")
    content_type = check_image(data)
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


# --- the design editor: choices and images, no Jinja ----------------------------------------------

def current_design(template: CertificateTemplate | None) -> dict:
    version = template.latest if template else None
    return dict(version.design) if version is not None and version.design else dict(DEFAULT_DESIGN)


def _check_design(data: DesignData) -> dict:
    if data.fonts not in FONT_PAIRS:
        raise CertificateError("Choose one of the font pairs.")
    if data.page_size not in PAGE_SIZES:
        raise CertificateError("Choose a page size.")
    return {"fonts": data.fonts, "accent": check_accent(data.accent)}


def _design_source(design: dict) -> tuple[str, str]:
    return certificate_pdf.builtin("default.html"), certificate_pdf.builtin("default.css") + design_css(design)


def preview_design(org_id: int, kind: str, data: DesignData, *, provider: str) -> bytes:
    """The sample certificate the design would make, as PNG: the real PDF rendered, then rasterised.

    New uploads are checked and used from memory; nothing is stored.
    """
    design = _check_design(data)
    html, css = _design_source(design)
    snapshot = sample_snapshot(kind if kind in KINDS else "credit", provider=provider, page_size=data.page_size)
    snapshot["signatory"] = {"name": data.signatory_name.strip()[:200], "title": data.signatory_title.strip()[:200]}
    images = {}
    for name, image in data.images.items():
        if image.data is not None:
            images[name] = (check_image(image.data), image.data)
        elif image.asset_id is not None:
            asset = _asset(org_id, image.asset_id)
            images[name] = (asset.content_type, asset.data)
    try:
        pdf = certificate_pdf.render(certificate_pdf.build_job(snapshot, html=html, css=css, **images))
    except RenderFailed as exc:
        raise CertificateError(f"The design does not render: {exc}") from None
    return certificate_pdf.to_png(pdf)


def save_design(actor, org, *, template: CertificateTemplate | None, kind: str, name: str, data: DesignData,
                now: datetime) -> CertificateTemplateVersion:
    """Save the design as the next version of ``template`` (or as a new template's first version).

    The version stores the HTML and CSS the design produced, its images and choices; certificates
    issued earlier keep naming the version that made them, which the database never lets change.
    """
    design = _check_design(data)
    if template is None and kind not in KINDS:
        raise CertificateError("Choose the kind of certificate.")
    asset_ids = {}
    for asset_kind, image in data.images.items():
        if asset_kind not in ASSET_KINDS:
            continue
        if image.data is not None:
            asset_ids[asset_kind] = upload_asset(org, asset_kind, image.data, now=now).id
        elif image.asset_id is not None:
            asset_ids[asset_kind] = _asset(org.id, image.asset_id).id
    html, css = _design_source(design)
    source = TemplateData(html=html, css=css, page_size=data.page_size, signatory_name=data.signatory_name,
                          signatory_title=data.signatory_title, logo_asset_id=asset_ids.get("logo"),
                          signature_asset_id=asset_ids.get("signature"), seal_asset_id=asset_ids.get("seal"),
                          design=design)
    if template is None:
        template = create_template(actor, org, kind=kind, name=name, data=source, now=now)
        return template.latest
    if name.strip():
        template.name = name.strip()[:120]
    return save_version(actor, template, source, provider=org.name, now=now)
