"""Uploads served sandboxed with their sniffed type; bidi controls gone from names, exports and
download names; one mailbox one account; one NPI one person."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.exc import IntegrityError

from lms.extensions import db as _db
from lms.text import clean_text, normalise_email, output_text, safe_filename
from tests.factories import make_user

RLO = "\u202e"


@pytest.mark.parametrize("typed, stored", [
    ("ａdmin@example.com", "admin@example.com"), ("admin@ｅxample.com", "admin@example.com"),
    ("  Admin@Example.COM ", "admin@example.com"), ("nia@Bücher.example", "nia@xn--bcher-kva.example"),
    ("ad\u202emin@example.com", "admin@example.com"), ("admin@example.com.", "admin@example.com"),
    ("not an email", "not an email"), ("", ""),
])
def test_emails_are_normalised_to_one_spelling(typed, stored):
    assert normalise_email(typed) == stored


def test_text_loses_bidi_and_control_characters_but_keeps_lines():
    assert clean_text(f"Dr {RLO}Evil\u2066x\u2069\x07\nline\ttab") == "Dr Evilx\nline\ttab"
    assert output_text(f"a{RLO}b") == "ab"
    assert safe_filename(f"invoice{RLO}fdp.exe") == "invoicefdp.exe"
    assert safe_filename('../../etc/"passwd"\r\n') == "passwd"
    assert safe_filename(f"{RLO}") == "download"
    assert len(safe_filename("a" * 400 + ".pdf")) <= 150 and safe_filename("a" * 400 + ".pdf").endswith(".pdf")


def register(client, email):
    return client.post("/auth/register", {"email": email, "password": "a sturdy passphrase for tests 42",
                                          "confirm": "a sturdy passphrase for tests 42", "first_name": "Nia",
                                          "last_name": "Okafor", "profession": "physician_md", "accept": "y"})


@pytest.mark.parametrize("lookalike", ["ａdmin@example.com", "admin@ｅxample.com", "ADMIN@EXAMPLE.COM"])
def test_a_lookalike_email_cannot_register_a_second_account(client, db, lookalike):
    from lms.users.models import User

    make_user(email="admin@example.com")
    response = register(client, lookalike)
    assert response.status_code == 422
    assert _db.session.query(User).filter(User.email.like("%dmin@%")).count() == 1


def test_a_registered_email_is_stored_normalised(client, db):
    from lms.users.models import User

    response = register(client, "Nia@Bücher.Example")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _db.session.query(User).filter_by(email="nia@xn--bcher-kva.example").count() == 1


def profile_data(**overrides):
    return {"first_name": "Nia", "last_name": "Okafor", "credentials": "MD", "profession": "physician_md",
            "npi": "", "nabp_eprofile_id": "", "birth_month": "", "birth_day": "", "timezone": "UTC",
            **overrides}


def test_names_typed_with_bidi_controls_are_stored_without_them(client, db):
    user = make_user()
    response = client.login(user).post("/profile", profile_data(first_name=f"Nia{RLO}", last_name=f"{RLO}rafokO"))
    assert response.status_code == 302
    _db.session.refresh(user)
    assert user.first_name == "Nia" and user.last_name == "rafokO"


def test_a_stored_bidi_control_is_never_printed(client, db):
    user = make_user(first_name=f"Evil{RLO}", last_name=f"{RLO}gpj.exe")  # stored before the rule
    page = client.login(user).get("/profile").get_data(as_text=True)
    assert RLO not in page and "Evil" in page


def test_csv_exports_lose_bidi_controls():
    from lms.csvexport import csv_text

    rows = list(csv.reader(io.StringIO(csv_text(["name"], [[f"Dr {RLO}live"], [f"={RLO}1+1"]]))))
    assert rows == [["name"], ["Dr live"], ["'=1+1"]]


def test_certificate_snapshots_lose_bidi_controls(db):
    from lms.certificates.services import _learner

    assert RLO not in str(_learner(make_user(first_name=f"Nia{RLO}", last_name="Okafor")))


VALID_NPI, OTHER_NPI = "1234567893", "1245319599"


def test_an_npi_on_another_account_is_refused(client, db):
    make_user(npi=VALID_NPI)
    user = make_user()
    response = client.login(user).post("/profile", profile_data(npi=VALID_NPI))
    assert response.status_code == 422
    assert "already on another account" in response.get_data(as_text=True)
    _db.session.refresh(user)
    assert user.npi is None
    assert client.post("/profile", profile_data(npi=OTHER_NPI)).status_code == 302


def test_the_database_refuses_a_shared_npi(db):
    make_user(npi=VALID_NPI)
    with pytest.raises(IntegrityError):
        with _db.session.begin_nested():
            make_user(npi=VALID_NPI)


@pytest.fixture
def external_upload(client, db):
    learner = make_user()
    client.login(learner)

    def upload(content: bytes, filename: str):
        response = client.post("/credits/external", {
            "provider_name": "ACP", "activity_title": "Annual meeting", "activity_date": "2026-10-01",
            "credit_type_code": "ama_pra_1", "amount": "3", "certificate": (io.BytesIO(content), filename)},
            content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        from lms.credits.models import ExternalCredit

        return _db.session.scalars(_db.select(ExternalCredit).where(ExternalCredit.learner_id == learner.id)
                                   .order_by(ExternalCredit.id.desc())).first()
    return upload


@pytest.mark.parametrize("content, filename, mimetype, name", [
    (b"%PDF-1.7\n", f"report{RLO}lmth.pdf", "application/pdf", "reportlmth.pdf"),
    (b"%PDF-1.7\n", "page.html", "application/pdf", "page.pdf"),
    (b"\x89PNG\r\n\x1a\n....", "scan.svg", "image/png", "scan.png"),
    (b"\xff\xd8\xff\xe0....", "photo", "image/jpeg", "photo.jpg"),
])
def test_an_external_certificate_is_served_with_its_sniffed_type_sandboxed(client, external_upload, content, filename,
                                                                           mimetype, name):
    record = external_upload(content, filename)
    response = client.get(f"/credits/external/{record.id}/certificate")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and name in disposition and RLO not in disposition
    assert "%E2%80%AE" not in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_stored_file_that_is_not_an_allowed_type_is_served_opaque(client, external_upload, app):
    from pathlib import Path

    record = external_upload(b"%PDF-1.7\n", "cert.pdf")
    (Path(app.config["UPLOAD_DIR"]) / "external" / record.certificate_path).write_bytes(b"<html><script>alert(1)</script>")
    response = client.get(f"/credits/external/{record.id}/certificate")
    assert response.mimetype == "application/octet-stream"
    assert "sandbox" in response.headers["Content-Security-Policy"]
