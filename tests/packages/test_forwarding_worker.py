"""Forwarding through a real ``rq worker`` (Redis, a committed database) to the recording LRS process:
the first attempt fails, RQ schedules the retry with the jobs' backoff, the next run delivers it. The
recorder, not Ralph: the first attempt needs a 503 on demand, which Ralph cannot be made to answer
(delivery to Ralph itself is in test_forwarding_ralph.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import TEST_SECRET
from tests.jobs.test_rq_worker import ROOT, worker_app  # noqa: F401  (fixture)
from tests.packages.test_forwarding import SECRET, recorder  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.redis]

# The worker's app allows the loopback recorder, as the tests' app does (never set in production).
WORKER = """
import os
from redis import Redis
from rq import Queue, SimpleWorker
from lms import create_app, jobs
app = create_app()
app.config.update(WEBHOOK_ALLOW_LOOPBACK=True, WEBHOOK_SCHEMES=("http", "https"))
jobs._worker_app = app
redis = Redis.from_url(os.environ["REDIS_URL"])
SimpleWorker([Queue(os.environ["RQ_QUEUE"], connection=redis)], connection=redis).work(burst=True, with_scheduler=True)
"""


def _run_worker(app) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"],
           "RQ_QUEUE": app.config["RQ_QUEUE"], "SECRET_KEY": TEST_SECRET, "MAIL_OUTBOX": app.config["MAIL_OUTBOX"],
           "PUBLIC_URL": app.config["PUBLIC_URL"], "CONTINUUM_INSTANCE": app.config["INSTANCE_DIR"],
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_statement_is_forwarded_by_an_rq_worker_and_retried(worker_app, recorder, tmp_path):  # noqa: F811
    from courses import services
    from courses.packages import cmi5, forwarding, lrs
    from courses.packages.models import XapiForward
    from lms.extensions import db
    from lms.types import utcnow
    from tests.factories import make_member, make_org, make_user
    from tests.packages.builders import cmi5_zip
    from tests.packages.factories import make_package_course

    url, seen = recorder
    with worker_app.app_context():
        worker_app.config.update(WEBHOOK_ALLOW_LOOPBACK=True, WEBHOOK_SCHEMES=("http", "https"))
        org = make_org(kind="provider", is_accredited_provider=True, name=f"Forwarding {uuid.uuid4().hex[:6]}")
        manager, educator = make_member(org, role="manager").user, make_member(org, role="educator").user
        course, package = make_package_course(org, educator, cmi5_zip(), tmp_path)
        forwarding.save_settings(manager, org, endpoint=f"{url}/xapi/", key="continuum-key", secret=SECRET,
                                 active=True, now=utcnow())
        learner = make_user()
        enrolment = services.enrol(learner, course, now=utcnow())
        actor = {"objectType": "Agent", "account": {"homePage": "https://continuum.example.org", "name": "u"}}
        registration = cmi5.registration_for(package, actor=actor, now=utcnow(),
                                             public_url=worker_app.config["PUBLIC_URL"], user_id=learner.id,
                                             lesson_id=course.current_version.lessons[0].id,
                                             enrolment_id=enrolment.id, round=1)
        db.session.commit()
        seen.fail(1)
        statement_id = str(uuid.uuid4())
        row = lrs.store_statement({"id": statement_id, "actor": actor,
                                   "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                                   "object": {"id": package.lms_iri}, "context": {"registration": registration.id}},
                                  now=utcnow(), public_url=worker_app.config["PUBLIC_URL"])
        forward_id = db.session.query(XapiForward).filter_by(statement_row_id=row.id).one().id
        db.session.commit()
        assert seen() == []  # queued for the worker, not sent by this process

    first = _run_worker(worker_app)
    assert first.returncode == 0, first.stderr[-3000:]
    with worker_app.app_context():
        forward = db.session.get(XapiForward, forward_id)
        assert (forward.status, forward.attempts, forward.last_status_code) == ("pending", 1, 503)
    time.sleep(forwarding.jobs.BACKOFF_SECONDS[0] + 1)  # the first retry waits 5 s
    second = _run_worker(worker_app)
    assert second.returncode == 0, second.stderr[-3000:]
    with worker_app.app_context():
        forward = db.session.get(XapiForward, forward_id, populate_existing=True)
        assert (forward.status, forward.attempts) == ("delivered", 2), second.stderr[-3000:]
    assert [r["query"]["statementId"] for r in seen()] == [statement_id, statement_id]
