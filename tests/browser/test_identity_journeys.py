"""Second factors and provisioning in a real browser: a TOTP code where policy requires one, a recovery
code that works once, an educator's passkey on Chromium's virtual authenticator (CDP WebAuthn domain),
and a nurse provisioned over SCIM who appears on her manager's pages with her team and job title.

Every page is checked with axe-core and must report no JavaScript error, CSP violation or failed request.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD_LABEL = re.compile(r"^Password\b")


def password_step(page: Page, email: str, password: str, base: str = "") -> None:
    page.goto(f"{base}/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    page.get_by_role("button", name="Log in").click()


def code(secret: str, steps_ahead: int = 0) -> str:
    from lms.types import utcnow

    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30 * steps_ahead))


def log_out(page: Page) -> None:
    page.evaluate("() => document.querySelector('form[action$=\"/auth/logout\"]').submit()")
    expect(page).to_have_url(re.compile(r"/auth/login$"))


@pytest.fixture
def org_with_policy(live_app):
    """An organisation whose policy requires a second factor for managers and educators."""
    from lms.extensions import db
    from lms.mfa import services
    from lms.types import utcnow
    from tests.factories import make_org, make_user

    def make(**fields):
        with live_app.app_context():
            org = make_org(**fields)
            services.set_policy(make_user(), org, require_for_staff=True, now=utcnow())
            db.session.commit()
            return org.id

    return make


def add_member(live_app, org_id: int, email: str, role: str) -> None:
    from lms.extensions import db
    from lms.orgs.models import Membership
    from lms.users.models import User

    with live_app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        db.session.add(Membership(org_id=org_id, user_id=user.id, role=role))
        db.session.commit()


def test_an_educator_must_set_up_and_then_give_a_totp_code(page: Page, page_log, live_app, make_live_user,
                                                           org_with_policy):
    email, password = make_live_user()
    add_member(live_app, org_with_policy(), email, "educator")

    password_step(page, email, password)
    expect(page).to_have_url(re.compile(r"/mfa/setup$"))
    expect(page.get_by_text("Your account needs a second factor")).to_be_visible()
    axe_check(page)
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/auth/login"))  # not signed in yet
    page.goto("/mfa/setup")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    axe_check(page)
    secret = page.locator("[data-totp-secret]").inner_text().strip()
    page.get_by_label(re.compile("^Code from the app")).fill("000000" if code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code is not correct")).to_be_visible()
    page.get_by_label(re.compile("^Code from the app")).fill(code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator("[data-recovery-codes] li").count() == 10
    axe_check(page)
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    log_out(page)

    # Next time the password is not enough: the code is asked for, and a wrong one refused.
    password_step(page, email, password)
    expect(page).to_have_url(re.compile(r"/mfa/verify$"))
    axe_check(page)
    page.get_by_label(re.compile("^Code")).fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not correct")).to_be_visible()
    page.get_by_label(re.compile("^Code")).fill(code(secret, 1))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page_log.assert_clean()


def test_a_recovery_code_works_once(page: Page, page_log, live_app, make_live_user):
    from lms.extensions import db
    from lms.mfa import services
    from lms.types import utcnow
    from lms.users.models import User

    email, password = make_live_user()
    with live_app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        secret = services.start_totp(user, now=utcnow())
        codes = services.confirm_totp(user, code(secret), now=utcnow())
        db.session.commit()

    password_step(page, email, password)
    expect(page).to_have_url(re.compile(r"/mfa/verify$"))
    page.get_by_label(re.compile("^Code")).fill(codes[3])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.goto("/mfa/")
    expect(page.get_by_text("9 recovery codes left")).to_be_visible()
    axe_check(page)
    log_out(page)

    password_step(page, email, password)
    page.get_by_label(re.compile("^Code")).fill(codes[3])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not correct, or it was used already")).to_be_visible()
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page_log.assert_clean()


@pytest.fixture
def localhost(live_app, live_url):
    """WebAuthn refuses IP addresses as relying party: the passkey journey runs on http://localhost."""
    base = live_url.replace("127.0.0.1", "localhost")
    saved = {k: live_app.config.get(k) for k in ("WEBAUTHN_RP_ID", "WEBAUTHN_ORIGIN")}
    live_app.config.update(WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGIN=base)
    yield base
    live_app.config.update(saved)


def virtual_authenticator(context, page):
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return cdp, authenticator["authenticatorId"]


