"""A real job through a real ``rq worker`` against Redis, on a real (committed) database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET, base_config, redis_url, require_postgres, upgrade_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.redis]


@pytest.fixture
def worker_app(tmp_path):
    from lms import create_app

    redis = redis_url()
    configured = os.environ.get("TEST_DATABASE_URL", "")
    database_url = require_postgres("jobs") if configured.startswith("postgres") else f"sqlite:///{tmp_path}/jobs.db"
    config = base_config(tmp_path, database_url) | {"REDIS_URL": redis, "RQ_QUEUE": f"test-{uuid.uuid4().hex}"}
    app = create_app(config)
    upgrade_database(app)
    yield app
    from lms.jobs import get_queue

    with app.app_context():
        get_queue(app).delete(delete_jobs=True)


def run_worker(app) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "RQ_QUEUE": app.config["RQ_QUEUE"],
        "SECRET_KEY": TEST_SECRET,
        "MAIL_OUTBOX": app.config["MAIL_OUTBOX"],
        "PUBLIC_URL": app.config["PUBLIC_URL"],
        "CONTINUUM_INSTANCE": app.config["INSTANCE_DIR"],
        "PYTHONPATH": str(ROOT),
    }
    rq = Path(sys.executable).with_name("rq")
    return subprocess.run([str(rq), "worker", "--burst", "--worker-class", "rq.worker.SimpleWorker", "--url", app.config["REDIS_URL"], app.config["RQ_QUEUE"]],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_verification_email_job_runs_in_an_rq_worker(worker_app):
    from lms import jobs
    from lms.auth import services as auth
    from lms.auth.jobs import send_verification_email
    from lms.extensions import db
    from lms.types import utcnow
    from tests.conftest import Outbox

    outbox = Outbox(Path(worker_app.config["MAIL_OUTBOX"]))
    with worker_app.app_context():
        user = auth.register(email="queued@example.org", password="queued job passphrase", first_name="Q",
                             last_name="Ueue", profession="nurse", now=utcnow())
        db.session.commit()
        job = jobs.enqueue(send_verification_email, user.id)
        assert job is not None and job.args[0] == "lms.auth.jobs:send_verification_email"
        assert job.args[1:] == (user.id,)  # jobs take IDs, never ORM objects
        assert outbox.messages == []  # nothing ran in this process

    result = run_worker(worker_app)
    assert result.returncode == 0, result.stderr[-3000:]

    job.refresh()
    assert job.get_status() == "finished", result.stderr[-3000:]
    link = outbox.last_link("queued@example.org")
    assert link.startswith("https://continuum.example.org/auth/verify/")
    with worker_app.app_context():
        verified = auth.verify_email(link.rsplit("/", 1)[1], now=utcnow())
        assert verified.email == "queued@example.org"
        db.session.rollback()
        db.engine.dispose()


def test_a_failing_job_is_marked_failed_and_rolled_back(worker_app):
    from lms import jobs
    from lms.extensions import db

    with worker_app.app_context():
        job = jobs.get_queue(worker_app).enqueue(jobs.run_job, "lms.jobs:no_such_job", 1, retry=None)
    result = run_worker(worker_app)
    assert result.returncode == 0
    job.refresh()
    assert job.get_status() == "failed"
    with worker_app.app_context():
        db.engine.dispose()
