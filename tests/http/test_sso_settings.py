"""The organisation's sign-in settings page and the rules behind it (no identity provider needed)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.factories import make_member, make_org, make_user

DOMAIN = "stmarys-hospital.org"
SETTINGS = {"protocol": "oidc", "enabled": "y", "domains": DOMAIN, "default_role": "member",
            "job_title_claim": "job_title", "issuer": "https://login.example.org/tenant/v2.0",
            "client_id": "continuum-app", "client_secret": "a-very-secret-value-123"}


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """This machine has no DNS: the issuer's host resolves to a public address, as it would in production."""
    from tests.sso.providers import resolve_as

    resolve_as(monkeypatch, {"login.example.org": "20.190.128.10", "idp.evil.example": "169.254.169.254",
                             "sso.intranet.example": "10.20.30.40", "v6.evil.example": "fd00::1"})


@pytest.fixture
def manager(db):
    org = make_org(name="St Mary's Hospital")
    return make_member(org, make_user(email=f"it.lead@{DOMAIN}"), role="manager")


def _connection(db, org_id):
    from lms.sso.models import SsoConnection

    return db.session.scalar(select(SsoConnection).where(SsoConnection.org_id == org_id))


def test_manager_saves_oidc_settings_and_the_secret_is_encrypted(make_client, db, manager, app):
    from lms.secretbox import decrypt

    browser = make_client().login(manager.user)
    page = browser.get(f"/sso/orgs/{manager.org_id}/settings")
    assert page.status_code == 200 and "https://continuum.example.org/sso/oidc/callback" in page.get_data(as_text=True)
    response = browser.post(f"/sso/orgs/{manager.org_id}/settings", SETTINGS)
    assert response.status_code == 302, response.get_data(as_text=True)
    conn = _connection(db, manager.org_id)
    assert conn.enabled and conn.domain_names == [DOMAIN] and conn.client_id == "continuum-app"
    assert "a-very-secret-value-123" not in conn.client_secret_encrypted
    assert decrypt(app.secret_key, conn.client_secret_encrypted) == "a-very-secret-value-123"
    assert decrypt("another-secret-key-" * 3, conn.client_secret_encrypted) == ""
    page = browser.get(f"/sso/orgs/{manager.org_id}/settings").get_data(as_text=True)
    assert "a-very-secret-value-123" not in page and "A client secret is saved." in page
    # Saving again without a secret keeps the stored one.
    assert browser.post(f"/sso/orgs/{manager.org_id}/settings", {**SETTINGS, "client_secret": ""}).status_code == 302
    db.session.refresh(conn)
    assert decrypt(app.secret_key, conn.client_secret_encrypted) == "a-very-secret-value-123"


@pytest.mark.parametrize("change, message", [
    ({"domains": "gmail.com"}, "public mail service"),
    ({"domains": "not a domain!"}, "is not an email domain"),
    ({"domains": "other-hospital.org"}, "only with a verified address at it"),
    ({"domains": ""}, "Claim at least one email domain"),
    ({"issuer": "http://login.example.org"}, "must be an https URL"),
    ({"client_secret": ""}, "needs the issuer, client ID and client secret"),
    ({"default_role": "manager"}, "Not a valid choice"),
    ({"protocol": "saml"}, "SAML needs the identity provider"),
])
def test_bad_settings_are_refused_and_nothing_is_saved(make_client, db, manager, change, message):
    browser = make_client().login(manager.user)
    response = browser.post(f"/sso/orgs/{manager.org_id}/settings", {**SETTINGS, **change})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _connection(db, manager.org_id) is None


