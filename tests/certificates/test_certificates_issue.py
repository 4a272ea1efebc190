"""Issuing, storing, superseding and revoking certificates; what their PDFs say."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.certificates import codes, services, storage
from lms.certificates.models import Certificate
from tests.certificates import pdftools
from tests.credits.conftest import NOW
from tests.factories import make_user


def pdf_of(certificate) -> bytes:
    return storage.path_for(certificate.sha256).read_bytes()


def test_the_pdf_says_who_what_how_much_when_and_its_code(issued):
    learner, info, claim, certificate = issued
    text = pdftools.text(pdf_of(certificate))
    assert "Priya Raman, MD" in text
    assert info.title in text
    assert "Northbridge CME Institute designates this enduring material for a maximum of 1.5 AMA PRA Category 1" in text
    assert "1.25 credits" in text
    assert "Completed 27 November 2026" in text
    assert certificate.code in text
    assert pdftools.embedded_files(pdf_of(certificate)) == []


def test_the_qr_code_points_at_the_public_verification_url(issued):
    *_, certificate = issued
    assert pdftools.qr_codes(pdf_of(certificate)) == [
        f"https://continuum.example.org/verify/{certificate.code}"]


def test_a_file_is_stored_under_its_hash_and_never_half_written(issued, app):
    *_, certificate = issued
    path = storage.path_for(certificate.sha256)
    assert path.name == f"{certificate.sha256}.pdf" and path.stat().st_size == certificate.size
    assert not list(path.parent.glob("*.tmp-*"))


def test_issuing_again_changes_nothing(issued):
    learner, info, _, certificate = issued
    again = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW)
    assert again.certificate.id == certificate.id and not again.created


def test_a_correction_issues_a_new_version_and_the_old_code_says_superseded(issued, db):
    from lms.credits import services as credits

    learner, info, claim, first = issued
    educator = make_user()
    credits.correct_claim(educator, claim, Decimal("1.5"), reason="Attendance recount", now=NOW)
    second = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW).certificate
    assert second.version == 2 and second.supersedes_id == first.id
    assert first.status == "superseded" and second.status == "valid"
    assert "1.5 credits" in pdftools.text(pdf_of(second))
    assert services.verification(first.code)["status"] == "superseded"
    assert services.verification(second.code)["status"] == "valid"


def test_a_name_change_issues_a_new_version(issued):
    learner, info, _, first = issued
    learner.last_name = "Raman-Iyer"
    second = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW).certificate
    assert second.version == 2 and "Priya Raman-Iyer, MD" in pdftools.text(pdf_of(second))


def test_revoking_the_credit_revokes_the_certificate_with_the_reason(issued):
    from lms.credits import services as credits

    learner, info, claim, certificate = issued
    credits.revoke_claim(make_user(), claim, reason="Did not attend", now=NOW)
    services.issue_credit_certificate(learner.id, "course", info.id, now=NOW)
    assert certificate.status == "revoked" and certificate.revoked_reason == "Did not attend"
    facts = services.verification(certificate.code.lower().replace("-", ""))
    assert facts["status"] == "revoked" and facts["holder"] == "Priya Raman, MD"


def test_unknown_codes_answer_with_the_same_keys(issued):
    *_, certificate = issued
    known, unknown = services.verification(certificate.code), services.verification(codes.new_code())
    assert known.keys() == unknown.keys() and unknown["status"] == "unknown"
    assert all(v is None for k, v in unknown.items() if k != "status")


def test_codes_have_130_bits_a_check_symbol_and_forgive_look_alikes():
    code = codes.new_code()
    plain = codes.normalise(code)
    assert len(plain) == 27 and codes.is_well_formed(plain)
    assert not set(plain[:-1]) & set("ILOU")
    assert codes.code_hash(code.lower()) == codes.code_hash(plain)
    tampered = plain[:5] + ("0" if plain[5] != "0" else "1") + plain[6:]
    assert not codes.is_well_formed(tampered)
    assert codes.normalise("io-l") == "101"


def test_a_failed_render_leaves_no_file_and_no_row_and_a_retry_issues(issued, monkeypatch, db):
    from lms.certificates import pdf as certificate_pdf
    from lms.certificates.renderer import RenderFailed

    learner, info, _, first = issued
    learner.first_name = "Pria"
    files_before = set(storage.directory().iterdir())

    def broken(job):
        raise RenderFailed("boom")

    monkeypatch.setattr(certificate_pdf, "render", broken)
    with pytest.raises(RenderFailed):
        services.issue_credit_certificate(learner.id, "course", info.id, now=NOW)
    assert set(storage.directory().iterdir()) == files_before
    assert db.session.query(Certificate).filter_by(learner_id=learner.id).count() == 1
    monkeypatch.undo()
    retried = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW).certificate
    assert retried.version == 2


def test_a_lost_race_keeps_one_certificate(issued, db, monkeypatch):
    """Two jobs for the same change: the unique series constraint lets one issue."""
    learner, info, _, first = issued
    learner.first_name = "Priyanka"
    winner = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW).certificate
    real = services.current_certificate
    monkeypatch.setattr(services, "current_certificate", lambda *a: first if a[1] == "credit" else real(*a))
    loser = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW)
    assert not loser.created
    assert db.session.query(Certificate).filter_by(learner_id=learner.id, version=2).count() == 1
    assert winner.id


@pytest.mark.parametrize("size", ["Letter", "A4"])
def test_default_design_renders_landscape_letter_and_a4(size, app):
    import io

    from pypdf import PdfReader

    from lms.certificates import designs
    from lms.certificates import pdf as certificate_pdf

    with app.app_context():
        data = certificate_pdf.render(certificate_pdf.build_job(designs.sample_snapshot("credit", page_size=size)))
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    width, height = float(box.width), float(box.height)
    expected = (792, 612) if size == "Letter" else (841.9, 595.3)
    assert width > height and abs(width - expected[0]) < 1 and abs(height - expected[1]) < 1
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
