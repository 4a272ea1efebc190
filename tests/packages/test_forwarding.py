"""Forwarding statements to an organisation's own LRS: the settings (checked, secret encrypted), and what a
real LRS cannot be made to show. Delivery itself is proven against Ralph in its own process and virtualenv
(``test_forwarding_ralph.py``: a cmi5 session read back, 401, re-PUT, 409, nothing when switched off).
The recorder (``lrs_recorder.py``, our HTTP server in its own process) stays only where Ralph cannot
serve: the exact request (headers Ralph does not echo) and 503 answers on demand (the retry paths)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from courses.packages import forwarding
from courses.packages.models import ExternalLrs, XapiForward
from lms import secretbox
from lms.types import utcnow
from tests.factories import make_member, make_org
from tests.packages.builders import cmi5_zip
from tests.packages.factories import make_package_course
from tests.packages.test_packages_http import AU, _launch, _learner

RECORDER = Path(__file__).with_name("lrs_recorder.py")
SECRET = "a-long-lrs-secret-0123456789"


@pytest.fixture
def provider(db):
    org = make_org(kind="provider", is_accredited_provider=True)
    return org, make_member(org, role="manager").user, make_member(org, role="educator").user


@pytest.fixture
def loopback(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_LOOPBACK", True)
    monkeypatch.setitem(app.config, "WEBHOOK_SCHEMES", ("https", "http"))


@pytest.fixture
def recorder(tmp_path):
    """The stand-in LRS process: (base URL, a function returning the recorded requests)."""
    record = tmp_path / "requests.jsonl"
    record.touch()
    process = subprocess.Popen([sys.executable, str(RECORDER), str(record), "continuum-key", SECRET],
                               stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        url = f"http://127.0.0.1:{port}"

        def seen():
            return [json.loads(line) for line in record.read_text().splitlines()]

        seen.fail = lambda n: requests.post(f"{url}/control", json={"fail": n}, timeout=5)
        yield url, seen
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("endpoint,message", [
    ("", "Give the LRS's xAPI endpoint"),
    ("ftp://lrs.example.org/xapi/", "Only"),
    ("https://user:pw@lrs.example.org/xapi/", "no user name or password"),
    ("https://10.1.2.3/xapi/", "not allowed"),
    ("https://127.0.0.1/xapi/", "not allowed"),
    ("https://" + "a" * 500 + ".org/", "at most 500"),
])
def test_bad_endpoints_are_refused(db, provider, endpoint, message):
    org, manager, _ = provider
    with pytest.raises(forwarding.LrsSettingsError, match=message):
        forwarding.save_settings(manager, org, endpoint=endpoint, key="k", secret=SECRET, active=True, now=utcnow())
    assert db.session.query(ExternalLrs).count() == 0


def test_the_secret_is_stored_encrypted_in_its_own_context_and_kept_when_left_blank(app, db, provider, loopback):
    org, manager, _ = provider
    with pytest.raises(forwarding.LrsSettingsError, match="secret"):
        forwarding.save_settings(manager, org, endpoint="http://127.0.0.1:9/xapi", key="k", secret="", active=True,
                                 now=utcnow())
    with pytest.raises(forwarding.LrsSettingsError, match="no colon"):
        forwarding.save_settings(manager, org, endpoint="http://127.0.0.1:9/xapi", key="a:b", secret=SECRET,
                                 active=True, now=utcnow())
    lrs = forwarding.save_settings(manager, org, endpoint="http://127.0.0.1:9/xapi", key="k", secret=SECRET,
                                   active=True, now=utcnow())
    assert lrs.endpoint == "http://127.0.0.1:9/xapi/" and SECRET not in lrs.secret_encrypted
    assert secretbox.decrypt(app.config["SECRET_KEY"], lrs.secret_encrypted) == ""  # not the SSO key
    assert secretbox.decrypt(app.config["SECRET_KEY"], lrs.secret_encrypted,
                             context=forwarding.SECRET_CONTEXT) == SECRET
    stored = lrs.secret_encrypted
    forwarding.save_settings(manager, org, endpoint="http://127.0.0.1:9/xapi/", key="k2", secret="", active=False,
                             now=utcnow())
    assert lrs.secret_encrypted == stored and lrs.key == "k2" and not lrs.is_active


def test_the_settings_page_saves_and_refuses(client, db, provider, loopback):
    org, manager, educator = provider
    client.login(manager)
    page = client.get(f"/packages/orgs/{org.id}/lrs")
    assert page.status_code == 200 and 'for="endpoint"' in page.text and "Nothing forwarded yet" in page.text
    bad = client.post(f"/packages/orgs/{org.id}/lrs", {"endpoint": "https://10.0.0.5/xapi/", "key": "k",
                                                        "secret": SECRET, "active": "y"})
    assert bad.status_code == 422 and "not allowed" in bad.text
    good = client.post(f"/packages/orgs/{org.id}/lrs", {"endpoint": "http://127.0.0.1:9/xapi/", "key": "k",
                                                         "secret": SECRET, "active": "y"})
    assert good.status_code == 303
    page = client.get(f"/packages/orgs/{org.id}/lrs")
    assert SECRET not in page.text and 'value="http://127.0.0.1:9/xapi/"' in page.text
    client.login(educator)
    assert client.get(f"/packages/orgs/{org.id}/lrs").status_code == 403


def test_the_request_is_a_put_with_basic_auth_the_version_header_and_no_stored_or_authority(client, db, provider,
                                                                                             loopback, recorder,
                                                                                             tmp_path):
    """The request's shape, which Ralph does not echo back (its arrival there is in test_forwarding_ralph)."""
    url, seen = recorder
    org, manager, educator = provider
    forwarding.save_settings(manager, org, endpoint=f"{url}/xapi/", key="continuum-key", secret=SECRET, active=True,
                             now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    _url, params = _launch(client, course)
    [first] = seen()
    assert first["method"] == "PUT" and first["path"] == "/xapi/statements"
    assert first["headers"]["Authorization"] == "Basic " + base64.b64encode(
        f"continuum-key:{SECRET}".encode()).decode()
    assert first["headers"]["X-Experience-API-Version"] == "1.0.3"
    assert first["headers"]["Content-Type"] == "application/json"
    body = json.loads(first["body"])
    assert first["query"]["statementId"] == body["id"] and "stored" not in body and "authority" not in body
    assert body["context"]["registration"] == params["registration"]
    assert [f.status for f in db.session.query(XapiForward)] == ["delivered"]
    client.login(manager)
    assert client.get(f"/packages/orgs/{org.id}/lrs").text.count(">delivered<") == 1


def test_a_failed_delivery_is_retried_and_kept_until_it_arrives(app, client, db, provider, loopback, recorder,
                                                                 tmp_path, monkeypatch):
    url, seen = recorder
    org, manager, educator = provider
    forwarding.save_settings(manager, org, endpoint=f"{url}/xapi/", key="continuum-key", secret=SECRET, active=True,
                             now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    seen.fail(1)
    queued = []
    monkeypatch.setattr(forwarding.jobs, "enqueue", lambda func, *args, **kw: queued.append((func, args, kw)))
    _launch(client, course)
    assert len(queued) == 1 and queued[0][0] is forwarding.forward_job  # the job takes the row's id
    forward_id = queued[0][1][0]
    with pytest.raises(forwarding.ForwardFailed):  # RQ retries a job that raises
        forwarding.forward_job(forward_id)
    forward = db.session.get(XapiForward, forward_id)
    assert (forward.status, forward.attempts, forward.last_status_code, forward.last_error) == \
        ("pending", 1, 503, "HTTP 503")
    assert forwarding.forward_job(forward_id) == "delivered"
    assert forwarding.forward_job(forward_id) == "skipped"  # a duplicate job sends nothing
    assert [r["headers"]["Authorization"] != "" for r in seen()] == [True, True]
    assert db.session.get(XapiForward, forward_id).attempts == 2


def test_a_blocked_address_and_a_dead_lrs_fail_after_the_last_retry(app, client, db, provider, loopback, tmp_path,
                                                                     monkeypatch):
    """(A wrong secret, Ralph's 401, is in test_forwarding_ralph.)"""
    org, manager, educator = provider
    lrs = forwarding.save_settings(manager, org, endpoint="http://127.0.0.1:9/xapi/", key="continuum-key",
                                   secret=SECRET, active=True, now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    queued = []
    monkeypatch.setattr(forwarding.jobs, "enqueue", lambda func, *args, **kw: queued.append(args[0]))
    _launch(client, course)
    forward_id = queued[0]
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_LOOPBACK", False)  # the guard refuses 127.0.0.1 again
    assert forwarding.deliver(forward_id, now=utcnow()) == "retry"
    assert "not allowed" in db.session.get(XapiForward, forward_id).last_error
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_LOOPBACK", True)
    assert lrs.endpoint == "http://127.0.0.1:9/xapi/"  # nothing listens there
    for _ in range(forwarding.MAX_ATTEMPTS - 2):
        assert forwarding.deliver(forward_id, now=utcnow()) == "retry"
    assert forwarding.deliver(forward_id, now=utcnow()) == "failed"
    forward = db.session.get(XapiForward, forward_id)
    assert forward.status == "failed" and forward.attempts == forwarding.MAX_ATTEMPTS
    assert forward.last_error.startswith("Connection failed")
    assert forwarding.deliver(forward_id, now=utcnow()) == "skipped"


def test_the_sweep_resends_what_is_still_pending(app, client, db, provider, loopback, recorder, tmp_path,
                                                 monkeypatch):
    from courses.packages.cli import forward_statements_command

    url, seen = recorder
    org, manager, educator = provider
    forwarding.save_settings(manager, org, endpoint=f"{url}/xapi/", key="continuum-key", secret=SECRET, active=True,
                             now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    queued = []
    monkeypatch.setattr(forwarding.jobs, "enqueue", lambda func, *args, **kw: queued.append(args[0]))
    _launch(client, course)
    runner = app.test_cli_runner()
    assert runner.invoke(forward_statements_command).output.strip() == "nothing pending"  # never tried: the job's
    seen.fail(1)
    assert forwarding.deliver(queued[0], now=utcnow()) == "retry"
    assert runner.invoke(forward_statements_command).output.strip() == "1 delivered"
    assert db.session.get(XapiForward, queued[0]).status == "delivered" and len(seen()) == 2
    assert runner.invoke(forward_statements_command).output.strip() == "nothing pending"
