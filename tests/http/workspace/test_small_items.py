"""The small things that made people hunt or retype: the roster template and its human words, the
manager not offered as their own leaver, demo `.test` addresses in forgot-password, evaluation errors
shown once, the meeting form's defaults."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.factories import make_course, make_member, make_org, make_user


@pytest.fixture
def practice(db):
    org = make_org(name="Riverside")
    manager = make_member(org, make_user(first_name="Marcus", last_name="Manager"), role="manager").user
    nurse = make_member(org, make_user(first_name="Nia", last_name="Nurse"))
    return org, manager, nurse


def _upload(client, org, data: bytes):
    return client.post(f"/training/orgs/{org.id}/roster", {"file": (io.BytesIO(data), "staff.csv")},
                       content_type="multipart/form-data")


def test_the_roster_template_imports_cleanly_and_the_instructions_use_words(practice, client, db):
    org, manager, _ = practice
    client.login(manager)
    page = client.get(f"/training/orgs/{org.id}/roster").get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", page)  # option values may be codes; the words people read may not
    assert "physician_md" not in visible and "“Physician (MD)”" in visible
    template = client.get(f"/training/orgs/{org.id}/roster/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    body = template.get_data(as_text=True).lstrip("\ufeff")
    assert body.splitlines()[0] == "name,email,role,team,profession,job title"
    assert "_" not in body.splitlines()[1]  # human words, no codes
    preview = client.get(_upload(client, org, template.get_data()).headers["Location"])
    assert preview.status_code == 200
    from lms.training.models import RosterImport

    imp = db.session.scalar(select(RosterImport).order_by(RosterImport.id.desc()))
    assert imp.errors == [] and len(imp.rows) == 2


def test_the_manager_is_never_offered_as_their_own_leaver(practice, client, db):
    org, manager, nurse = practice
    client.login(manager)
    data = b"name,email\nSomeone New,new.person@example.org\n"
    preview = client.get(_upload(client, org, data).headers["Location"]).get_data(as_text=True)
    assert "On the staff list but not in this file" in preview
    leavers = preview[preview.index("On the staff list but not in this file"):]
    leavers = leavers[:leavers.index("</form>")]
    assert "Nia Nurse" in leavers and "Marcus Manager" not in leavers


@pytest.mark.parametrize("env,accepted", [("development", True), ("production", False)])
def test_forgot_password_accepts_demo_test_addresses_in_development_only(app, client, env, accepted, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", env)
    response = client.post("/auth/password/forgot", {"email": "physician@demo.continuum.test"})
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert "Invalid email address." in response.get_data(as_text=True)


def test_forgot_password_still_refuses_what_is_not_an_address(client):
    for bad in ("not-an-address", "a@b", "<script>@x.test"):
        response = client.post("/auth/password/forgot", {"email": bad})
        assert response.status_code != 302, bad


def test_evaluation_errors_are_shown_once(db, client):
    from courses.models import Enrolment
    from lms.types import utcnow
    from tests.factories import complete_course

    course = make_course()
    learner = make_user()
    complete_course(learner, course).disclosures_seen_at = utcnow()
    db.session.flush()
    client.login(learner)
    response = client.post(f"/courses/{course.id}/evaluation", {})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.findall(r'class="invalid-feedback d-block">([^<]+)<', page)
    assert errors, "the refused evaluation names what is missing"
    assert 'class="alert alert-danger alert-dismissible' not in page  # no flashed copy of the same errors
    assert db.session.scalar(select(Enrolment.evaluation_submitted_at).where(Enrolment.user_id == learner.id)) is None


@pytest.mark.parametrize("now,tz,expected", [
    (datetime(2026, 12, 3, 5, 30, tzinfo=timezone.utc), "America/New_York", datetime(2026, 12, 3, 9)),  # 00:30 there
    (datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc), "Europe/London", datetime(2026, 12, 7, 9)),  # Friday
    (datetime(2026, 12, 5, 23, 0, tzinfo=timezone.utc), "Asia/Tokyo", datetime(2026, 12, 7, 9)),  # Sunday there
    (datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc), "Not/AZone", datetime(2026, 12, 4, 9)),
])
def test_a_new_meeting_starts_by_default_at_nine_on_the_next_working_day(now, tz, expected):
    from meetings.form_defaults import default_start

    assert default_start(now, tz) == expected


def test_the_meeting_form_hides_credit_until_an_accredited_education_meeting(practice, client):
    org, manager, _ = practice
    client.login(manager)
    page = client.get(f"/meetings/orgs/{org.id}/new").get_data(as_text=True)
    assert 'data-show-when="category=education"' in page and 'data-show-when="is_accredited=y"' in page
    assert 'type="checkbox" name="invitee_ids"' in page and "multiple" not in page.split("invitee_ids")[0][-200:]
    assert re.search(r'id="start"[^>]*value="\d{4}-\d\d-\d\dT09:00"', page)


def test_a_new_account_takes_the_browsers_time_zone_and_ignores_a_made_up_one(client, db):
    from lms.users.models import User

    form = {"first_name": "Kai", "last_name": "Tanaka", "profession": "nurse",
            "password": "a long and memorable passphrase 42", "confirm": "a long and memorable passphrase 42"}
    for email, zone, expected in (("kai@example.org", "America/Chicago", "America/Chicago"),
                                  ("kim@example.org", "Mars/Olympus_Mons", "UTC"), ("ken@example.org", "", "UTC")):
        response = client.post("/auth/register", {**form, "email": email, "timezone": zone})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert db.session.scalar(select(User.timezone).where(User.email == email)) == expected


def test_pages_say_professions_and_credit_types_in_words(db, client):
    from decimal import Decimal

    from tests.factories import make_meeting

    org = make_org(kind="provider", is_accredited_provider=True)
    course = make_course(org, professions=("physician_md", "nurse_practitioner"))
    host = make_member(org, role="educator").user
    meeting = make_meeting(org, host, category="education", designations={"abim_moc": Decimal("1")})
    client.login(host)
    from flask import render_template_string

    # The course page's audience (its rendered parts are shared per version, so render the macro itself).
    html = render_template_string('{% from "courses/_version_parts.html" import about %}{{ about(v) }}',
                                  v=course.current_version)
    assert "Nurse practitioner, Physician (MD)" in html and "physician md" not in html.lower()
    page = re.sub(r"<[^>]+>", " ", client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "abim_moc" not in page and "ABIM" in page


def test_the_claims_page_names_designated_credit_types_in_words(db, client):
    from decimal import Decimal

    from tests.factories import make_meeting

    org = make_org(kind="provider", is_accredited_provider=True)
    host = make_member(org, role="educator").user
    meeting = make_meeting(org, host, category="education", designations={"abim_moc": Decimal("1")})
    client.login(host)
    response = client.get(f"/credits/activities/meeting/{meeting.id}/claims")
    assert response.status_code == 200
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    assert "abim_moc" not in page and "ABIM MOC" in page