@pytest.mark.parametrize("issuer, message", [
    ("https://169.254.169.254/latest/meta-data", "(169.254.169.254)"),  # the cloud metadata service
    ("https://10.1.2.3/tenant/v2.0", "(10.1.2.3)"),
    ("https://192.168.0.10", "(192.168.0.10)"),
    ("https://localhost/realms/staff", "(127.0.0.1)"),
    ("https://127.0.0.1:8443", "(127.0.0.1)"),
    ("https://[::1]/issuer", "(::1)"),
    ("https://[::ffff:169.254.169.254]/", "(::ffff:169.254.169.254)"),
    ("https://idp.evil.example/", "(169.254.169.254)"),  # a public-looking name that resolves inside
    ("https://sso.intranet.example/", "(10.20.30.40)"),
    ("https://v6.evil.example/", "(fd00::1)"),
    ("https://nowhere.invalid/", "does not resolve"),
    ("https://user:pass@login.example.org/", "no user name or password"),
])
def test_an_issuer_on_an_inside_address_is_refused_and_nothing_is_saved(make_client, db, manager, app, issuer,
                                                                         message):
    assert not app.config.get("SSO_ALLOW_LOOPBACK_HTTP")
    browser = make_client().login(manager.user)
    response = browser.post(f"/sso/orgs/{manager.org_id}/settings", {**SETTINGS, "issuer": issuer})
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text
    assert "The identity provider&#39;s issuer URL cannot be used" in text and message in text, text
    assert _connection(db, manager.org_id) is None


def test_the_test_identity_provider_setting_allows_loopback_only(make_client, db, manager, app):
    """``SSO_ALLOW_LOOPBACK_HTTP`` (tests only) lets the local IdP on 127.0.0.1 through, nothing else inside."""
    browser = make_client().login(manager.user)
    app.config["SSO_ALLOW_LOOPBACK_HTTP"] = True
    try:
        for issuer in ("https://169.254.169.254", "http://10.1.2.3:8080", "https://idp.evil.example"):
            response = browser.post(f"/sso/orgs/{manager.org_id}/settings", {**SETTINGS, "issuer": issuer})
            assert response.status_code == 422, issuer
            assert _connection(db, manager.org_id) is None
        response = browser.post(f"/sso/orgs/{manager.org_id}/settings", {**SETTINGS, "issuer": "http://127.0.0.1:9"})
        assert response.status_code == 302, response.get_data(as_text=True)
    finally:
        app.config["SSO_ALLOW_LOOPBACK_HTTP"] = False
    assert _connection(db, manager.org_id).issuer == "http://127.0.0.1:9"
    # Without the setting, loopback is refused like any inside address.
    response = browser.post(f"/sso/orgs/{manager.org_id}/settings", {**SETTINGS, "issuer": "http://127.0.0.1:8"})
    assert response.status_code == 422 and "must be an https URL" in response.get_data(as_text=True)


def test_a_domain_claimed_by_one_organisation_cannot_be_claimed_by_another(make_client, db, manager):
    assert make_client().login(manager.user).post(f"/sso/orgs/{manager.org_id}/settings", SETTINGS).status_code == 302
    rival = make_member(make_org(), make_user(email=f"rival@{DOMAIN}"), role="manager")
    response = make_client().login(rival.user).post(f"/sso/orgs/{rival.org_id}/settings", SETTINGS)
    assert response.status_code == 422 and "already claimed by another organisation" in response.get_data(as_text=True)


def test_site_administrator_may_claim_any_domain(make_client, db, manager):
    admin = make_user(admin=True)
    response = make_client().login(admin).post(f"/sso/orgs/{manager.org_id}/settings",
                                               {**SETTINGS, "domains": f"{DOMAIN}, st-marys.nhs.uk"})
    assert response.status_code == 302
    assert _connection(db, manager.org_id).domain_names == ["st-marys.nhs.uk", DOMAIN]


def test_saml_metadata_upload_is_checked(make_client, db, manager):
    browser = make_client().login(manager.user)
    data = {**SETTINGS, "protocol": "saml", "idp_metadata": (io.BytesIO(b"<not-metadata/>"), "idp.xml")}
    response = browser.post(f"/sso/orgs/{manager.org_id}/settings", data, content_type="multipart/form-data")
    assert response.status_code == 422 and "must describe exactly one identity provider" in response.get_data(as_text=True)


def test_settings_changes_are_audited_without_the_secret(make_client, db, manager):
    from lms.audit.models import AuditEvent

    make_client().login(manager.user).post(f"/sso/orgs/{manager.org_id}/settings", SETTINGS)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sso.settings"))
    assert event.actor_id == manager.user_id and event.org_id == manager.org_id
    assert "a-very-secret-value-123" not in str(event.after) and event.after["domains"] == [DOMAIN]


def test_login_page_offers_sign_in_with_your_organisation(client, db):
    text = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in with your organisation" in text and 'href="/sso/"' in text
