"""Fixtures for single sign-on: a real OpenID Provider per test session, connections, a helper to sign in."""

from __future__ import annotations

import pytest

from tests.conftest import service_missing
from tests.sso.providers import CLIENT_ID, CLIENT_SECRET, OidcProvider

APP_CALLBACK = "https://continuum.example.org/sso/oidc/callback"
DOMAIN = "stmarys-hospital.org"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    problem = OidcProvider.available()
    if problem:
        service_missing(problem)
    provider = OidcProvider(tmp_path_factory.mktemp("oidc"), [APP_CALLBACK]).start()
    yield provider
    provider.stop()


@pytest.fixture
def sso_app(app):
    app.config["SSO_ALLOW_LOOPBACK_HTTP"] = True
    yield app
    app.config["SSO_ALLOW_LOOPBACK_HTTP"] = False


@pytest.fixture
def make_oidc_connection(sso_app, db, oidc_provider):
    from lms.sso import services
    from lms.types import utcnow
    from tests.factories import make_org, make_user

    def make(org=None, *, domains=(DOMAIN,), require_sso=False, default_role="member", enabled=True,
             client_id=CLIENT_ID, client_secret=CLIENT_SECRET, job_title_claim="job_title", issuer=None):
        org = org or make_org(name="St Mary's Hospital")
        admin = make_user(admin=True)
        return services.save_settings(admin, org, services.SsoSettings(
            protocol="oidc", enabled=enabled, require_sso=require_sso, domains=tuple(domains),
            default_role=default_role, job_title_claim=job_title_claim, issuer=issuer or oidc_provider.issuer,
            client_id=client_id, client_secret=client_secret), now=utcnow(), secret_key=sso_app.secret_key)

    return make


@pytest.fixture
def oidc_sign_in(oidc_provider):
    """Start at the app's 'Sign in with your organisation', sign in at the provider, come back."""
    from tests.sso.providers import path_of, provider_url

    def run(client, email, login=None, *, tamper=None, start_at="/sso/"):
        start = client.post(start_at, {"email": email})
        back = oidc_provider.sign_in(provider_url(start), login or email)
        assert back.startswith(APP_CALLBACK), back
        path = path_of(back)
        if tamper:
            path = tamper(path)
        return client.get(path)

    return run


@pytest.fixture
def sign_in_start():
    """Where a signed-out visit to ``page`` leads, as a browser follows it: the login page's "Sign in with
    your organisation" link, then the start form's action (which is what carries ``next``)."""
    import re
    from html import unescape

    def follow(client, page: str) -> str:
        bounced = client.get(page)
        assert bounced.status_code == 302 and "/auth/login?next=" in bounced.location, bounced.location
        login = client.get(bounced.location).get_data(as_text=True)
        link = re.search(r'href="(/sso/[^"]*)"[^>]*>Sign in with your organisation', login)
        assert link, "no 'Sign in with your organisation' link"
        start = client.get(unescape(link.group(1))).get_data(as_text=True)
        action = re.search(r'<form method="post" action="([^"]+)"', start)
        return unescape(action.group(1))

    return follow


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    from tests.sso.providers import SamlIdp

    problem = SamlIdp.available()
    if problem:
        service_missing(problem)
    idp = SamlIdp(tmp_path_factory.mktemp("saml")).start()
    yield idp
    idp.stop()


@pytest.fixture
def make_saml_connection(sso_app, db, saml_idp, client):
    """An organisation whose SAML identity provider is the test IdP, registered there as an SP."""
    from lms.sso import services
    from lms.types import utcnow
    from tests.factories import make_org, make_user

    def make(org=None, *, domains=(DOMAIN,), default_role="member", job_title_claim="title", register=True):
        org = org or make_org(name="St Mary's Hospital")
        admin = make_user(admin=True)
        conn = services.save_settings(admin, org, services.SsoSettings(
            protocol="saml", enabled=True, require_sso=False, domains=tuple(domains), default_role=default_role,
            job_title_claim=job_title_claim, idp_metadata_xml=saml_idp.metadata()), now=utcnow(),
            secret_key=sso_app.secret_key)
        if register:
            metadata = client.get(f"/sso/saml/{conn.id}/metadata")
            assert metadata.status_code == 200
            saml_idp.register_sp(f"sp-{conn.id}", metadata.get_data(as_text=True))
        return conn

    return make


@pytest.fixture
def saml_sign_in(saml_idp):
    """Start at 'Sign in with your organisation', sign in at the IdP; returns (ACS path, posted fields)."""
    from tests.sso.providers import path_of, provider_url

    def run(client, email, login=None, *, start_at="/sso/"):
        start = client.post(start_at, {"email": email})
        action, fields = saml_idp.sign_in(provider_url(start), login or email)
        assert action.startswith("https://continuum.example.org/sso/saml/"), action
        return path_of(action), fields

    return run
