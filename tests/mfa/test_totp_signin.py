"""TOTP, recovery codes and the policy that requires a second factor, through the real sign-in views."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from lms.mfa import services
from lms.mfa.models import RecoveryCode, TotpCredential
from lms.types import utcnow
from tests.factories import PASSWORD, make_member, make_org, make_user


def sign_in(client, user, password=PASSWORD):
    return client.post("/auth/login", {"email": user.email, "password": password})


def signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def enrol(user, now=None) -> tuple[str, list[str]]:
    """Give ``user`` a confirmed authenticator app; returns its secret and recovery codes."""
    now = now or utcnow()
    secret = services.start_totp(user, now=now)
    codes = services.confirm_totp(user, pyotp.TOTP(secret).at(now), now=now)
    return secret, codes


def code_for(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30 * offset_steps))


def test_a_user_without_a_factor_or_policy_signs_in_with_the_password_alone(client, db):
    user = make_user()
    assert sign_in(client, user).headers["Location"].endswith("/dashboard")
    assert signed_in(client)


def test_a_user_with_an_app_must_give_a_code_and_a_wrong_one_is_refused(client, db):
    user = make_user()
    secret, _ = enrol(user, utcnow() - timedelta(minutes=5))
    response = sign_in(client, user)
    assert response.headers["Location"].endswith("/mfa/verify")
    assert not signed_in(client), "the password alone must not start a session"
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
    assert client.post("/mfa/verify", {"code": wrong}).status_code == 401
    assert client.post("/mfa/verify", {"code": "abc"}).status_code == 401
    assert not signed_in(client)
    response = client.post("/mfa/verify", {"code": code_for(secret)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert signed_in(client)


def test_a_code_is_refused_when_replayed_in_its_window(client, make_client, db):
    user = make_user()
    secret, _ = enrol(user, utcnow() - timedelta(minutes=5))
    code = code_for(secret)
    sign_in(client, user)
    assert client.post("/mfa/verify", {"code": code}).status_code == 302
    other = make_client()
    sign_in(other, user)
    assert other.post("/mfa/verify", {"code": code}).status_code == 401, "a used code must not work twice"
    assert other.post("/mfa/verify", {"code": code_for(secret, -1)}).status_code == 401, "nor an older one"
    assert not signed_in(other)


def test_next_is_kept_through_the_second_step(client, db):
    user = make_user()
    secret, _ = enrol(user, utcnow() - timedelta(minutes=5))
    client.post("/auth/login?next=/profile", {"email": user.email, "password": PASSWORD})
    assert client.post("/mfa/verify", {"code": code_for(secret)}).headers["Location"].endswith("/profile")


def test_a_recovery_code_works_once(client, make_client, db):
    user = make_user()
    _, codes = enrol(user, utcnow() - timedelta(minutes=5))
    assert len(codes) == 10 and len(set(codes)) == 10
    sign_in(client, user)
    assert client.post("/mfa/verify", {"code": codes[0].upper()}).status_code == 302
    assert signed_in(client)
    assert services.recovery_codes_left(user) == 9
    again = make_client()
    sign_in(again, user)
    assert again.post("/mfa/verify", {"code": codes[0]}).status_code == 401
    assert not signed_in(again)


def test_recovery_codes_and_secret_are_not_stored_in_clear(db):
    user = make_user()
    secret, codes = enrol(user)
    row = db.session.scalar(select(TotpCredential).where(TotpCredential.user_id == user.id))
    assert secret not in row.secret_encrypted
    stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_new_recovery_codes_void_the_old_ones(db):
    user = make_user()
    _, old = enrol(user)
    new = services.new_recovery_codes(user, now=utcnow())
    assert not services.use_recovery_code(user, old[1], now=utcnow())
    assert services.use_recovery_code(user, new[1], now=utcnow())
    assert not services.use_recovery_code(user, new[1], now=utcnow())


def test_wrong_codes_are_rate_limited_per_account(client, db):
    user = make_user()
    secret, _ = enrol(user, utcnow() - timedelta(minutes=5))
    sign_in(client, user)
    statuses = [client.post("/mfa/verify", {"code": "000000" if code_for(secret) != "000000" else "111111"}).status_code
                for _ in range(5)]
    assert statuses == [401] * 5
    assert client.post("/mfa/verify", {"code": code_for(secret)}).status_code == 429
    assert not signed_in(client)


def test_a_site_administrator_must_set_up_a_factor_at_sign_in(client, db):
    admin = make_user(admin=True)
    response = sign_in(client, admin)
    assert response.headers["Location"].endswith("/mfa/setup")
    assert not signed_in(client)
    page = client.get("/mfa/setup")
    assert page.status_code == 200 and b"Set up an authenticator app" in page.data
    assert client.post("/mfa/totp/start").status_code == 302
    page = client.get("/mfa/setup").data.decode()
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page).group(1)
    assert 'src="data:image/svg+xml' in page
    assert client.post("/mfa/setup", {"code": "123456" if code_for(secret) != "123456" else "654321"}).status_code == 401
    assert not signed_in(client)
    response = client.post("/mfa/setup", {"code": code_for(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<li class=\"col\">([a-z0-9-]+)</li>", response.data.decode())
    assert len(codes) == 10
    assert signed_in(client)
    # The codes are shown once: no page shows them again.
    assert codes[0] not in client.get("/mfa/").data.decode()


def test_the_organisation_policy_requires_a_factor_for_managers_and_educators_only(client, make_client, db):
    org = make_org()
    manager = make_member(org, role="manager").user
    educator = make_member(org, role="educator").user
    member = make_member(org).user
    client.login(manager)
    assert client.post(f"/mfa/orgs/{org.id}", {"require_for_staff": "y"}).status_code == 302
    assert services.policy_for(org.id)
    assert services.requires_second_factor(educator) and services.requires_second_factor(manager)
    assert not services.requires_second_factor(member)
    b = make_client()
    assert sign_in(b, educator).headers["Location"].endswith("/mfa/setup")
    assert not signed_in(b)
    c = make_client()
    assert sign_in(c, member).headers["Location"].endswith("/dashboard")


def test_another_organisations_manager_cannot_change_the_policy(client, db):
    org, other = make_org(), make_org()
    outsider = make_member(other, role="manager").user
    client.login(outsider)
    assert client.post(f"/mfa/orgs/{org.id}", {"require_for_staff": "y"}).status_code == 404
    assert not services.policy_for(org.id)


def test_a_deactivated_educator_is_no_longer_bound_by_the_policy(db):
    org = make_org()
    services.set_policy(make_user(), org, require_for_staff=True, now=utcnow())
    membership = make_member(org, role="educator")
    assert services.requires_second_factor(membership.user)
    membership.deactivated_at = utcnow()
    db.session.flush()
    assert not services.requires_second_factor(membership.user)


def test_the_last_factor_cannot_be_removed_when_required(client, db):
    admin = make_user(admin=True)
    enrol(admin)
    with pytest.raises(services.MfaError):
        services.remove_totp(admin, now=utcnow())
    user = make_user()
    enrol(user)
    services.remove_totp(user, now=utcnow())
    assert not services.has_second_factor(user)
    assert services.recovery_codes_left(user) == 0


def test_the_pending_step_dies_with_a_password_change_and_with_time(client, db, app):
    import time_machine

    user = make_user()
    secret, _ = enrol(user, utcnow() - timedelta(minutes=5))
    sign_in(client, user)
    from lms.auth.services import end_sessions

    end_sessions(user)
    db.session.commit()
    assert client.post("/mfa/verify", {"code": code_for(secret)}).headers["Location"].endswith("/auth/login")
    sign_in(client, user)
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        assert client.get("/mfa/verify").headers["Location"].endswith("/auth/login")


def test_verify_without_a_password_step_sends_to_login(client, db):
    assert client.get("/mfa/verify").headers["Location"].endswith("/auth/login")
    assert client.post("/mfa/verify", {"code": "123456"}).headers["Location"].endswith("/auth/login")


def test_the_password_alone_cannot_add_a_factor_to_an_account_that_has_one(client, db):
    """Otherwise whoever knows the password would register their own passkey or app and walk in."""
    user = make_user()
    enrol(user, utcnow() - timedelta(minutes=5))
    sign_in(client, user)
    assert client.get("/mfa/setup").headers["Location"].endswith("/mfa/verify")
    assert client.post("/mfa/totp/start").headers["Location"].endswith("/auth/login")
    assert client.post("/mfa/passkeys/register/options").status_code == 401
    assert client.post("/mfa/passkeys/register").status_code == 401
    assert not signed_in(client)
    assert services.confirmed_totp(user) is not None and not services.passkeys(user)
