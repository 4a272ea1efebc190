"""SAML 2.0 sign-in against a real identity provider (pysaml2's IdP signing with xmlsec1, in its own process)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_member, make_org, make_user
from tests.sso.conftest import DOMAIN

# Each test drives a real identity provider in another process: seconds, not milliseconds.
pytestmark = pytest.mark.slow


def _failure_reason(db) -> str:
    from lms.audit.models import AuditEvent

    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.failure")
                              .order_by(AuditEvent.id.desc())).first().after["reason"]


def test_sp_metadata_names_the_acs_and_wants_signed_assertions(client, db, make_saml_connection):
    conn = make_saml_connection()
    xml = client.get(f"/sso/saml/{conn.id}/metadata").get_data(as_text=True)
    assert f'entityID="https://continuum.example.org/sso/saml/{conn.id}/metadata"' in xml
    assert f'Location="https://continuum.example.org/sso/saml/{conn.id}/acs"' in xml
    assert 'WantAssertionsSigned="true"' in xml
    assert client.get("/sso/saml/999999/metadata").status_code == 404


def test_manager_signs_in_through_saml(client, db, make_saml_connection, saml_sign_in, saml_idp):
    from lms.sessions.models import UserSession

    conn = make_saml_connection()
    manager = make_member(conn.org, make_user(email=f"saml-manager@{DOMAIN}"), role="manager").user
    saml_idp.add_account("smgr", mail=[f"saml-manager@{DOMAIN}"], subject="persistent-smgr")
    path, fields = saml_sign_in(client, manager.email, "smgr")
    response = client.post(path, fields, csrf=False)
    assert response.status_code == 302 and response.location.endswith("/dashboard"), response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == manager.id))
    assert row.method == "saml"


def test_just_in_time_member_with_job_title_from_an_attribute(client, db, make_saml_connection, saml_sign_in,
                                                              saml_idp):
    from lms.orgs.models import Membership
    from lms.users.models import User

    conn = make_saml_connection()
    saml_idp.add_account("nurse", mail=[f"saml-nurse@{DOMAIN}"], givenName=["Grace"], sn=["Hopper"],
                         title=["Ward sister"])
    path, fields = saml_sign_in(client, f"saml-nurse@{DOMAIN}", "nurse")
    assert client.post(path, fields, csrf=False).status_code == 302
    user = db.session.scalar(select(User).where(User.email == f"saml-nurse@{DOMAIN}"))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert user.full_name == "Grace Hopper" and membership.org_id == conn.org_id
    assert (membership.role, membership.job_title) == ("member", "Ward sister")


def test_replayed_response_is_refused(client, make_client, db, make_saml_connection, saml_sign_in, saml_idp):
    make_saml_connection()
    saml_idp.add_account("r1", mail=[f"r1@{DOMAIN}"])
    path, fields = saml_sign_in(client, f"r1@{DOMAIN}", "r1")
    assert client.post(path, fields, csrf=False).status_code == 302
    replay = make_client().post(path, fields, csrf=False)
    assert replay.status_code == 400 and "already used" in replay.get_data(as_text=True)


def test_tampered_assertion_is_refused_and_nothing_is_made(client, db, make_saml_connection, saml_sign_in, saml_idp):
    from lms.users.models import User

    make_saml_connection()
    saml_idp.add_account("t1", mail=[f"t1@{DOMAIN}"])
    path, fields = saml_sign_in(client, f"t1@{DOMAIN}", "t1")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert f"t1@{DOMAIN}" in xml
    forged = xml.replace(f"t1@{DOMAIN}", f"ceo@{DOMAIN}")
    response = client.post(path, {**fields, "SAMLResponse": base64.b64encode(forged.encode()).decode()}, csrf=False)
    assert response.status_code == 400 and "signature is not valid" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email.in_([f"t1@{DOMAIN}", f"ceo@{DOMAIN}"]))) is None
    assert _failure_reason(db) == "bad-signature"


def test_unsigned_assertion_is_refused(client, db, make_saml_connection, saml_sign_in, saml_idp):
    import re

    make_saml_connection()
    saml_idp.add_account("u1", mail=[f"u1@{DOMAIN}"])
    path, fields = saml_sign_in(client, f"u1@{DOMAIN}", "u1")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    stripped = re.sub(r"<(\w+:)?Signature[ >].*?</(\w+:)?Signature>", "", xml, flags=re.S)
    assert stripped != xml
    response = client.post(path, {**fields, "SAMLResponse": base64.b64encode(stripped.encode()).decode()}, csrf=False)
    assert response.status_code == 400
    assert _failure_reason(db) in ("bad-signature", "invalid-SignatureError")


def test_expired_assertion_is_refused(client, db, make_saml_connection, saml_sign_in, saml_idp):
    import time_machine

    from lms.types import utcnow

    make_saml_connection()
    saml_idp.add_account("e1", mail=[f"e1@{DOMAIN}"])
    path, fields = saml_sign_in(client, f"e1@{DOMAIN}", "e1")
    # The IdP's assertions live 5 minutes; our AuthnRequest stays answerable for 10.
    with time_machine.travel(utcnow() + timedelta(minutes=8)):
        response = client.post(path, fields, csrf=False)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_response_for_another_organisations_sp_is_refused(client, db, make_saml_connection, saml_sign_in, saml_idp):
    make_saml_connection()
    other = make_saml_connection(make_org(name="Other Trust"), domains=("other-trust.org",))
    saml_idp.add_account("a1", mail=[f"a1@{DOMAIN}"])
    path, fields = saml_sign_in(client, f"a1@{DOMAIN}", "a1")
    # Posted to the other organisation's ACS: wrong audience and recipient, and a request it never sent.
    response = client.post(f"/sso/saml/{other.id}/acs", fields, csrf=False)
    assert response.status_code == 400
    assert _failure_reason(db) == "unsolicited"
    assert client.get("/dashboard").status_code == 302


def test_response_for_another_audience_is_refused_even_when_the_request_id_matches(
        client, db, make_saml_connection, saml_sign_in, saml_idp):
    from sqlalchemy import update

    from lms.sso.models import SamlRequest

    conn = make_saml_connection()
    other = make_saml_connection(make_org(name="Other Trust"), domains=("other-trust.org",))
    saml_idp.add_account("a2", mail=[f"a2@{DOMAIN}"])
    path, fields = saml_sign_in(client, f"a2@{DOMAIN}", "a2")
    # As if the other organisation had sent that AuthnRequest: only audience and recipient now differ.
    db.session.execute(update(SamlRequest).where(SamlRequest.connection_id == conn.id).values(connection_id=other.id))
    db.session.flush()
    response = client.post(f"/sso/saml/{other.id}/acs", fields, csrf=False)
    assert response.status_code == 400
    assert _failure_reason(db) in ("wrong-audience", "wrong-recipient"), _failure_reason(db)
    assert client.get("/dashboard").status_code == 302


def test_unsolicited_response_is_refused(client, db, make_saml_connection, saml_sign_in, saml_idp):
    from lms.sso.models import SamlRequest

    make_saml_connection()
    saml_idp.add_account("s1", mail=[f"s1@{DOMAIN}"])
    path, fields = saml_sign_in(client, f"s1@{DOMAIN}", "s1")
    db.session.execute(SamlRequest.__table__.delete())  # as if we had never sent the AuthnRequest
    db.session.flush()
    response = client.post(path, fields, csrf=False)
    assert response.status_code == 400 and "no sign-in we started" in response.get_data(as_text=True)


def test_unknown_identity_provider_and_empty_posts(client, db):
    assert client.post("/sso/saml/424242/acs", {"SAMLResponse": "PHNhbWw+"}, csrf=False).status_code == 404


def test_garbage_response_gets_a_clear_error(client, db, make_saml_connection):
    conn = make_saml_connection()
    for junk in ("", "not base64 at all", base64.b64encode(b"<not-saml/>").decode(),
                 base64.b64encode(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>').decode()):
        response = client.post(f"/sso/saml/{conn.id}/acs", {"SAMLResponse": junk}, csrf=False)
        assert response.status_code == 400, junk
        assert "root:" not in response.get_data(as_text=True)


def test_metadata_without_exactly_one_signing_idp_is_refused():
    from lms.sso.saml import SamlError, idp_entity_id

    for bad in ("", "<xml", "<EntityDescriptor xmlns='urn:oasis:names:tc:SAML:2.0:metadata' entityID='x'/>"):
        with pytest.raises(SamlError):
            idp_entity_id(bad)


# --- where the person lands: RelayState carries the page, checked as a path on this site ----------------

def test_saml_brings_the_person_back_to_the_page_they_came_from(client, db, make_saml_connection, saml_sign_in,
                                                                saml_idp, sign_in_start):
    make_saml_connection()
    saml_idp.add_account("back-s", mail=[f"back-s@{DOMAIN}"])
    start_at = sign_in_start(client, "/credits/transcript?year=2026")
    path, fields = saml_sign_in(client, f"back-s@{DOMAIN}", "back-s", start_at=start_at)
    assert fields["RelayState"] == "/credits/transcript?year=2026"  # through the IdP and back
    response = client.post(path, fields, csrf=False)
    assert response.status_code == 302 and response.location == "/credits/transcript?year=2026"
    assert client.get(response.location).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/phish", "/\\evil.example",
                                    "\\\\evil.example", "http:evil.example", "///evil.example",
                                    "javascript:alert(1)"])
def test_saml_never_sends_anyone_to_another_site(make_client, db, make_saml_connection, saml_sign_in, saml_idp,
                                                 target):
    from urllib.parse import urlencode

    make_saml_connection()
    saml_idp.add_account("stay-s", mail=[f"stay-s@{DOMAIN}"])
    browser = make_client()
    # Refused on the way out (not sent to the IdP)...
    path, fields = saml_sign_in(browser, f"stay-s@{DOMAIN}", "stay-s", start_at="/sso/?" + urlencode({"next": target}))
    assert fields.get("RelayState", "") == ""
    assert browser.post(path, fields, csrf=False).location == "/dashboard"
    # ...and on the way back, when the RelayState is forged in the posted form.
    browser = make_client()
    path, fields = saml_sign_in(browser, f"stay-s@{DOMAIN}", "stay-s", start_at="/sso/?next=/profile")
    response = browser.post(path, {**fields, "RelayState": target}, csrf=False)
    assert response.status_code == 302 and response.location == "/dashboard", response.location


def test_saml_drops_a_page_longer_than_relay_state_allows(client, db, make_saml_connection, saml_sign_in, saml_idp):
    make_saml_connection()
    saml_idp.add_account("long-s", mail=[f"long-s@{DOMAIN}"])
    page = "/credits/transcript?" + "x=" + "a" * 80
    path, fields = saml_sign_in(client, f"long-s@{DOMAIN}", "long-s", start_at=f"/sso/?next={page}")
    assert fields.get("RelayState", "") == ""  # never cut short into another page
    assert client.post(path, fields, csrf=False).location == "/dashboard"
