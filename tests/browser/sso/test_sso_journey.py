"""A practice manager sets up single sign-on for her hospital and signs in through it, in Chromium.

The identity providers are real and run in their own processes: oidc-provider (npm) for OpenID
Connect, pysaml2's IdP (signing with xmlsec1) for SAML 2.0. Every app page is checked with axe-core.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check
from tests.conftest import service_missing
from tests.factories import PASSWORD
from tests.sso.providers import CLIENT_ID, CLIENT_SECRET, OidcProvider, SamlIdp

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = None  # set SSO_SCREENSHOTS=/some/dir to keep screenshots of the pages


@pytest.fixture(scope="module")
def browser_oidc_provider(tmp_path_factory, live_url, live_app):
    problem = OidcProvider.available()
    if problem:
        service_missing(problem)
    live_app.config["SSO_ALLOW_LOOPBACK_HTTP"] = True
    provider = OidcProvider(tmp_path_factory.mktemp("browser-oidc"), [f"{live_url}/sso/oidc/callback"]).start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def browser_saml_idp(tmp_path_factory):
    problem = SamlIdp.available()
    if problem:
        service_missing(problem)
    idp = SamlIdp(tmp_path_factory.mktemp("browser-saml")).start()
    yield idp
    idp.stop()


@pytest.fixture
def hospital(live_app):
    """A hospital with a unique domain and its manager (who has a password and an address at the domain)."""
    from lms.extensions import db
    from tests.factories import make_member, make_org, make_user

    domain = f"hosp-{uuid.uuid4().hex[:10]}.org"
    with live_app.app_context():
        org = make_org(name="St Mary's Hospital")
        manager = make_member(org, make_user(email=f"manager@{domain}", first_name="Maria", last_name="Lopez"),
                              role="manager")
        db.session.commit()
        return {"org_id": org.id, "domain": domain, "email": manager.user.email}


def _shot(page: Page, name: str) -> None:
    import os

    folder = os.environ.get("SSO_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _password_login(page: Page, email: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password\b")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Maria Lopez").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))


def _sign_in_with_organisation(page: Page, email: str) -> None:
    page.goto("/auth/login")
    page.get_by_role("link", name="Sign in with your organisation").click()
    expect(page.get_by_role("heading", name="Sign in with your organisation")).to_be_visible()
    axe_check(page)
    _shot(page, "sso-start")
    page.get_by_label("Work email").fill(email)
    page.get_by_role("button", name="Continue").click()


def test_manager_sets_up_openid_connect_and_signs_in_through_it(page: Page, page_log, hospital, live_url,
                                                               browser_oidc_provider):
    provider = browser_oidc_provider
    provider.add_account("maria.lopez", email=hospital["email"], email_verified=True, job_title="Practice manager")

    _password_login(page, hospital["email"])
    page.goto(f"/orgs/{hospital['org_id']}")
    page.get_by_role("link", name="Sign-in settings").click()
    expect(page.get_by_role("heading", name="Sign-in settings")).to_be_visible()
    expect(page.get_by_text(f"{live_url}/sso/oidc/callback")).to_be_visible()
    axe_check(page)
    page.get_by_label("Protocol").select_option(label="OpenID Connect")
    page.get_by_label("Email domains").fill(hospital["domain"])
    page.get_by_label("Issuer URL").fill(provider.issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Single sign-on is on").check()
    page.get_by_label(re.compile("^Require single sign-on")).check()
    page.get_by_role("button", name="Save sign-in settings").click()
    expect(page.get_by_text("Sign-in settings saved.")).to_be_visible()
    _shot(page, "sso-settings")
    _log_out(page)

    # Her password is now refused, with the way forward named.
    page.get_by_label("Email").fill(hospital["email"])
    page.get_by_label(re.compile(r"^Password\b")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("signs in")
    expect(page.get_by_role("alert")).to_contain_text("Sign in with your organisation")

    _sign_in_with_organisation(page, hospital["email"])
    # At the identity provider (another process, another origin).
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + r"/interaction/"))
    page.get_by_label("Username").fill("maria.lopez")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    axe_check(page)
    page.goto("/account/sessions")
    expect(page.get_by_role("cell", name=re.compile("This device"))).to_be_visible()
    expect(page.get_by_text("(OpenID Connect)")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out everywhere")).to_be_visible()
    axe_check(page)
    _shot(page, "sessions")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "sessions-phone")
    page_log.assert_clean()


def test_manager_sets_up_saml_and_signs_in_through_it(page: Page, page_log, hospital, live_url, live_app,
                                                      browser_saml_idp, tmp_path):
    idp = browser_saml_idp
    idp.add_account("mlopez", mail=[hospital["email"]], givenName=["Maria"], sn=["Lopez"], title=["Practice manager"])
    metadata_file = tmp_path / "idp-metadata.xml"
    metadata_file.write_text(idp.metadata())

    _password_login(page, hospital["email"])
    page.goto(f"/sso/orgs/{hospital['org_id']}/settings")
    page.get_by_label("Protocol").select_option(label="SAML 2.0")
    page.get_by_label("Email domains").fill(hospital["domain"])
    page.get_by_label("Identity provider metadata (XML file)").set_input_files(str(metadata_file))
    page.get_by_label("Single sign-on is on").check()
    page.get_by_role("button", name="Save sign-in settings").click()
    expect(page.get_by_text("Sign-in settings saved.")).to_be_visible()
    expect(page.get_by_text(f"Metadata saved for {idp.base}/metadata")).to_be_visible()
    axe_check(page)

    # The hospital's IT team gives the IdP our SP metadata, from the link on the settings page.
    href = page.get_by_role("link", name=re.compile(r"sso.saml.\d+.metadata")).get_attribute("href")
    assert href.startswith(live_url)
    sp_metadata = requests.get(href, timeout=10)
    assert sp_metadata.status_code == 200 and "WantAssertionsSigned=\"true\"" in sp_metadata.text
    idp.register_sp(f"browser-{hospital['org_id']}", sp_metadata.text)
    _log_out(page)

    _sign_in_with_organisation(page, hospital["email"])
    expect(page).to_have_url(re.compile(re.escape(idp.base) + r"/sso/redirect"))
    page.get_by_label("Username").fill("mlopez")
    page.get_by_role("button", name="Sign in").click()
    # The IdP's page posts the signed response to our assertion consumer service.
    expect(page).to_have_url(re.compile(r"/dashboard$"), timeout=20_000)
    axe_check(page)
    page.goto("/account/sessions")
    expect(page.get_by_text("(SAML)")).to_be_visible()
    page_log.assert_clean()
