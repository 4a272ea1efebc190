"""OpenID Connect sign-in against a real OpenID Provider (the npm oidc-provider package in Node)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import make_member, make_user
from tests.sso.conftest import DOMAIN

# Each test drives a real identity provider in another process: seconds, not milliseconds.
pytestmark = pytest.mark.slow


def _events(db, action):
    from lms.audit.models import AuditEvent

    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_existing_manager_signs_in_by_verified_email_and_gets_a_session(client, db, make_oidc_connection,
                                                                         oidc_sign_in, oidc_provider):
    from lms.sessions.models import UserSession
    from lms.sso.models import SsoIdentity

    conn = make_oidc_connection()
    manager = make_member(conn.org, make_user(email=f"manager@{DOMAIN}"), role="manager").user
    oidc_provider.add_account("mgr-001", email=f"manager@{DOMAIN}", email_verified=True, job_title="Practice manager")

    response = oidc_sign_in(client, f"manager@{DOMAIN}", "mgr-001")
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    identity = db.session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == manager.id))
    assert identity.subject == "mgr-001" and identity.connection_id == conn.id
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == manager.id))
    assert row.method == "oidc" and row.ended_at is None
    assert [e.after["method"] for e in _events(db, "sign_in.success") if e.actor_id == manager.id] == ["oidc"]


def test_new_person_joins_just_in_time_with_default_role_and_job_title(client, db, make_oidc_connection,
                                                                       oidc_sign_in, oidc_provider):
    from lms.orgs.models import Membership
    from lms.users.models import User

    conn = make_oidc_connection(default_role="educator")
    oidc_provider.add_account("nurse-7", email=f"Nurse.Seven@{DOMAIN}", email_verified=True, given_name="Ada",
                              family_name="Seven", job_title="Staff nurse")
    response = oidc_sign_in(client, f"nurse.seven@{DOMAIN}", "nurse-7")
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == f"nurse.seven@{DOMAIN}"))
    assert user.password_hash is None and user.is_verified and user.full_name == "Ada Seven"
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert (membership.org_id, membership.role, membership.job_title) == (conn.org_id, "educator", "Staff nurse")

    # The next sign-in finds the same person by subject and takes the provider's current job title.
    oidc_provider.add_account("nurse-7", email=f"nurse.seven@{DOMAIN}", email_verified=True, job_title="Charge nurse")
    assert oidc_sign_in(client.__class__(client.app), f"nurse.seven@{DOMAIN}", "nurse-7").status_code == 302
    db.session.refresh(membership)
    assert membership.job_title == "Charge nurse"
    assert db.session.scalar(select(User.id).where(User.email.like(f"%@{DOMAIN}")).limit(2).offset(1)) is None


def test_unverified_email_is_not_linked_and_nothing_is_made(client, db, make_oidc_connection, oidc_sign_in,
                                                            oidc_provider):
    make_oidc_connection()
    victim = make_user(email=f"chief@{DOMAIN}")
    oidc_provider.add_account("attacker-1", email=f"chief@{DOMAIN}", email_verified=False)
    response = oidc_sign_in(client, f"chief@{DOMAIN}", "attacker-1")
    assert response.status_code == 400
    assert "has not verified your email" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    from lms.sso.models import SsoIdentity

    assert db.session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == victim.id)) is None
    assert _events(db, "sign_in.failure")[-1].after["reason"] == "email-unverified"


def test_email_outside_the_claimed_domains_is_refused(client, db, make_oidc_connection, oidc_sign_in, oidc_provider):
    make_oidc_connection()
    make_user(email="someone@other-hospital.org")
    # The provider vouches for an address in a domain the organisation never claimed.
    oidc_provider.add_account("outsider", email="someone@other-hospital.org", email_verified=True)
    response = oidc_sign_in(client, f"x@{DOMAIN}", "outsider")
    assert response.status_code == 400 and "does not sign in addresses at other-hospital.org" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_tampered_state_is_refused_and_the_pending_sign_in_is_spent(client, db, make_oidc_connection,
                                                                    oidc_sign_in, oidc_provider):
    make_oidc_connection()
    oidc_provider.add_account("p1", email=f"p1@{DOMAIN}", email_verified=True)
    response = oidc_sign_in(client, f"p1@{DOMAIN}", "p1", tamper=lambda p: p.replace("state=", "state=x"))
    assert response.status_code == 400 and "(state)" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_callback_without_a_started_sign_in_is_refused(client, db):
    response = client.get("/sso/oidc/callback?code=abc&state=def")
    assert response.status_code == 400 and "expired or was already used" in response.get_data(as_text=True)


def test_code_replayed_in_another_browser_is_refused(client, make_client, db, make_oidc_connection, oidc_provider):
    from tests.sso.providers import path_of, provider_url

    make_oidc_connection()
    oidc_provider.add_account("p2", email=f"p2@{DOMAIN}", email_verified=True)
    start = client.post("/sso/", {"email": f"p2@{DOMAIN}"})
    back = path_of(oidc_provider.sign_in(provider_url(start), "p2"))
    assert client.get(back).status_code == 302
    assert client.get(back).status_code == 400  # the pending sign-in was used
    assert make_client().get(back).status_code == 400  # another browser never started it


def test_unknown_domain_gets_a_clear_message(client, db):
    response = client.post("/sso/", {"email": "someone@nowhere-hospital.org"})
    assert response.status_code == 422
    assert "No organisation signs in nowhere-hospital.org addresses" in response.get_data(as_text=True)


def test_wrong_client_secret_is_refused_by_the_provider(client, db, make_oidc_connection, oidc_sign_in, oidc_provider):
    make_oidc_connection(client_secret="not-the-secret-at-all-0123456789")
    oidc_provider.add_account("p3", email=f"p3@{DOMAIN}", email_verified=True)
    response = oidc_sign_in(client, f"p3@{DOMAIN}", "p3")
    assert response.status_code == 400 and "refused the sign-in (invalid_client)" in response.get_data(as_text=True)


def test_require_sso_refuses_password_sign_in_for_the_domain_with_a_clear_message(client, db, make_oidc_connection):
    from tests.factories import PASSWORD

    conn = make_oidc_connection(require_sso=True)
    user = make_user(email=f"doc@{DOMAIN}")
    response = client.post("/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    text = response.get_data(as_text=True)
    assert "St Mary&#39;s Hospital signs in stmarys-hospital.org addresses through its identity provider" in text
    assert _events(db, "sign_in.failure")[-1].after["reason"] == "sso required"
    # Other domains, and site administrators (the way back in when the provider is down), keep passwords.
    assert client.post("/auth/login", {"email": make_user().email, "password": PASSWORD}).status_code == 302
    admin = make_user(email=f"it-admin@{DOMAIN}", admin=True)
    assert make_client_for(client).post("/auth/login", {"email": admin.email, "password": PASSWORD}).status_code == 302
    conn.require_sso = False
    db.session.flush()
    assert make_client_for(client).post("/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def make_client_for(client):
    return client.__class__(client.app)


def test_deactivated_member_is_not_brought_back(client, db, make_oidc_connection, oidc_sign_in, oidc_provider):
    from lms.types import utcnow

    conn = make_oidc_connection()
    leaver = make_member(conn.org, make_user(email=f"leaver@{DOMAIN}"), deactivated_at=utcnow())
    oidc_provider.add_account("leaver", email=f"leaver@{DOMAIN}", email_verified=True)
    response = oidc_sign_in(client, leaver.user.email, "leaver")
    assert response.status_code == 400 and "membership of St Mary" in response.get_data(as_text=True)


def test_disabled_connection_is_an_unknown_identity_provider(client, db, make_oidc_connection):
    make_oidc_connection(enabled=False)
    assert client.post("/sso/", {"email": f"x@{DOMAIN}"}).status_code == 422


def test_entra_style_token_without_email_verified_links_only_with_xms_edov(client, make_client, db,
                                                                          make_oidc_connection, oidc_sign_in,
                                                                          oidc_provider):
    make_oidc_connection()
    user = make_user(email=f"entra.user@{DOMAIN}")
    oidc_provider.add_account("entra-no-edov", email=user.email)
    refused = oidc_sign_in(client, user.email, "entra-no-edov")
    assert refused.status_code == 400 and "has not verified your email" in refused.get_data(as_text=True)
    oidc_provider.add_account("entra-edov-false", email=user.email, xms_edov=False)
    assert oidc_sign_in(make_client(), user.email, "entra-edov-false").status_code == 400
    oidc_provider.add_account("entra-edov", email=user.email, xms_edov=True)
    assert oidc_sign_in(make_client(), user.email, "entra-edov").status_code == 302
    # email_verified, when present, decides: false is false whatever xms_edov says.
    oidc_provider.add_account("both", email=f"other@{DOMAIN}", email_verified=False, xms_edov=True)
    assert oidc_sign_in(make_client(), f"other@{DOMAIN}", "both").status_code == 400


# --- where the person lands: the page they were sent to sign in from, never another site ----------------

OPEN_REDIRECTS = ["https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "\\\\evil.example",
                  "http:evil.example", " //evil.example", "/\t/evil.example",
                  "javascript:alert(1)", "///evil.example"]


def test_oidc_brings_the_person_back_to_the_page_they_came_from(client, db, make_oidc_connection, oidc_sign_in,
                                                                 oidc_provider, sign_in_start):
    make_oidc_connection()
    oidc_provider.add_account("back-1", email=f"back-1@{DOMAIN}", email_verified=True)
    start_at = sign_in_start(client, "/credits/transcript?year=2026")
    assert start_at == "/sso/?next=/credits/transcript?year%3D2026"
    response = oidc_sign_in(client, f"back-1@{DOMAIN}", "back-1", start_at=start_at)
    assert response.status_code == 302 and response.location == "/credits/transcript?year=2026"
    assert client.get(response.location).status_code == 200


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_oidc_never_sends_anyone_to_another_site(make_client, db, make_oidc_connection, oidc_sign_in, oidc_provider,
                                                 target):
    from urllib.parse import urlencode

    make_oidc_connection()
    oidc_provider.add_account("stay-1", email=f"stay-1@{DOMAIN}", email_verified=True)
    start_at = "/sso/?" + urlencode({"next": target})
    response = oidc_sign_in(make_client(), f"stay-1@{DOMAIN}", "stay-1", start_at=start_at)
    assert response.status_code == 302 and response.location == "/dashboard", response.location
