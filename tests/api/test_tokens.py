"""Tokens: shown once, stored hashed, scoped, expiring, revocable, never more than their owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.api import tokens
from lms.api.models import ApiToken
from lms.types import utcnow
from tests.api.conftest import personal_token, service_token
from tests.factories import make_member, make_org, make_user


def test_only_a_hash_is_stored_and_the_secret_authenticates(db):
    user = make_user()
    made = tokens.create_personal_token(user, name="export", scopes="credits:read", now=utcnow())
    row = db.session.scalar(select(ApiToken).where(ApiToken.id == made.token.id))
    assert made.secret.startswith("cnt_") and len(made.secret) > 40
    assert made.secret not in (row.token_hash, row.prefix) and row.token_hash == tokens.hash_secret(made.secret)
    assert tokens.authenticate(made.secret, now=utcnow()) == row
    assert row.last_used_at is None
    tokens.touch(row.id, utcnow())
    db.session.refresh(row)
    first = row.last_used_at
    assert first is not None
    tokens.touch(row.id, first + timedelta(seconds=30))  # at most once a minute
    db.session.refresh(row)
    assert row.last_used_at == first


@pytest.mark.parametrize("secret", [None, "", "cnt_", "cnt_wrong", "Bearer x", "x" * 5000, "cnt_" + "a" * 300])
def test_garbage_secrets_authenticate_nobody(db, secret):
    make_user()
    assert tokens.authenticate(secret, now=utcnow()) is None


def test_expired_revoked_and_disabled_owner_tokens_fail(db):
    user = make_user()
    now = utcnow()
    expired = tokens.create_personal_token(user, name="a", scopes=["catalog:read"], now=now - timedelta(days=2), days=1)
    assert tokens.authenticate(expired.secret, now=now) is None
    revoked = tokens.create_personal_token(user, name="b", scopes=["catalog:read"], now=now)
    tokens.revoke(revoked.token, actor=user, now=now)
    assert tokens.authenticate(revoked.secret, now=now) is None
    live = tokens.create_personal_token(user, name="c", scopes=["catalog:read"], now=now)
    user.disabled_at = now
    assert tokens.authenticate(live.secret, now=now) is None


@pytest.mark.parametrize("scopes", ["", "admin:write", "catalog:read,catalog:delete", ["credits:*"], "catalog:write"])
def test_unknown_or_missing_scopes_are_refused(db, scopes):
    with pytest.raises(tokens.TokenError):
        tokens.create_personal_token(make_user(), name="x", scopes=scopes, now=utcnow())


@pytest.mark.parametrize("days", [0, -1, 367, 10_000])
def test_lifetime_is_bounded(db, days):
    with pytest.raises(tokens.TokenError):
        tokens.create_personal_token(make_user(), name="x", scopes="catalog:read", now=utcnow(), days=days)


def test_service_tokens_need_a_manager_and_follow_the_role(db):
    org = make_org()
    manager = make_member(org, role="manager")
    educator = make_member(org, role="educator").user
    with pytest.raises(tokens.TokenError):
        service_token(educator, org)
    with pytest.raises(tokens.TokenError, match="personal scopes"):
        service_token(manager.user, org, scopes=["credits:read"])
    secret = service_token(manager.user, org)
    assert tokens.authenticate(secret, now=utcnow()) is not None
    manager.role = "member"  # demoted: the token must lose the manager's rights at once
    db.session.flush()
    assert tokens.authenticate(secret, now=utcnow()) is None
    manager.role = "manager"
    manager.deactivated_at = utcnow()
    db.session.flush()
    assert tokens.authenticate(secret, now=utcnow()) is None


def test_create_token_command_prints_a_working_token(app, db):
    user = make_user(email="cli@example.org")
    result = app.test_cli_runner().invoke(args=["lms", "create-token", "--email", "CLI@example.org",
                                                "--scopes", "credits:read,catalog:read"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    token = tokens.authenticate(secret, now=utcnow())
    assert token is not None and token.user_id == user.id and token.scopes == ["catalog:read", "credits:read"]
    bad = app.test_cli_runner().invoke(args=["lms", "create-token", "--email", "cli@example.org", "--scopes", "root"])
    assert bad.exit_code != 0 and "Unknown scope" in bad.output
    nobody = app.test_cli_runner().invoke(args=["lms", "create-token", "--email", "no@example.org",
                                                "--scopes", "catalog:read"])
    assert nobody.exit_code != 0


def test_profile_page_shows_the_secret_once_and_revokes(client, db):
    user = make_user()
    client.login(user)
    page = client.post("/profile/tokens", {"name": "Transcript pull", "scopes": ["credits:read"], "days": "30"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    import re

    secret = re.search(r'id="new-token">(cnt_[^<]+)<', html).group(1)
    assert tokens.hash_secret(secret) == row.token_hash
    assert secret not in client.get("/profile/tokens").get_data(as_text=True)
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 302
    assert tokens.authenticate(secret, now=utcnow()) is None
    other = make_user()
    mine = tokens.create_personal_token(other, name="x", scopes="catalog:read", now=utcnow()).token
    assert client.post(f"/profile/tokens/{mine.id}/revoke").status_code == 404


def test_profile_page_refuses_bad_input(client, db):
    client.login(make_user())
    assert client.post("/profile/tokens", {"name": "", "scopes": ["credits:read"], "days": "30"}).status_code == 422
    assert client.post("/profile/tokens", {"name": "x", "scopes": ["root:write"], "days": "30"}).status_code == 422
    assert client.post("/profile/tokens", {"name": "x", "scopes": ["credits:read"], "days": "999"}).status_code == 422


def test_org_token_page_is_for_managers_only(client, db, make_client):
    org = make_org()
    manager = make_member(org, role="manager").user
    member = make_member(org).user
    outsider = make_member(make_org(), role="manager").user
    for user, status in ((member, 403), (outsider, 404), (manager, 200)):
        c = make_client()
        c.login(user)
        assert c.get(f"/orgs/{org.id}/api-tokens").status_code == status
    c = make_client()
    c.login(manager)
    page = c.post(f"/orgs/{org.id}/api-tokens", {"name": "HR", "scopes": ["org:read", "org:write"], "days": "90"})
    assert page.status_code == 200 and "cnt_" in page.get_data(as_text=True)
    personal_scope = c.post(f"/orgs/{org.id}/api-tokens", {"name": "HR", "scopes": ["credits:read"], "days": "9"})
    assert personal_scope.status_code == 422
    token = db.session.scalar(select(ApiToken).where(ApiToken.org_id == org.id))
    m = make_client()
    m.login(member)
    assert m.post(f"/orgs/{org.id}/api-tokens/{token.id}/revoke").status_code == 403
    assert c.post(f"/orgs/{org.id}/api-tokens/{token.id}/revoke").status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_personal_token_fixture_works(db):
    assert tokens.authenticate(personal_token(make_user()), now=utcnow()) is not None
