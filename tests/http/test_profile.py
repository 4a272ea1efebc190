from lms.audit.models import AuditEvent
from lms.extensions import db as _db
from tests.factories import make_member, make_org, make_user

VALID = {"first_name": "Priya", "last_name": "Raman", "credentials": "MD, FACP", "profession": "physician_md",
         "npi": "1234567893", "nabp_eprofile_id": "", "birth_month": "4", "birth_day": "12",
         "timezone": "America/Chicago", "consent_to_report": "y"}


def test_profile_saves_every_reporting_field(client, db):
    user = make_user()
    client.login(user)
    response = client.post("/profile", VALID)
    assert response.status_code == 302
    assert (user.credentials, user.npi, user.birth_month, user.birth_day, user.timezone, user.consent_to_report) == \
        ("MD, FACP", "1234567893", 4, 12, "America/Chicago", True)
    assert user.consent_updated_at is not None
    assert db.session.scalar(_db.select(AuditEvent).where(AuditEvent.action == "profile.consent")) is not None


def test_bad_npi_check_digit_is_refused_with_a_clear_message_and_nothing_lost(client, db):
    user = make_user()
    client.login(user)
    response = client.post("/profile", {**VALID, "npi": "1234567890", "credentials": "DO, MPH"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "check digit is wrong" in page
    assert 'value="DO, MPH"' in page and 'value="1234567890"' in page
    assert user.npi is None and user.credentials == ""


def test_profile_post_cannot_set_admin_role_or_organisation(client, db):
    user = make_user()
    org = make_org()
    client.login(user)
    response = client.post("/profile", {**VALID, "is_admin": "y", "role": "admin", "org_id": str(org.id),
                                        "email": "other@example.org", "session_nonce": "x" * 32, "id": "999"})
    assert response.status_code == 302
    assert user.is_admin is False
    assert user.email.startswith("user")
    assert org.memberships == []


def test_birth_day_must_exist_in_the_month(client, db):
    client.login(make_user())
    response = client.post("/profile", {**VALID, "birth_month": "2", "birth_day": "30"})
    assert response.status_code == 422 and "February has no day 30" in response.get_data(as_text=True)


def test_birth_year_is_never_asked(client, db):
    client.login(make_user())
    page = client.get("/profile").get_data(as_text=True)
    assert "birth_year" not in page and "never need the year" in page


def test_licences_add_and_remove_only_your_own(make_client, db):
    owner, other = make_user(), make_user()
    browser = make_client().login(owner)
    assert browser.post("/profile/licences", {"state": "NY", "number": "298765", "expires_on": "2028-06-30"}).status_code == 302
    assert [(l.state, l.number) for l in owner.licences] == [("NY", "298765")]
    duplicate = browser.post("/profile/licences", {"state": "NY", "number": "298765"})
    assert duplicate.status_code == 422 and "already" in duplicate.get_data(as_text=True)
    assert browser.post("/profile/licences", {"state": "XX", "number": "1"}).status_code == 422

    licence_id = owner.licences[0].id
    intruder = make_client().login(other)
    assert intruder.post(f"/profile/licences/{licence_id}/delete").status_code == 404
    assert len(owner.licences) == 1
    assert browser.post(f"/profile/licences/{licence_id}/delete").status_code == 302
    assert owner.licences == []


def test_board_certifications(client, db):
    user = make_user()
    client.login(user)
    assert client.post("/profile/boards", {"board": "ABIM", "diplomate_id": "123456"}).status_code == 302
    assert client.post("/profile/boards", {"board": "ABIM", "diplomate_id": "999"}).status_code == 422
    assert [(b.board, b.diplomate_id) for b in user.board_certifications] == [("ABIM", "123456")]


def test_unknown_time_zone_is_refused(client, db):
    user = make_user()
    client.login(user)
    assert client.post("/profile", {**VALID, "timezone": "Mars/Olympus_Mons"}).status_code == 422
    assert user.timezone == "UTC"


def test_dashboard_lists_memberships_and_profile_gaps(client, db):
    user = make_user(profession="pharmacist")
    make_member(make_org(name="Riverside Pharmacy"), user)
    client.login(user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Riverside Pharmacy" in page and "NABP e-Profile ID" in page
