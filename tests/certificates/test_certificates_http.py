"""Certificates through HTTP: downloads served from storage, verification, bulk ZIP."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from lms.credits import services as credits
from tests.certificates.pdftools import text as pdf_text
from tests.credits.conftest import NOW
from tests.factories import make_member, make_user


def test_downloading_twice_returns_identical_bytes_from_storage(issued, client, monkeypatch):
    learner, info, claim, certificate = issued
    client.login(learner)
    first = client.get(f"/certificates/{certificate.id}/download")
    # Rendering is not on the download path: a broken renderer changes nothing.
    monkeypatch.setattr("lms.certificates.pdf.render", lambda job: (_ for _ in ()).throw(AssertionError("render")))
    second = client.get(f"/certificates/{certificate.id}/download")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and first.data.startswith(b"%PDF")
    assert second.headers["ETag"].strip('"') == certificate.sha256
    assert "attachment" in second.headers["Content-Disposition"]
    again = client.get(f"/certificates/{certificate.id}/download", headers={"If-None-Match": f'"{certificate.sha256}"'})
    assert again.status_code == 304


def test_another_learners_certificate_is_404(issued, make_client):
    learner, info, claim, certificate = issued
    intruder = make_client().login(make_user())
    for path in (f"/certificates/{certificate.id}", f"/certificates/{certificate.id}/download",
                 f"/certificates/{certificate.id}/badge.json"):
        assert intruder.get(path).status_code == 404, path


def test_the_public_verification_page_and_json(issued, make_client):
    learner, info, claim, certificate = issued
    anonymous = make_client()
    code = certificate.code
    page = anonymous.get(f"/verify/{code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Priya Raman" in text and info.title in text and "Valid" in text and "1.25" in text
    assert learner.email not in text
    facts = anonymous.get(f"/verify/{code.lower().replace('-', '')}.json").json
    assert facts["status"] == "valid" and facts["holder"].startswith("Priya Raman")
    unknown = anonymous.get("/verify/AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG0.json")
    assert unknown.status_code == 404 and set(unknown.json) == set(facts)
    assert all(value is None for key, value in unknown.json.items() if key != "status")


def test_a_revoked_certificate_verifies_as_revoked_with_its_reason(issued, make_client, db):
    learner, info, claim, certificate = issued
    educator = make_user()
    credits.revoke_claim(educator, claim, reason="Attendance could not be verified", now=NOW)
    from lms.certificates import services

    services.issue_credit_certificate(learner.id, "course", info.id, now=NOW)
    db.session.flush()
    facts = make_client().get(f"/verify/{certificate.code}.json").json
    assert facts["status"] == "revoked"


def test_verification_is_rate_limited(issued, make_client, app):
    learner, info, claim, certificate = issued
    app.config["CERTIFICATE_VERIFY_LIMIT"] = "5 per minute"
    try:
        browser = make_client()
        statuses = [browser.get(f"/verify/{certificate.code}.json").status_code for _ in range(7)]
    finally:
        app.config["CERTIFICATE_VERIFY_LIMIT"] = "60 per minute"
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]


def test_educator_downloads_every_certificate_of_an_activity_as_one_zip(issued, acts, make_client, db):
    learner, info, claim, certificate = issued
    from lms.certificates import services
    from lms.orgs.models import Organisation

    second = make_user(first_name="Omar", last_name="Haddad", profession="physician_do")
    acts.complete(second, info)
    credits.claim_credit(second, "course", info.id, "ama_pra_1", Decimal("1.5"), attested=True, now=NOW)
    services.issue_credit_certificate(second.id, "course", info.id, now=NOW)
    db.session.flush()
    org = db.session.get(Organisation, info.provider_org_id)
    educator = make_client().login(make_member(org, role="educator").user)
    response = educator.get(f"/certificates/activities/course/{info.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    texts = [pdf_text(archive.read(name)) for name in archive.namelist()]
    assert len(texts) == 2 and any("Omar Haddad" in t for t in texts) and any("Priya Raman" in t for t in texts)
    assert all(not name.startswith(("/", "..")) for name in archive.namelist())


def test_a_certificate_of_attendance_states_the_minutes_attended(make_client, db):
    from datetime import timedelta

    from lms.types import utcnow
    from meetings.models import AttendanceInterval
    from tests.factories import make_meeting, make_org
    from tests.certificates.pdftools import text

    org = make_org(name="Riverside Family Practice")
    manager = make_member(org, role="manager").user
    nurse = make_member(org, make_user(first_name="Nora", last_name="Lindqvist", credentials="RN",
                                       profession="nurse")).user
    start = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    meeting = make_meeting(org, manager, title="Fire safety refresher", category="training", starts_at=start,
                           minutes=60, invitees=[nurse])
    db.session.add(AttendanceInterval(meeting_id=meeting.id, user_id=nurse.id, display_name="Nora",
                                      joined_at=start + timedelta(minutes=5), left_at=start + timedelta(minutes=50),
                                      evidence="verified", source="webhook"))
    db.session.flush()
    browser = make_client().login(nurse)
    assert browser.get(f"/certificates/attendance/{meeting.id}").status_code == 200
    response = browser.post(f"/certificates/attendance/{meeting.id}")
    assert response.status_code == 302
    response = browser.get(response.location)  # issued once the request committed: the page sends you on
    assert response.status_code == 302
    certificate_path = response.location
    page = browser.get(certificate_path)
    assert page.status_code == 200
    certificate_id = int(certificate_path.rstrip("/").rsplit("/", 1)[1])
    pdf = browser.get(f"/certificates/{certificate_id}/download").data
    content = text(pdf)
    assert "Nora Lindqvist" in content and "Fire safety refresher" in content and "45 minutes attended" in content
    # Someone who was not there cannot get one.
    absentee = make_client().login(make_member(org).user)
    assert absentee.post(f"/certificates/attendance/{meeting.id}").status_code == 404
