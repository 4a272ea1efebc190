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


@pytest.fixture
def nurse_world(live_app, hospital, browser_oidc_provider):
    """The hospital signs its domain in through the OIDC provider (SSO required), assigns a course to
    registered nurses, and has a SCIM token its HR system uses."""
    from lms.extensions import db
    from lms.orgs.models import Organisation
    from lms.scim import tokens
    from lms.sso import services
    from lms.types import utcnow
    from lms.users.models import User
    from tests.factories import make_assignment, make_course, make_org, make_user

    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        org = db.session.get(Organisation, hospital["org_id"])
        manager = db.session.query(User).filter_by(email=hospital["email"]).one()
        services.save_settings(make_user(admin=True), org, services.SsoSettings(
            protocol="oidc", enabled=True, require_sso=True, domains=(hospital["domain"],),
            issuer=browser_oidc_provider.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
            now=utcnow(), secret_key=live_app.config["SECRET_KEY"])
        course = make_course(make_org(name=f"Nursing CE {tag}", kind="provider", is_accredited_provider=True),
                             title=f"Hand hygiene {tag}")
        make_assignment(org, manager, course=course, target="job_title", job_title="Registered Nurse")
        _, token = tokens.issue(manager, org, name="Entra ID", now=utcnow())
        db.session.commit()
        return {**hospital, "token": token, "course_id": course.id, "course": f"Hand hygiene {tag}"}


def _sso_from(page: Page, path: str, email: str, login: str) -> None:
    """A signed-out visit to ``path``, then "Sign in with your organisation" and the provider's page."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.get_by_role("link", name="Sign in with your organisation").click()
    page.get_by_label("Work email").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Username").fill(login)
    page.get_by_role("button", name="Sign in").click()


def test_a_nurse_provisioned_by_scim_signs_in_by_sso_and_a_deactivation_ends_her_access(
        page: Page, context, page_log, live_app, live_url, nurse_world, browser_oidc_provider):
    from decimal import Decimal

    from sqlalchemy import select

    from courses.models import Course
    from lms.credits import services as credits
    from lms.credits.models import CreditEntry
    from lms.extensions import db
    from lms.orgs.models import Membership
    from lms.types import utcnow
    from lms.users.models import User
    from tests.factories import complete_course

    world = nurse_world
    email = f"joy.nightingale@{world['domain']}"
    scim = f"{live_url}/scim/v2"
    headers = {"Authorization": f"Bearer {world['token']}", "Content-Type": "application/scim+json"}

    # The hospital's HR system provisions her over HTTP, as Entra ID or Okta would.
    created = requests.post(f"{scim}/Users", headers=headers, timeout=10, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": email, "name": {"givenName": "Joy", "familyName": "Nightingale"},
        "emails": [{"value": email, "type": "work", "primary": True}], "title": "Registered Nurse", "active": True,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Intensive Care"}})
    assert created.status_code == 201, created.text
    scim_id = created.json()["id"]
    wrong_token = requests.get(f"{scim}/Users/{scim_id}", timeout=10,
                               headers={"Authorization": "Bearer scim_not-a-token"})
    assert wrong_token.status_code == 401, wrong_token.text

    # Her identity provider knows her by its own subject; the email it vouches for links the two.
    browser_oidc_provider.add_account("joy.n", email=email, email_verified=True, given_name="Joy",
                                      family_name="Nightingale")
    _sso_from(page, "/training/mine", email, "joy.n")
    expect(page).to_have_url(re.compile(r"/training/mine$"))  # back where she was sent from
    training = page.get_by_role("region", name="My required training")
    expect(training).to_contain_text(world["course"])
    expect(training.get_by_role("button", name=f"Start {world['course']}")).to_be_visible()
    expect(page.get_by_role("button", name="Joy Nightingale")).to_be_visible()
    axe_check(page)
    page.goto("/orgs/")
    row = page.get_by_role("row", name=re.compile("St Mary's Hospital"))
    expect(row).to_contain_text("Member")
    expect(row).to_contain_text("Registered Nurse")
    axe_check(page)

    # She completes the course and claims credit: a regulated record that outlives her job.
    with live_app.app_context():
        nurse = db.session.scalar(select(User).where(User.email == email))
        assert nurse.password_hash is None  # SSO only
        enrolment = complete_course(nurse, db.session.get(Course, world["course_id"]))
        enrolment.evaluation_submitted_at = utcnow()
        credits.claim_credit(nurse, "course", world["course_id"], "participation", Decimal("1.5"), attested=True,
                             now=utcnow())
        db.session.commit()
        nurse_id = nurse.id
    page.goto("/credits/transcript")
    expect(page.get_by_text(world["course"]).first).to_be_visible()

    # She leaves the hospital: HR deactivates her over SCIM.
    gone = requests.patch(f"{scim}/Users/{scim_id}", headers=headers, timeout=10, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}]})
    assert gone.status_code in (200, 204), gone.text
    # The page she has open stops working at once: the account the provider made is signed out.
    page.goto("/credits/transcript")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    context.clear_cookies()  # the provider's own session is over too: a fresh sign-in next morning

    _sso_from(page, "/training/mine", email, "joy.n")
    expect(page.get_by_text("Your membership of St Mary's Hospital has ended. Ask its manager.")).to_be_visible()
    axe_check(page)
    page.goto("/training/mine")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))  # not signed in

    # A leaver, not a deletion: the account, its email and every credit are still there.
    with live_app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == nurse_id,
                                                                Membership.org_id == world["org_id"]))
        assert membership.deactivated_at is not None and membership.job_title == "Registered Nurse"
        claims = db.session.scalars(select(CreditEntry).where(CreditEntry.learner_id == nurse_id)).all()
        assert [(c.kind, c.credit_type_code, c.amount) for c in claims] == [("claim", "participation", Decimal("1.5"))]
        assert db.session.get(User, nurse_id).email == email
    page_log.assert_clean()
