"""The README's signature check verifies what Continuum sends; retries go to RQ's scheduler with their delay."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

from lms.types import utcnow
from lms.webhooks import services
from tests.conftest import redis_url
from tests.factories import make_member, make_org

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_signature_check_accepts_ours_and_refuses_tampering():
    block = re.search(r"```python\n(import hashlib, hmac, time\n.*?)```", README.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(block, namespace)  # noqa: S102 - our own README
    verify = namespace["verify"]
    body = b'{"id":"evt_1","type":"credit.claimed"}'
    header = services.sign("whsec_s3cret", int(time.time()), body)
    assert verify("whsec_s3cret", header, body)
    assert not verify("whsec_s3cret", header, body.replace(b"credit", b"debit"))
    assert not verify("whsec_other", header, body)
    assert not verify("whsec_s3cret", services.sign("whsec_s3cret", int(time.time()) - 3600, body), body)
    assert not verify("whsec_s3cret", "t=x,v1=y", body)


def test_a_retry_is_scheduled_in_rq_with_its_backoff(app, db):
    from redis import Redis
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    url = redis_url()
    org = make_org()
    manager = make_member(org, role="manager").user
    app.config.update(WEBHOOK_ALLOW_LOOPBACK=True, WEBHOOK_SCHEMES=("http",))
    queue_name = f"webhooks-test-{time.time_ns()}"
    saved = (app.config["REDIS_URL"], app.config["RQ_QUEUE"])
    app.config.update(REDIS_URL=url, RQ_QUEUE=queue_name)
    try:
        services.create_endpoint(manager, org, url="http://127.0.0.1:9/x", events=["credit.claimed"], now=utcnow())
        [delivery] = services.emit({org.id}, "credit.claimed", {}, now=utcnow())
        db.session.flush()
        services.schedule(delivery.id, timedelta(seconds=120))
        queue = Queue(queue_name, connection=Redis.from_url(url))
        registry = ScheduledJobRegistry(queue=queue)
        [job_id] = registry.get_job_ids()
        job = queue.fetch_job(job_id)
        assert job.args == ("lms.webhooks.services:deliver_job", delivery.id)
        wait = registry.get_scheduled_time(job) - utcnow()
        assert timedelta(seconds=100) < wait <= timedelta(seconds=121)
        queue.empty()
        registry.remove(job)
    finally:
        app.config.update(REDIS_URL=saved[0], RQ_QUEUE=saved[1], WEBHOOK_ALLOW_LOOPBACK=False)
        app.config.pop("WEBHOOK_SCHEMES", None)
