"""Jobs always finish: a worker killed mid-job is recovered within seconds; retries need the scheduler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.jobs.test_rq_worker import ROOT, worker_app  # noqa: F401  (the fixture)
from tests.conftest import TEST_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.redis]
WORKER_FLAGS = ["--with-scheduler", "--worker-ttl", "30", "--maintenance-interval", "10",
                "--worker-class", "lms.job_lease.LeasedWorker"]


def start_worker(app, *extra) -> subprocess.Popen:
    env = {"CERTIFICATE_DIR": app.config["CERTIFICATE_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"],**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"],
           "RQ_QUEUE": app.config["RQ_QUEUE"], "SECRET_KEY": TEST_SECRET, "MAIL_OUTBOX": app.config["MAIL_OUTBOX"],
           "PUBLIC_URL": app.config["PUBLIC_URL"], "CONTINUUM_INSTANCE": app.config["INSTANCE_DIR"],
           "PYTHONPATH": str(ROOT)}
    rq = Path(sys.executable).with_name("rq")
    return subprocess.Popen([str(rq), "worker", *WORKER_FLAGS, *extra, "--url", app.config["REDIS_URL"],
                             app.config["RQ_QUEUE"]], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def wait_for(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_a_job_whose_worker_is_killed_is_recovered_within_a_minute(worker_app, tmp_path):  # noqa: F811
    from lms import jobs
    from tests.jobs.drill_jobs import hang_first_attempt

    marker = tmp_path / "attempts.txt"
    with worker_app.app_context():
        job = jobs.enqueue(hang_first_attempt, str(marker), 120)
    first = start_worker(worker_app)
    try:
        assert wait_for(marker.exists, 60), "the first worker never started the job"
        os.killpg(first.pid, signal.SIGKILL)  # mid-job, no chance to clean up
        killed_at = time.monotonic()
        first.wait(timeout=10)
        second = start_worker(worker_app)
        try:
            assert wait_for(lambda: job.refresh() or job.get_status() == "finished", 120), job.get_status()
            recovered = time.monotonic() - killed_at
        finally:
            stop(second)
    finally:
        stop(first)
    assert job.return_value() == 2  # one killed attempt, one that finished: not lost, not doubled
    assert len(marker.read_text().splitlines()) == 2
    print(f"\nworker killed mid-job: job finished {recovered:.1f} s later")
    assert recovered < 60  # was more than 150 s before the lease


def test_enqueued_jobs_retry_with_backoff(worker_app):  # noqa: F811
    from lms import jobs
    from tests.jobs.drill_jobs import hang_first_attempt

    with worker_app.app_context():
        job = jobs.enqueue(hang_first_attempt, "/nonexistent-dir/x", 1)
    assert job.retries_left == len(jobs.BACKOFF_SECONDS)
    assert job.retry_intervals == jobs.BACKOFF_SECONDS
