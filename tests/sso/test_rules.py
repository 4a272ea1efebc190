"""Linking and just-in-time rules as plain functions, with a fixed clock (no identity provider needed)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.factories import make_member, make_org, make_user

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
DOMAIN = "rules-hospital.org"


@pytest.fixture
def conn(db, app):
    from lms.sso import services

    return services.save_settings(make_user(admin=True), make_org(name="Rules Hospital"), services.SsoSettings(
        protocol="oidc", enabled=True, require_sso=True, domains=(DOMAIN,), default_role="member",
        issuer="https://idp.rules-hospital.org", client_id="c", client_secret="s"), now=NOW,
        secret_key=app.secret_key)


def claims(**fields):
    from lms.sso.services import Claims

    return Claims(**{"subject": "sub-1", "email": f"a@{DOMAIN}", "email_verified": True, **fields})


def refused(conn, reason, **fields):
    from lms.sso.services import SsoError, sign_in_from_claims

    with pytest.raises(SsoError) as caught:
        sign_in_from_claims(conn, claims(**fields), now=NOW)
    assert caught.value.reason == reason, str(caught.value)


def test_new_person_gets_an_account_without_password_and_a_membership(conn, db):
    from lms.orgs.models import Membership
    from lms.sso.services import sign_in_from_claims

    user = sign_in_from_claims(conn, claims(first_name="Ada", job_title="Nurse"), now=NOW)
    assert user.password_hash is None and user.email_verified_at == NOW
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert (membership.role, membership.job_title, membership.created_at) == ("member", "Nurse", NOW)
    assert sign_in_from_claims(conn, claims(email="changed@elsewhere.org"), now=NOW) is user  # by subject


@pytest.mark.parametrize("fields, reason", [
    ({"email_verified": False}, "email-unverified"),
    ({"email": ""}, "no-email"),
    ({"email": "a@other.org"}, "domain-not-claimed"),
    ({"email": f"a@sub.{DOMAIN}"}, "domain-not-claimed"),
    ({"subject": ""}, "no-subject"),
])
def test_refusals_leave_no_account(conn, db, fields, reason):
    from lms.users.models import User

    before = db.session.scalar(select(func.count()).select_from(User))
    refused(conn, reason, **fields)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_existing_account_already_linked_to_another_subject_is_refused(conn):
    from lms.sso.services import sign_in_from_claims

    sign_in_from_claims(conn, claims(subject="first"), now=NOW)
    refused(conn, "linked-elsewhere", subject="second")


def test_disabled_account_and_ended_membership_are_refused(conn, db):
    make_user(email=f"gone@{DOMAIN}", disabled_at=NOW)
    refused(conn, "account-disabled", email=f"gone@{DOMAIN}", subject="gone")
    make_member(conn.org, make_user(email=f"left@{DOMAIN}"), deactivated_at=NOW)
    refused(conn, "membership-ended", email=f"left@{DOMAIN}", subject="left")


def test_turned_off_connection_refuses(conn):
    conn.enabled = False
    refused(conn, "disabled")


def test_password_refusal_names_the_organisation_and_spares_administrators(conn, db):
    from lms.sso.services import password_refusal

    assert "Rules Hospital signs in rules-hospital.org addresses" in password_refusal(email=f"x@{DOMAIN}")
    assert password_refusal(email=f"X@{DOMAIN.upper()} ") is not None
    assert password_refusal(email="x@other.org") is None
    assert password_refusal(email="not-an-email") is None
    make_user(email=f"root@{DOMAIN}", admin=True)
    assert password_refusal(email=f"root@{DOMAIN}") is None
    conn.require_sso = False
    assert password_refusal(email=f"x@{DOMAIN}") is None


@pytest.mark.parametrize("text, expected", [
    ("Hospital.org, @clinic.org\nhospital.org.", ("hospital.org", "clinic.org")),
    ("", ()),
])
def test_parse_domains(text, expected):
    from lms.sso.services import parse_domains

    assert parse_domains(text) == expected


@pytest.mark.parametrize("text", ["gmail.com", "localhost", "a..b.org", "-x.org", "x.org/evil", "*.org",
                                  ",".join(f"d{i}.org" for i in range(21))])
def test_parse_domains_refuses(text):
    from lms.sso.services import SsoError, parse_domains

    with pytest.raises(SsoError):
        parse_domains(text)
