"""Forwarding proven against Ralph (France Université Numérique's LRS, ``ralph-malph`` 5.1.0) served by
uvicorn in its own process (``tests/lrs/serve_ralph.py``) from its own virtualenv (``tests/lrs/.venv``, which ``make venv`` builds from
``tests/lrs/requirements.txt``; its pins conflict with the app's lock), with its file-system backend
and a Basic credential written by its own ``ralph auth``. Statements are read back with Ralph's
``GET /xAPI/statements`` under the same credential.

The recorder-based tests in ``test_forwarding.py`` and ``test_forwarding_worker.py`` remain only for
what Ralph cannot do: answer 503 on demand (the retry paths) and show the request headers it got."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from courses.packages import forwarding
from courses.packages.models import XapiForward, XapiStatement
from lms.types import utcnow
from tests.conftest import service_missing
from tests.packages.builders import cmi5_zip
from tests.packages.factories import make_package_course
from tests.packages.test_forwarding import loopback, provider  # noqa: F401  (fixtures)
from tests.packages.test_packages_http import AU, _launch, _learner

pytestmark = pytest.mark.slow

RALPH_VENV = Path(__file__).resolve().parents[1] / "lrs" / ".venv"
SERVE = RALPH_VENV.parent / "serve_ralph.py"  # uvicorn on ralph.api:app (and why its FS backend appends)
KEY, SECRET = "continuum-key", "a-long-ralph-secret-0123456789"
RALPH_AGENT = "mailto:continuum-forwarder@example.org"  # the credential's agent: Ralph's authority


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    """Ralph's LRS on a loopback port: its xAPI base URL (…/xAPI/)."""
    if not (RALPH_VENV / ".installed").exists():
        service_missing(f"Ralph's virtualenv {RALPH_VENV} is missing: run make tests/lrs/.venv/.installed")
    home = tmp_path_factory.mktemp("ralph")
    (home / "data").mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "RALPH_APP_DIR": str(home), "RALPH_AUTH_FILE": str(home / "auth.json"),
           "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(home / "data")}
    made = subprocess.run([str(RALPH_VENV / "bin" / "ralph"), "auth", "--username", KEY, "--password", SECRET,
                           "--scope", "all", "--agent-ifi-mbox", RALPH_AGENT, "--write-to-disk"],
                          cwd=home, env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and (home / "auth.json").exists(), made.stderr[-2000:]
    port = _free_port()
    log = open(home / "ralph.log", "w+b")
    process = subprocess.Popen([str(RALPH_VENV / "bin" / "python"), str(SERVE), str(port)],
                               cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"Ralph exited ({process.returncode}): {log.read().decode()[-3000:]}")
            try:
                if requests.get(f"{url}/__heartbeat__", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("Ralph did not answer its heartbeat within 30 s")
            time.sleep(0.2)
        yield f"{url}/xAPI/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _ralph_get(base: str, **params) -> requests.Response:
    return requests.get(f"{base}statements", params=params, auth=(KEY, SECRET), timeout=10,
                        headers={"X-Experience-API-Version": "1.0.3"})


def _held(base: str, statement_id: str) -> list[dict]:
    """The statements Ralph holds under this id (its answer to statementId is a list of them)."""
    response = _ralph_get(base, statementId=statement_id)
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    found = response.json()
    return found["statements"] if "statements" in found else [found]


def _registration_statements(base: str, registration: str) -> list[dict]:
    response = _ralph_get(base, registration=registration, limit=100)
    assert response.status_code == 200, response.text
    return response.json()["statements"]


def test_a_cmi5_sessions_statements_arrive_in_ralph(client, db, provider, loopback, ralph, tmp_path):  # noqa: F811
    org, manager, educator = provider
    forwarding.save_settings(manager, org, endpoint=ralph, key=KEY, secret=SECRET, active=True, now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(move_on="Completed"), tmp_path)
    _learner(client, course)
    _url, params = _launch(client, course)
    au = AU(client, params)
    au.prefs()
    assert au.send(au.statement("initialized")).status_code == 204
    assert au.send(au.statement("completed", moveon=True, result={"completion": True, "duration": "PT2M"})
                   ).status_code == 204
    forwards = db.session.query(XapiForward).order_by(XapiForward.id).all()
    assert [(f.status, f.attempts, f.last_status_code) for f in forwards] == [("delivered", 1, 204)] * 5
    ours = [db.session.get(XapiStatement, f.statement_row_id).body for f in forwards]
    for body in ours:
        [held] = _held(ralph, body["id"])
        assert held["verb"]["id"] == body["verb"]["id"]
        assert held["actor"] == body["actor"] and held["object"]["id"] == body["object"]["id"]
        assert held["context"]["registration"] == params["registration"] == body["context"]["registration"]
        assert held["timestamp"][:19] == body["timestamp"][:19]
        assert held["authority"]["mbox"] == RALPH_AGENT  # Ralph's own: Continuum does not send its authority
    listed = _registration_statements(ralph, params["registration"])
    assert sorted(s["id"] for s in listed) == sorted(b["id"] for b in ours)
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[-1] for s in listed)
    assert verbs == ["completed", "initialized", "launched", "satisfied", "satisfied"]


def test_a_wrong_secret_is_refused_by_ralph_and_the_forward_fails_after_its_retries(client, db, provider,  # noqa: F811
                                                                                   loopback, ralph, tmp_path,
                                                                                   monkeypatch):
    org, manager, educator = provider
    forwarding.save_settings(manager, org, endpoint=ralph, key=KEY, secret="not-the-secret", active=True,
                             now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    queued = []
    monkeypatch.setattr(forwarding.jobs, "enqueue", lambda func, *args, **kw: queued.append(args[0]))
    _url, params = _launch(client, course)
    [forward_id] = queued
    for attempt in range(1, forwarding.MAX_ATTEMPTS):
        with pytest.raises(forwarding.ForwardFailed):  # RQ retries a job that raises
            forwarding.forward_job(forward_id)
        forward = db.session.get(XapiForward, forward_id)
        assert (forward.status, forward.attempts, forward.last_status_code) == ("pending", attempt, 401)
    assert forwarding.forward_job(forward_id) == "failed"
    forward = db.session.get(XapiForward, forward_id)
    assert (forward.status, forward.attempts, forward.last_error) == ("failed", forwarding.MAX_ATTEMPTS, "HTTP 401")
    statement_id = db.session.get(XapiStatement, forward.statement_row_id).statement_id
    assert _held(ralph, statement_id) == [] and _registration_statements(ralph, params["registration"]) == []


def test_forwarding_the_same_statement_again_does_not_duplicate_it_in_ralph(client, db, provider, loopback,  # noqa: F811
                                                                             ralph, tmp_path, monkeypatch):
    org, manager, educator = provider
    forwarding.save_settings(manager, org, endpoint=ralph, key=KEY, secret=SECRET, active=True, now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    queued = []
    monkeypatch.setattr(forwarding.jobs, "enqueue", lambda func, *args, **kw: queued.append(args[0]))
    _url, params = _launch(client, course)
    [forward_id] = queued
    assert forwarding.forward_job(forward_id) == "delivered"
    first = db.session.get(XapiForward, forward_id)
    statement = db.session.get(XapiStatement, first.statement_row_id)
    # Ralph stored it but the worker died before its commit: the row is still pending and is sent again.
    first.status, first.delivered_at = "pending", None
    db.session.flush()
    assert forwarding.forward_job(forward_id) == "delivered"
    again = db.session.get(XapiForward, forward_id)
    assert (again.status, again.attempts, again.last_status_code) == ("delivered", 2, 204)  # Ralph: 204 again
    assert len(_held(ralph, statement.statement_id)) == 1
    assert [s["id"] for s in _registration_statements(ralph, params["registration"])] == [statement.statement_id]


def test_a_different_statement_already_in_ralph_under_the_id_fails_at_once(client, db, provider, loopback,  # noqa: F811
                                                                           ralph, tmp_path, monkeypatch):
    org, manager, educator = provider
    forwarding.save_settings(manager, org, endpoint=ralph, key=KEY, secret=SECRET, active=True, now=utcnow())
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    queued = []
    monkeypatch.setattr(forwarding.jobs, "enqueue", lambda func, *args, **kw: queued.append(args[0]))
    _launch(client, course)
    [forward_id] = queued
    statement = db.session.get(XapiStatement, db.session.get(XapiForward, forward_id).statement_row_id)
    other = {"id": statement.statement_id, "actor": {"mbox": "mailto:someone-else@example.org"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
             "object": {"id": "https://elsewhere.example.org/activity"}, "timestamp": "2026-01-01T00:00:00Z"}
    put = requests.put(f"{ralph}statements", params={"statementId": statement.statement_id}, json=other,
                       auth=(KEY, SECRET), headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
    assert put.status_code == 204, put.text
    assert forwarding.forward_job(forward_id) == "failed"  # no retry: none could change Ralph's answer
    forward = db.session.get(XapiForward, forward_id)
    assert (forward.status, forward.attempts, forward.last_status_code) == ("failed", 1, 409)
    assert "different statement" in forward.last_error
    [held] = _held(ralph, statement.statement_id)
    assert held["actor"] == other["actor"]


def test_no_lrs_or_a_switched_off_one_forwards_nothing(client, db, provider, loopback, ralph, tmp_path):  # noqa: F811
    org, manager, educator = provider
    course, _package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    _url, first = _launch(client, course)
    forwarding.save_settings(manager, org, endpoint=ralph, key=KEY, secret=SECRET, active=False, now=utcnow())
    _url, second = _launch(client, course)
    assert db.session.query(XapiStatement).count() >= 2 and db.session.query(XapiForward).count() == 0
    for registration in {first["registration"], second["registration"]}:
        assert _registration_statements(ralph, registration) == []
    ids = [s.statement_id for s in db.session.query(XapiStatement)]
    assert all(_held(ralph, statement_id) == [] for statement_id in ids)
