"""Forwarding statements to an organisation's own LRS: settings (checked, secret encrypted), and a real
HTTP server in its own process (``lrs_recorder.py``) receiving a cmi5 session's statements, failing
and being retried. Ralph itself is not installed here (see the README); the recorder speaks the part
of the xAPI statements resource the forwarder uses."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from courses.packages import forwarding
from courses.packages.models import ExternalLrs, XapiForward, XapiStatement
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


def test_a_cmi5_sessions_statements_reach_the_external_lrs(client, db, provider, loopback, recorder, tmp_path):
    url, seen = recorder
    org, manager, educator = provider
    forwarding.save_settings(manager, org, endpoint=f"{url}/xapi/", key="continuum-key", secret=SECRET, active=True,
                             now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(move_on="Completed"), tmp_path)
    _learner(client, course)
    _url, params = _launch(client, course)
    au = AU(client, params)
    au.prefs()
    assert au.send(au.statement("initialized")).status_code == 204
    assert au.send(au.statement("completed", moveon=True, result={"completion": True, "duration": "PT2M"})
                   ).status_code == 204
    requests_seen = seen()
    verbs = [json.loads(r["body"])["verb"]["id"].rsplit("/", 1)[-1] for r in requests_seen]
    assert verbs == ["launched", "initialized", "completed", "satisfied", "satisfied"]  # the block and the course
    first = requests_seen[0]
    assert first["headers"]["Authorization"] == "Basic " + base64.b64encode(
        f"continuum-key:{SECRET}".encode()).decode()
    assert first["headers"]["X-Experience-API-Version"] == "1.0.3"
    body = json.loads(first["body"])
    assert first["query"]["statementId"] == body["id"] and "stored" not in body and "authority" not in body
    assert body["context"]["registration"] == params["registration"]
    forwards = db.session.query(XapiForward).order_by(XapiForward.id).all()
    assert [f.status for f in forwards] == ["delivered"] * 5 and all(f.attempts == 1 for f in forwards)
    client.login(manager)
    page = client.get(f"/packages/orgs/{org.id}/lrs")
    assert page.text.count(">delivered<") == 5


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


def test_wrong_credentials_a_blocked_address_and_a_dead_lrs_fail_after_the_last_retry(app, client, db, provider,
                                                                                    loopback, recorder, tmp_path,
                                                                                    monkeypatch):
    url, _seen = recorder
    org, manager, educator = provider
    lrs = forwarding.save_settings(manager, org, endpoint=f"{url}/xapi/", key="continuum-key", secret="wrong-secret",
                                   active=True, now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    queued = []
    monkeypatch.setattr(forwarding.jobs, "enqueue", lambda func, *args, **kw: queued.append(args[0]))
    _launch(client, course)
    forward_id = queued[0]
    assert forwarding.deliver(forward_id, now=utcnow()) == "retry"
    assert db.session.get(XapiForward, forward_id).last_error == "HTTP 401"
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_LOOPBACK", False)  # the guard refuses 127.0.0.1 again
    assert forwarding.deliver(forward_id, now=utcnow()) == "retry"
    assert "not allowed" in db.session.get(XapiForward, forward_id).last_error
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_LOOPBACK", True)
    lrs.endpoint = "http://127.0.0.1:9/xapi/"  # nothing listens there
    for _ in range(forwarding.MAX_ATTEMPTS - 3):
        assert forwarding.deliver(forward_id, now=utcnow()) == "retry"
    assert forwarding.deliver(forward_id, now=utcnow()) == "failed"
    forward = db.session.get(XapiForward, forward_id)
    assert forward.status == "failed" and forward.last_error.startswith("Connection failed")
    assert forwarding.deliver(forward_id, now=utcnow()) == "skipped"


def test_no_lrs_or_a_switched_off_one_forwards_nothing(client, db, provider, loopback, recorder, tmp_path):
    url, seen = recorder
    org, manager, educator = provider
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    _launch(client, course)
    forwarding.save_settings(manager, org, endpoint=f"{url}/xapi/", key="continuum-key", secret=SECRET, active=False,
                             now=utcnow())
    _launch(client, course)
    assert db.session.query(XapiStatement).count() >= 2 and db.session.query(XapiForward).count() == 0
    assert seen() == []


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
