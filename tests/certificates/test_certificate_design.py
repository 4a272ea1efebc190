"""The certificate design editor: images checked by content and size, the accent colour checked for
contrast, a live preview of the real certificate, and designs that never change an issued certificate."""

from __future__ import annotations

import io
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.certificates import pdftools
from tests.credits.conftest import NOW
from tests.credits.conftest import acts  # noqa: F401  (the stand-in activity provider)
from tests.factories import make_member, make_org, make_user

IMAGES = Path(__file__).resolve().parent.parent / "data" / "certificate_images"


def image(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


def huge_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming ``width`` x ``height`` pixels (a decompression bomb's opening)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.fixture
def provider(db):
    org = make_org(name="Northbridge CME Institute", kind="provider", is_accredited_provider=True)
    educator = make_user(first_name="Eve", last_name="Educator")
    make_member(org, educator, role="educator")
    return org, educator


def form(**overrides) -> dict:
    data = {"name": "CME credit 2027", "kind": "credit", "page_size": "Letter", "fonts": "garamond",
            "accent": "#1f4e79", "signatory_name": "Helen Okafor, MD",
            "signatory_title": "Director of Continuing Medical Education"}
    data.update(overrides)
    return data


def files(**named) -> dict:
    return {key: (io.BytesIO(value), f"{key}.png") for key, value in named.items()}


def test_an_educator_designs_a_certificate_with_logo_seal_and_signature(provider, make_client, db):
    from lms.certificates.models import CertificateTemplate

    org, educator = provider
    browser = make_client().login(educator)
    page = browser.get(f"/certificates/design/org/{org.id}?kind=credit")
    assert page.status_code == 200 and "Design a certificate" in page.text
    response = browser.post(f"/certificates/design/org/{org.id}", data={
        **form(), **files(logo=image("logo.png"), seal=image("seal.png"), signature=image("signature.jpg"))},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    template = db.session.scalar(select(CertificateTemplate).where(CertificateTemplate.org_id == org.id))
    version = template.latest
    assert version.design == {"fonts": "garamond", "accent": "#1f4e79"}
    assert version.logo.content_type == "image/png" and version.seal.kind == "seal"
    assert version.signature.content_type == "image/jpeg"
    assert version.signatory_name == "Helen Okafor, MD"
    assert '"EB Garamond"' in version.css and "--accent: #1f4e79" in version.css
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200 and "The current seal" in page.text


def test_the_preview_is_the_real_certificate_as_an_image(provider, make_client):
    org, educator = provider
    browser = make_client().login(educator)
    response = browser.post(f"/certificates/design/org/{org.id}/preview",
                            data={**form(fonts="baskerville"), **files(seal=image("seal.png"))},
                            content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'src="data:image/png;base64,' in response.text
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("bad, message", [
    (b"GIF89a" + b"\x00" * 100, "PNG or JPEG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "damaged"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024 + 10), "at most 2 MB"),
    (huge_png(30000, 30000), "too large"),
])
def test_bad_images_are_refused_with_the_reason(provider, make_client, db, bad, message):
    from lms.certificates.models import CertificateAsset, CertificateTemplate

    org, educator = provider
    browser = make_client().login(educator)
    response = browser.post(f"/certificates/design/org/{org.id}", data={**form(), **files(logo=bad)},
                            content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(select(CertificateTemplate).where(CertificateTemplate.org_id == org.id)) is None
    assert db.session.scalar(select(CertificateAsset).where(CertificateAsset.org_id == org.id)) is None
    preview = browser.post(f"/certificates/design/org/{org.id}/preview", data={**form(), **files(seal=bad)},
                           content_type="multipart/form-data")
    assert preview.status_code == 422 and message in preview.text


@pytest.mark.parametrize("accent, message", [("#ffd700", "too light"), ("#a0c4ff", "too light"),
                                             ("red", "six hexadecimal digits"), ("#12345g", "six hexadecimal")])
def test_an_accent_colour_too_light_to_read_is_refused(provider, make_client, accent, message):
    org, educator = provider
    browser = make_client().login(educator)
    response = browser.post(f"/certificates/design/org/{org.id}", data=form(accent=accent),
                            content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.text


def test_contrast_ratio_matches_wcag():
    from lms.certificates.designs import contrast

    assert round(contrast("#000000"), 1) == 21.0
    assert round(contrast("#767676"), 2) == 4.54  # the lightest grey that passes AA on white
    assert contrast("#777777") < 4.5


def test_another_organisations_manager_cannot_design_or_use_our_images(provider, make_client, db):
    from lms.certificates import designs

    org, educator = provider
    seal = designs.upload_asset(org, "seal", image("seal.png"), now=NOW)
    other = make_org(name="Elsewhere Clinic")
    stranger = make_user(first_name="Sam", last_name="Stranger")
    make_member(other, stranger, role="manager")
    browser = make_client().login(stranger)
    assert browser.get(f"/certificates/design/org/{org.id}").status_code == 404
    assert browser.post(f"/certificates/design/org/{org.id}", data=form(),
                        content_type="multipart/form-data").status_code == 404
    # Naming another organisation's stored image in one's own design is refused too.
    response = browser.post(f"/certificates/design/org/{other.id}", data=form(seal_asset_id=str(seal.id)),
                            content_type="multipart/form-data")
    assert response.status_code == 422 and "does not belong to this organisation" in response.text


def test_an_issued_certificate_keeps_the_design_it_was_issued_with(provider, acts, db, make_client):  # noqa: F811
    """Saving a new design adds a version; the issued certificate still names the old one, whose
    content is unchanged, and its stored PDF is served byte for byte as issued."""
    from lms.certificates import designs, services, storage
    from lms.credits import services as credits

    org, educator = provider
    data = designs.DesignData(page_size="Letter", fonts="garamond", accent="#1f4e79", signatory_name="Helen Okafor",
                              images={"seal": designs.Image(data=image("seal.png"))})
    first = designs.save_design(educator, org, template=None, kind="credit", name="Ours", data=data, now=NOW)
    designs.activate(educator, first.template, active=True, now=NOW)
    learner = make_user(first_name="Priya", last_name="Raman", credentials="MD", profession="physician_md")
    info = acts.add(org=org, designations={"ama_pra_1": Decimal("1.5")})
    acts.complete(learner, info)
    credits.claim_credit(learner, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=NOW)
    certificate = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW).certificate
    assert certificate.template_version_id == first.id
    assert certificate.template_ref == f"template:{first.template_id}/v1"
    issued_pdf = storage.path_for(certificate.sha256).read_bytes()
    assert "Helen Okafor" in pdftools.text(issued_pdf)
    before = (first.html, first.css, first.seal_asset_id, dict(first.design), first.signatory_name)

    second = designs.save_design(educator, org, template=first.template, kind="credit", name="", now=NOW,
                                 data=designs.DesignData(page_size="A4", fonts="sans", accent="#7a1f2b",
                                                         signatory_name="Someone Else"))
    db.session.flush()
    db.session.expire_all()
    assert second.number == 2 and second.id != first.id
    first_again = db.session.get(type(first), first.id)
    assert (first_again.html, first_again.css, first_again.seal_asset_id, first_again.design,
            first_again.signatory_name) == before
    again = db.session.get(type(certificate), certificate.id)
    assert again.template_version_id == first.id and again.status == "valid"
    browser = make_client().login(learner)
    assert browser.get(f"/certificates/{certificate.id}/download").data == issued_pdf
    # Issuing the same content again does nothing: the certificate is not re-rendered in the new design.
    assert services.issue_credit_certificate(learner.id, "course", info.id, now=NOW).created is False


def test_the_database_refuses_to_change_a_template_version(provider, db):
    from lms.certificates import designs

    org, educator = provider
    version = designs.save_design(educator, org, template=None, kind="credit", name="Ours", now=NOW,
                                  data=designs.DesignData(page_size="Letter", fonts="garamond", accent="#1f4e79"))
    db.session.flush()
    with pytest.raises((DBAPIError, IntegrityError)):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE certificate_template_version SET css = '' WHERE id = :id"),
                               {"id": version.id})
    with pytest.raises((DBAPIError, IntegrityError)):
        with db.session.begin_nested():
            db.session.execute(text("DELETE FROM certificate_template_version WHERE id = :id"), {"id": version.id})


def test_the_verification_code_never_breaks_and_the_qr_code_reads(provider, db, app):
    """The address ends before the code, and the code stays on one line; the QR code decodes to the URL."""
    from lms.certificates import designs, pdf
    from lms.certificates.renderer import render_in_process

    snapshot = designs.sample_snapshot("credit")
    snapshot["provider"]["name"] = "A provider with a very long name indeed " * 3
    job = pdf.build_job(snapshot, css=pdf.builtin("default.css") + designs.design_css(
        {"fonts": "baskerville", "accent": "#0f5e5a"}))
    data = render_in_process(job)
    lines = [line.strip() for line in pdftools.text_lines(data)]
    assert designs.SAMPLE_CODE in lines
    assert pdftools.qr_codes(data) == [snapshot["verify_url"]]
