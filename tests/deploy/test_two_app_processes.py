"""The deployment shape, for real: two gunicorn processes and an RQ worker sharing one PostgreSQL
database, one Redis and one certificate directory, and nothing else.

A clinician logs in and claims credit through process A; the worker renders the certificate;
process B (which the clinician never visited, with its own instance directory) serves the same
session and the stored PDF, byte for byte, twice.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET, base_config, redis_url, require_postgres, upgrade_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
PASSWORD = "deployment test passphrase"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(shared: dict, instance: Path) -> dict:
    return {**os.environ, **shared, "CONTINUUM_INSTANCE": str(instance), "PYTHONPATH": str(ROOT)}


class Processes:
    """Children started here and stopped here (by their own ids), whatever the test does."""

    def __init__(self):
        self.children: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, args: list[str], env: dict, log: Path) -> subprocess.Popen:
        handle = log.open("w")
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.children.append((name, proc, log))
        return proc

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{log.read_text()[-3000:]}" for name, _, log in self.children)

    def stop(self) -> None:
        for _, proc, _ in self.children:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc, _ in self.children:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_http(base: str, proc: subprocess.Popen, processes: Processes) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, processes.logs()
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    pytest.fail(f"{base} did not start\n{processes.logs()}")


def _seed(app) -> tuple[str, int]:
    """A published course the clinician completed, with the evaluation, committed for the processes."""
    from courses.models import Enrolment
    from lms.extensions import db
    from lms.types import utcnow
    from tests.factories import make_course, make_user

    with app.app_context():
        learner = make_user(email="clinician@example.org", password=PASSWORD, profession="physician_md",
                            first_name="Priya", last_name="Raman", credentials="MD")
        course = make_course(title="Sepsis: recognising deterioration early", quiz=False,
                             designations=(("ama_pra_1", "1.5"),))
        now = utcnow()
        db.session.add(Enrolment(user_id=learner.id, course_id=course.id, version_id=course.current_version_id,
                                 enrolled_at=now, disclosures_seen_at=now, last_activity_at=now,
                                 evaluation_submitted_at=now, completed_at=now))
        db.session.commit()
        return learner.email, course.id


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


@pytest.fixture
def deployment(tmp_path):
    from lms import create_app

    if os.environ.get("CI") and not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("CI runs the deployment test once, in the PostgreSQL pass of the suite")
    redis = redis_url()
    database_url = require_postgres("deploy")
    queue = f"deploy-{uuid.uuid4().hex}"
    certificates = tmp_path / "certificates"  # the one shared directory (a volume or NFS mount in production)
    app = create_app(base_config(tmp_path / "setup", database_url) | {"REDIS_URL": redis, "RQ_QUEUE": queue,
                                                                      "CERTIFICATE_DIR": str(certificates)})
    upgrade_database(app)
    email, course_id = _seed(app)
    shared = {"CONTINUUM_ENV": "production", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": database_url,
              "REDIS_URL": redis, "RQ_QUEUE": queue, "CERTIFICATE_DIR": str(certificates),
              "PUBLIC_URL": "https://continuum.example.org", "SESSION_COOKIE_SECURE": "0",
              "RATELIMIT_ENABLED": "0", "WEB_CONCURRENCY": "1", "GUNICORN_LOG_LEVEL": "warning"}
    processes = Processes()
    bases = []
    try:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        for name in ("a", "b"):
            port = _free_port()
            env = _env(shared, tmp_path / f"instance-{name}") | {"GUNICORN_BIND": f"127.0.0.1:{port}"}
            proc = processes.start(f"gunicorn {name}", [gunicorn, "-c", str(ROOT / "lms" / "gunicorn_conf.py"),
                                                        "wsgi:app"], env, tmp_path / f"gunicorn-{name}.log")
            bases.append((f"http://127.0.0.1:{port}", proc))
        rq = str(Path(sys.executable).with_name("rq"))
        processes.start("rq worker", [rq, "worker", "--worker-class", "rq.worker.SimpleWorker", "--url", redis, queue],
                        _env(shared, tmp_path / "instance-worker"), tmp_path / "worker.log")
        for base, proc in bases:
            _wait_http(base, proc, processes)
        yield {"a": bases[0][0], "b": bases[1][0], "email": email, "course_id": course_id, "app": app,
               "processes": processes, "certificates": certificates, "tmp": tmp_path}
    finally:
        processes.stop()
        from lms.jobs import get_queue

        with app.app_context():
            get_queue(app).delete(delete_jobs=True)


def test_certificate_issued_through_one_process_downloads_through_the_other(deployment):
    import requests
    from sqlalchemy import select

    from lms.certificates.models import Certificate
    from lms.extensions import db

    a, b, processes = deployment["a"], deployment["b"], deployment["processes"]
    browser = requests.Session()
    # Log in and claim through process A, as a browser would (CSRF tokens from the real forms).
    page = browser.get(f"{a}/auth/login", timeout=10)
    response = browser.post(f"{a}/auth/login", data={"csrf_token": _csrf(page.text), "email": deployment["email"],
                                                     "password": PASSWORD}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, processes.logs()
    claim_url = f"{a}/credits/claim/course/{deployment['course_id']}"
    page = browser.get(claim_url, timeout=10)
    assert page.status_code == 200, page.text[:2000]
    response = browser.post(claim_url, data={"csrf_token": _csrf(page.text), "amount_ama_pra_1": "1.5",
                                             "attest": "y"}, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:3000]

    # The worker renders the certificate (weasyprint) and records it.
    deadline, certificate = time.monotonic() + 90, None
    with deployment["app"].app_context():
        while certificate is None and time.monotonic() < deadline:
            db.session.rollback()
            certificate = db.session.scalar(select(Certificate).where(Certificate.activity_id ==
                                                                      deployment["course_id"]))
            if certificate is None:
                time.sleep(0.5)
        assert certificate is not None, f"no certificate issued\n{processes.logs()}"
        cert_id, sha256, code = certificate.id, certificate.sha256, certificate.code

    # Process B never saw this clinician: the same cookie works there, and serves the stored file.
    downloads = []
    for _ in range(2):
        response = browser.get(f"{b}/certificates/{cert_id}/download", timeout=30)
        assert response.status_code == 200, response.text[:2000]
        assert response.headers["Content-Type"] == "application/pdf"
        downloads.append(response.content)
    assert downloads[0] == downloads[1]
    assert downloads[0].startswith(b"%PDF-")
    assert hashlib.sha256(downloads[0]).hexdigest() == sha256
    # Both processes answer the public verification page from the shared database.
    for base in (a, b):
        verify = requests.get(f"{base}/verify/{code}", timeout=10)
        assert verify.status_code == 200 and "Priya Raman" in verify.text
    # The file lives in the shared directory, not in any process's own instance directory.
    assert (deployment["certificates"] / f"{sha256}.pdf").exists()
    assert not [p for p in deployment["tmp"].glob("instance-*/**/*.pdf")]
