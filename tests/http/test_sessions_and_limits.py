"""Session cookies, CSRF rotation, SECRET_KEY strength, real client addresses, progressive delays and limits."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import time_machine

from lms.config import ConfigError, finalise, is_strong_secret
from lms.types import utcnow
from tests.conftest import base_config, upgrade_database
from tests.factories import PASSWORD, make_user


def login(client, email, password=PASSWORD, ip="127.0.0.1", **kwargs):
    return client.post("/auth/login", {"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip}, **kwargs)


@pytest.mark.parametrize("key", ["please-change-me-please-change-me-please", "abcdefghijklmnopqrstuvwxyz0123456789",
                                 "ab" * 32, "Password1Password1Password1Password1", "0" * 64])
def test_production_refuses_guessable_secret_keys(key, tmp_path):
    assert not is_strong_secret(key)
    with pytest.raises(ConfigError):
        finalise({"ENV_NAME": "production", "SECRET_KEY": key, "INSTANCE_DIR": str(tmp_path)})


def test_production_accepts_generated_secret_keys():
    assert all(is_strong_secret(secrets.token_urlsafe(48)) for _ in range(50))
    assert all(is_strong_secret(secrets.token_hex(32)) for _ in range(50))


def test_production_session_cookie_is_host_prefixed(tmp_path, monkeypatch):
    from lms import create_app

    monkeypatch.setenv("CONTINUUM_ENV", "production")
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/p.db") | {"SECRET_KEY": secrets.token_urlsafe(48)})
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    response = app.test_client().get("/auth/login", base_url="https://continuum.example.org")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_a_csrf_token_planted_before_login_dies_at_login(client, db):
    user = make_user()
    planted = client.csrf_token()  # the attacker's pre-login session, token included
    response = client.post("/auth/login", {"email": user.email, "password": PASSWORD, "csrf_token": planted},
                           csrf=False)
    assert response.status_code == 302
    forged = client.post("/profile", {"first_name": "Hacked", "last_name": "X", "profession": "other",
                                      "timezone": "UTC", "csrf_token": planted}, csrf=False)
    assert forged.status_code == 400
    assert client.post("/profile", {"first_name": "Own", "last_name": "X", "profession": "other",
                                    "timezone": "UTC"}).status_code == 302  # a fresh token works


def test_a_stranger_cannot_lock_the_owner_out(make_client, db):
    user = make_user()
    stranger = make_client()
    statuses = [login(stranger, user.email, f"wrong guess {i}", ip="203.0.113.9").status_code for i in range(25)]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}
    owner = make_client()
    waiting = login(owner, user.email, ip="198.51.100.7")
    assert waiting.status_code == 429 and 1 <= int(waiting.headers["Retry-After"]) <= 30
    with time_machine.travel(utcnow() + timedelta(seconds=31)):
        assert login(owner, user.email, ip="198.51.100.7").status_code == 302
        # The stranger's own client stays stopped by the per-account-and-client limit.
        assert login(make_client(), user.email, ip="203.0.113.9").status_code == 429


def test_delays_grow_with_each_failure_and_stop_at_the_cap(make_client, db):
    from lms.auth.throttle import wait_seconds

    user = make_user()
    waits = []
    now = utcnow()
    for i in range(16):
        with time_machine.travel(now + timedelta(minutes=i * 0.5 + 0.01), tick=False):
            login(make_client(), user.email, "nope nope nope", ip=f"192.0.2.{i}")
            waits.append(wait_seconds(user.email))
    assert waits[:9] == [0] * 9
    assert waits[9:] == [1, 2, 4, 8, 16, 30, 30]


def test_reset_emails_to_one_address_are_limited_quietly(client, db, outbox):
    user = make_user()
    pages = [client.post("/auth/password/forgot", {"email": user.email}) for _ in range(5)]
    assert [p.status_code for p in pages] == [302] * 5  # the same answer every time
    assert len([m for m in outbox.messages if m["To"] == user.email]) == 3


def test_claims_are_limited_per_account(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLAIM_LIMIT_PER_USER", "2 per hour")
    client.login(make_user())
    statuses = [client.post("/credits/claim/course/1", {}).status_code for _ in range(3)]
    assert statuses[2] == 429 and 429 not in statuses[:2]


def test_transcript_pdfs_are_limited_per_account(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_LIMIT_PER_USER", "1 per minute")
    client.login(make_user())
    assert client.get("/credits/transcript.pdf").status_code == 200
    assert client.get("/credits/transcript.pdf").status_code == 429


@pytest.mark.slow
def test_behind_a_proxy_clients_are_told_apart_by_their_real_address(tmp_path):
    from lms import create_app

    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/proxy.db") | {
        "PROXY_COUNT": 1, "WTF_CSRF_ENABLED": False, "LOGIN_LIMIT_PER_IP": "5 per minute"})
    upgrade_database(app)

    def attempt(client_ip):
        return app.test_client().post("/auth/login", data={"email": "x@example.org", "password": "wrong" * 3},
                                      headers={"X-Forwarded-For": client_ip}, environ_base={"REMOTE_ADDR": "127.0.0.1"})

    assert [attempt("203.0.113.5").status_code for _ in range(6)] == [401] * 5 + [429]
    assert attempt("203.0.113.6").status_code == 401  # another client behind the same proxy is not throttled
    # A client cannot pick its own address: only the last hop, added by the proxy, counts.
    assert attempt("203.0.113.6, 203.0.113.5").status_code == 429


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_with_rate_limiting_switched_off_sign_in_still_works(tmp_path):
    """RATELIMIT_ENABLED=0 leaves the limiter without storage; the sign-in delays must not need it."""
    from lms import create_app
    from lms.extensions import db

    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/nolimits.db") | {
        "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "LOGIN_DELAY_AFTER": 2})
    upgrade_database(app)
    with app.app_context():
        make_user(email="open@example.org")
        db.session.commit()
    client = app.test_client()
    wrong = [client.post("/auth/login", data={"email": "open@example.org", "password": "wrong" * 3}).status_code
             for _ in range(4)]
    assert wrong == [401] * 4  # no delay counters (and no 500) without the limiter's storage
    assert client.post("/auth/login", data={"email": "open@example.org", "password": PASSWORD}).status_code == 302
