"""Bad input and broken services answer 4xx/503 with the app's page or problem+json and the security headers."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from lms import inputs
from meetings import jitsi
from tests.conftest import base_config, upgrade_database
from tests.factories import make_user

SECRET = "whsec_0123456789abcdef0123456789abcdef"
JSON = {"Accept": "application/json"}


def assert_hardened(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("url", ["/courses/2147483648", "/orgs/2147483648", "/meetings/9223372036854775808",
                                 "/credits/claim/course/2147483648", "/certificates/99999999999999999999",
                                 "/certificates/keys/9223372036854775808.json"])
def test_ids_beyond_the_database_range_are_not_found(client, db, url):
    client.login(make_user())
    response = client.get(url)
    assert response.status_code == 404
    assert_hardened(response)
    assert b"Not found" in response.data


def test_a_problem_json_answer_for_api_clients(client, db):
    response = client.get("/orgs/2147483648", headers=JSON)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404 and response.get_json()["title"] == "Not found"
    assert_hardened(response)


@pytest.mark.parametrize("field", ["email", "password", "csrf_token"])
def test_a_nul_byte_in_a_form_field_is_a_bad_request(client, db, field):
    data = {"email": "a@example.org", "password": "pw"}
    data[field] = "x\x00y"
    response = client.post("/auth/login", data, csrf=field != "csrf_token")
    assert response.status_code == 400
    assert_hardened(response)


def test_a_nul_byte_in_a_query_argument_is_a_bad_request(client, db):
    client.login(make_user())
    response = client.get("/courses/?q=a%00b")
    assert response.status_code == 400
    assert_hardened(response)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42", b"[" * 100_000 + b"]" * 100_000,
                                  b'{"a":' * 100_000 + b"1" + b"}" * 100_000, b'{"position": "\\u0000"}', b"{nope"])
def test_json_that_is_not_a_plain_object_is_a_bad_request(client, db, body):
    client.login(make_user())
    response = client._isolated(client.http.post, "/courses/1/lessons/1/position", data=body,
                                content_type="application/json", headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 400
    assert_hardened(response)


def test_json_depth_is_checked_without_recursion():
    assert inputs.json_depth_ok('{"a": "[[[[[[[[[["}', limit=2)  # brackets inside strings do not count
    assert not inputs.json_depth_ok("[" * 3, limit=2)
    with pytest.raises(ValueError):
        inputs.loads("[" * 100_000)


@pytest.fixture
def jaas(app, monkeypatch):
    monkeypatch.setitem(app.config, "JITSI_WEBHOOK_SECRET", SECRET)
    monkeypatch.setitem(app.config, "JITSI_WEBHOOK_MAX_AGE", 300)


def post_hook(client, raw: bytes, header: str):
    return client._isolated(client.http.post, "/meetings/hooks/jaas", data=raw, content_type="application/json",
                            headers={"X-Jaas-Signature": header})


@pytest.mark.parametrize("t", ["99999999999999999999999", "²", "1e9", "-5", "", "0x10", "१२३"])
def test_a_malformed_webhook_timestamp_is_refused(client, db, jaas, t):
    raw = b'{"eventType": "PARTICIPANT_JOINED"}'
    signature = jitsi.sign_webhook(raw, SECRET, int(time.time())).split("v1=", 1)[1]
    response = post_hook(client, raw, f"t={t},v1={signature}")
    assert response.status_code in (400, 401)
    assert_hardened(response)


@pytest.mark.parametrize("payload", [
    {"idempotencyKey": "k", "eventType": "PARTICIPANT_JOINED", "timestamp": 10**30, "fqn": "a/b"},
    {"idempotencyKey": "k", "eventType": "PARTICIPANT_JOINED", "timestamp": -10**20, "fqn": "a/b"},
    {"idempotencyKey": "k", "eventType": "PARTICIPANT_JOINED", "timestamp": "soon", "fqn": "a/b"},
    {"idempotencyKey": "k", "eventType": "PARTICIPANT_JOINED", "timestamp": 1, "fqn": "a/b", "data": [1]},
    [1, 2, 3],
])
def test_a_signed_webhook_with_a_malformed_body_is_refused(client, db, jaas, payload):
    raw = json.dumps(payload).encode()
    response = post_hook(client, raw, jitsi.sign_webhook(raw, SECRET, int(time.time())))
    assert response.status_code == 400
    assert_hardened(response)


@pytest.mark.parametrize("payload", [{"occupant": [1]}, {"occupant": {"joined_at": 1e400}},
                                     {"occupant": {"joined_at": "nan"}}, {"occupant": {"joined_at": 10**20}}])
def test_a_malformed_prosody_event_is_refused(client, db, app, monkeypatch, payload):
    monkeypatch.setitem(app.config, "JITSI_EVENT_SYNC_SECRET", "s3cret")
    response = client._isolated(client.http.post, "/meetings/hooks/prosody/occupant/joined",
                                data=json.dumps(payload).replace("Infinity", "1e400"),
                                content_type="application/json", headers={"X-Continuum-Event-Secret": "s3cret"})
    assert response.status_code == 400
    assert_hardened(response)


@pytest.fixture
def trusted(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["continuum.example.org"])


@pytest.mark.parametrize("headers", [{}, JSON])
def test_an_untrusted_host_is_a_bad_request_with_the_security_headers(client, db, trusted, headers):
    response = client.get("/policy", headers={"Host": "evil.example", **headers})
    assert response.status_code == 400
    assert_hardened(response)
    assert client.get("/policy", headers={"Host": "continuum.example.org"}).status_code == 200


def outage_app(tmp_path, database_url, **extra):
    from lms import create_app

    return create_app(base_config(tmp_path, database_url) | {"TESTING": False, "WTF_CSRF_ENABLED": False, **extra})


@pytest.mark.parametrize("headers", [{}, JSON])
def test_a_database_outage_answers_503_with_retry_after(tmp_path, headers):
    app = outage_app(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1")
    response = app.test_client().post("/auth/login", data={"email": "a@example.org", "password": "x" * 12},
                                      headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert_hardened(response)
    if headers:
        assert response.get_json()["status"] == 503
    else:
        assert b"Temporarily unavailable" in response.data


@pytest.mark.slow
def test_a_locked_sqlite_database_answers_503_not_500(tmp_path):
    path = tmp_path / "locked.db"
    app = outage_app(tmp_path, f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT_MS=200)
    upgrade_database(app)
    outsider = sqlite3.connect(path, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")  # an outside writer holds the lock
    try:
        response = app.test_client().post("/auth/login", data={"email": "a@example.org", "password": "x" * 12})
    finally:
        outsider.execute("ROLLBACK")
        outsider.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert_hardened(response)