def test_an_educator_registers_a_passkey_and_signs_in_with_it(page: Page, context, page_log, live_app,
                                                              make_live_user, org_with_policy, localhost):
    email, password = make_live_user(first_name="Edna")
    add_member(live_app, org_with_policy(), email, "educator")
    cdp, authenticator_id = virtual_authenticator(context, page)

    # The policy sends her to set up a factor; she chooses a passkey.
    password_step(page, email, password, localhost)
    expect(page).to_have_url(re.compile(r"/mfa/setup$"))
    page.get_by_label("Name for this passkey").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
    page.goto(f"{localhost}/mfa/")
    expect(page.get_by_text("Work laptop")).to_be_visible()
    axe_check(page)
    log_out(page)

    # As a second factor after the password.
    password_step(page, email, password, localhost)
    expect(page).to_have_url(re.compile(r"/mfa/verify$"))
    axe_check(page)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    log_out(page)

    # And alone, without the password: the passkey verified her (user verification), both factors at once.
    page.goto(f"{localhost}/auth/login")
    page.get_by_role("link", name="Sign in with a passkey").click()
    expect(page).to_have_url(re.compile(r"/mfa/passkey$"))
    axe_check(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_text("Edna", exact=False).first).to_be_visible()
    count = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"][0]["signCount"]
    assert count >= 2
    page_log.assert_clean()


def test_a_passkey_from_another_account_is_refused_as_second_factor(page: Page, context, live_app, make_live_user,
                                                                   localhost):
    """The second step accepts only the pending user's own passkeys."""
    other_email, other_password = make_live_user()
    email, password = make_live_user()
    cdp, _ = virtual_authenticator(context, page)
    password_step(page, other_email, other_password, localhost)
    page.goto(f"{localhost}/mfa/")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    log_out(page)
    # The victim has TOTP; the attacker's browser holds only its own passkey.
    from lms.extensions import db
    from lms.mfa import services
    from lms.types import utcnow
    from lms.users.models import User

    with live_app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        services.confirm_totp(user, code(services.start_totp(user, now=utcnow())), now=utcnow())
        db.session.commit()
    password_step(page, email, password, localhost)
    expect(page).to_have_url(re.compile(r"/mfa/verify$"))
    expect(page.get_by_role("button", name="Use a passkey")).to_have_count(0)
    status = page.evaluate("""async () => {
        const r = await fetch('/mfa/passkeys/signin/options', {method: 'POST', headers: {'X-CSRFToken':
            document.querySelector('input[name=csrf_token]').value}});
        return (await r.json()).allowCredentials.length;
    }""")
    assert status == 0


def test_a_nurse_provisioned_by_scim_appears_with_her_team_and_job_title(page: Page, page_log, live_app, live_url,
                                                                        make_live_user):
    from lms.extensions import db
    from lms.orgs.models import Membership
    from lms.scim import tokens
    from lms.types import utcnow
    from lms.users.models import User
    from tests.factories import make_org

    manager_email, password = make_live_user(first_name="Mo")
    with live_app.app_context():
        org = make_org(name="St Elsewhere Hospital")
        manager = db.session.query(User).filter_by(email=manager_email).one()
        db.session.add(Membership(org_id=org.id, user_id=manager.id, role="manager"))
        db.session.flush()
        org_id = org.id
        db.session.commit()

    # The manager issues a token in the browser (shown once)...
    password_step(page, manager_email, password)
    page.goto(f"/orgs/{org_id}")
    page.get_by_role("link", name="SCIM provisioning").click()
    axe_check(page)
    page.get_by_label(re.compile("^Name")).fill("Entra ID")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("[data-scim-token]").inner_text().strip()
    assert token.startswith("scim_")
    scim_url = page.locator("[data-scim-url]").inner_text().strip()
    assert scim_url == f"{live_url}/scim/v2"

    # ...which the identity provider uses.
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    nurse_email = f"joy.{tokens.PREFIX}{utcnow().timestamp():.0f}@stelsewhere.example".replace("scim_", "n")
    nurse = requests.post(f"{live_url}/scim/v2/Users", headers=headers, timeout=10, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": nurse_email, "name": {"givenName": "Joy", "familyName": "Nightingale"},
        "emails": [{"value": nurse_email, "type": "work", "primary": True}], "title": "Registered Nurse",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Intensive Care"}})
    assert nurse.status_code == 201, nurse.text
    group = requests.post(f"{live_url}/scim/v2/Groups", headers=headers, timeout=10, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "ICU nursing",
        "members": [{"value": nurse.json()["id"]}]})
    assert group.status_code == 201, group.text

    page.goto(f"/orgs/{org_id}/members")
    row = page.get_by_role("row", name=re.compile("Joy Nightingale"))
    expect(row).to_contain_text("Registered Nurse")
    expect(row).to_contain_text(nurse_email)
    page.goto(f"/orgs/{org_id}/teams")
    page.get_by_role("link", name="ICU nursing").click()
    expect(page.get_by_text("Joy Nightingale")).to_be_visible()
    axe_check(page)

    # The provider retires her: a leaver, not a deletion.
    gone = requests.patch(f"{live_url}/scim/v2/Users/{nurse.json()['id']}", headers=headers, timeout=10, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}]})
    assert gone.status_code in (200, 204), gone.text
    page.goto(f"/orgs/{org_id}/members")
    expect(page.get_by_role("row", name=re.compile("Joy Nightingale"))).to_contain_text("Deactivated")
    page_log.assert_clean()
