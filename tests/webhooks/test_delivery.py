"""Webhook delivery: signed, retried with backoff, logged, disabled after repeated failure, exactly once."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import outbound as guard
from lms import unit_of_work
from lms.types import utcnow
from lms.webhooks import services
from lms.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.factories import make_member, make_org


@pytest.fixture
def org(db):
    return make_org()


@pytest.fixture
def manager(org):
    return make_member(org, role="manager").user


def subscribe(org, manager, url, events=("credit.claimed",)):
    return services.create_endpoint(manager, org, url=url, events=list(events), now=utcnow())


def queue_one(org, now=None):
    now = now or utcnow()
    [delivery] = services.emit({org.id}, "credit.claimed", {"claim_id": 7, "amount": "1.50"}, now=now)
    return delivery


def test_signature_round_trip_and_tampering():
    body = b'{"id":"evt_1"}'
    header = services.sign("whsec_abc", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert services.verify("whsec_abc", header, body, now=1_700_000_010)
    assert not services.verify("whsec_abc", header, body + b" ", now=1_700_000_010)
    assert not services.verify("whsec_other", header, body, now=1_700_000_010)
    assert not services.verify("whsec_abc", header, body, now=1_700_000_000 + 3600)  # replayed later
    assert not services.verify("whsec_abc", "garbage", body, now=1_700_000_000)


def test_a_delivery_arrives_signed_and_once(db, webhook_config, receiver, org, manager):
    receiver.start()
    endpoint = subscribe(org, manager, receiver.url)
    delivery = queue_one(org)
    assert services.deliver(delivery.id, now=utcnow()) == "delivered"
    assert services.deliver(delivery.id, now=utcnow() + timedelta(hours=1)) == "skipped"
    [request] = receiver.requests
    headers = request["headers"]
    assert services.verify(endpoint.secret, headers["Continuum-Signature"], request["body"], now=time.time())
    assert headers["Continuum-Event"] == "credit.claimed" and headers["Continuum-Delivery"] == delivery.event_id
    event = json.loads(request["body"])
    assert event["type"] == "credit.claimed" and event["data"]["amount"] == "1.50" and event["org_id"] == org.id


def test_a_receiver_answering_500_gets_retries_with_backoff_then_once(db, webhook_config, receiver, org, manager):
    receiver.script = [500, 503]
    receiver.start()
    subscribe(org, manager, receiver.url)
    delivery = queue_one(org)
    now = utcnow()
    assert services.deliver(delivery.id, now=now) == "retry"
    first_wait = db.session.get(WebhookDelivery, delivery.id).next_attempt_at - now
    assert services.deliver(delivery.id, now=now + timedelta(seconds=1)) == "skipped"  # not due yet
    later = now + first_wait
    assert services.deliver(delivery.id, now=later) == "retry"
    second_wait = db.session.get(WebhookDelivery, delivery.id).next_attempt_at - later
    assert second_wait == 2 * first_wait  # exponential
    assert services.deliver(delivery.id, now=later + second_wait) == "delivered"
    assert [a.status_code for a in db.session.scalars(select(WebhookAttempt).where(
        WebhookAttempt.delivery_id == delivery.id).order_by(WebhookAttempt.id))] == [500, 503, 200]
    assert len(receiver.processed) == 1 and len(receiver.requests) == 3


def test_a_receiver_that_is_down_gets_it_once_it_is_back(db, webhook_config, receiver, org, manager):
    subscribe(org, manager, receiver.url)  # nothing listens on the port yet
    delivery = queue_one(org)
    now = utcnow()
    assert services.deliver(delivery.id, now=now) == "retry"
    attempt = db.session.scalar(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id))
    assert attempt.status_code is None and attempt.error.startswith("Connection failed")
    receiver.start()
    due = db.session.get(WebhookDelivery, delivery.id).next_attempt_at
    assert services.due_deliveries(due) == [delivery.id]
    assert services.deliver(delivery.id, now=due) == "delivered"
    assert len(receiver.requests) == 1 and list(receiver.processed) == [delivery.event_id]


def test_a_slow_receiver_times_out_and_the_retry_is_deduped(db, webhook_config, receiver, org, manager):
    receiver.script = [("sleep", 2, 200)]  # answers after our 1 s read timeout: it may have acted on it
    receiver.start()
    subscribe(org, manager, receiver.url)
    delivery = queue_one(org)
    now = utcnow()
    assert services.deliver(delivery.id, now=now) == "retry"
    assert db.session.scalar(select(WebhookAttempt.error).where(WebhookAttempt.delivery_id == delivery.id)) == "Timed out."
    time.sleep(1.2)
    assert services.deliver(delivery.id, now=now + timedelta(hours=1)) == "delivered"
    ids = {r["headers"]["Continuum-Delivery"] for r in receiver.requests}
    assert ids == {delivery.event_id} and len(receiver.processed) == 1  # same id both times: processed once


def test_slow_but_in_time_is_one_request(db, webhook_config, receiver, org, manager):
    receiver.script = [("sleep", 0.3, 204)]
    receiver.start()
    subscribe(org, manager, receiver.url)
    delivery = queue_one(org)
    assert services.deliver(delivery.id, now=utcnow()) == "delivered"
    assert len(receiver.requests) == 1


def test_repeated_failure_disables_the_endpoint(db, webhook_config, receiver, org, manager):
    webhook_config["WEBHOOK_DISABLE_AFTER"] = 3
    receiver.default = 500
    receiver.start()
    endpoint = subscribe(org, manager, receiver.url)
    delivery = queue_one(org)
    now = utcnow()
    outcomes = []
    for i in range(3):
        outcomes.append(services.deliver(delivery.id, now=now + timedelta(days=i)))
    assert outcomes == ["retry", "retry", "failed"]
    db.session.refresh(endpoint)
    assert not endpoint.is_active and "3 failed attempts" in endpoint.disabled_reason
    assert services.emit({org.id}, "credit.claimed", {}, now=now) == []  # nothing more is queued
    services.set_active(endpoint, True, now=now)
    assert endpoint.consecutive_failures == 0 and len(services.emit({org.id}, "credit.claimed", {}, now=now)) == 1


def test_gives_up_after_the_last_attempt(db, webhook_config, receiver, org, manager):
    webhook_config["WEBHOOK_MAX_ATTEMPTS"] = 2
    receiver.default = 500
    receiver.start()
    subscribe(org, manager, receiver.url)
    delivery = queue_one(org)
    now = utcnow()
    assert [services.deliver(delivery.id, now=now + timedelta(days=i)) for i in range(3)] == ["retry", "failed",
                                                                                             "skipped"]
    assert len(receiver.requests) == 2


def test_only_subscribed_active_endpoints_of_the_organisation_get_events(db, webhook_config, org, manager):
    other = make_org()
    subscribe(org, manager, "http://127.0.0.1:9/a", events=["certificate.issued"])
    subscribe(other, make_member(other, role="manager").user, "http://127.0.0.1:9/b")
    assert services.emit({org.id}, "credit.claimed", {}, now=utcnow()) == []
    assert len(services.emit({org.id, other.id}, "credit.claimed", {}, now=utcnow())) == 1


def test_emitted_deliveries_are_sent_after_the_commit(db, webhook_config, receiver, org, manager):
    receiver.start()
    subscribe(org, manager, receiver.url)
    queue_one(org)
    assert receiver.requests == []  # not before the commit
    unit_of_work.commit()
    assert len(receiver.requests) == 1


def test_rollback_sends_nothing(db, webhook_config, receiver, org, manager):
    receiver.start()
    subscribe(org, manager, receiver.url)
    unit_of_work.commit()
    queue_one(org)
    unit_of_work.rollback()
    unit_of_work.commit()
    assert receiver.requests == []


# --- the SSRF guard ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "https://127.0.0.1/hook", "https://localhost/hook", "https://10.0.0.8/x",
    "https://192.168.1.1/x", "https://172.16.0.1/x", "https://169.254.169.254/latest/meta-data", "https://[::1]/x",
    "https://[fe80::1]/x", "https://0.0.0.0/x", "https://100.64.0.1/x", "https://[::ffff:127.0.0.1]/x",
    "ftp://example.org/x", "file:///etc/passwd", "gopher://example.org", "https://user:pw@example.org/x",
    "https:///nohost", "", "javascript:alert(1)", "https://224.0.0.1/x",
])
def test_unsafe_targets_are_refused(db, org, manager, url):
    with pytest.raises(services.WebhookError):
        subscribe(org, manager, url)


def test_loopback_needs_the_explicit_test_setting(app, db, org, manager):
    assert not app.config.get("WEBHOOK_ALLOW_LOOPBACK")
    with pytest.raises(guard.BlockedTarget):
        guard.check_url("http://127.0.0.1:8000/x", schemes={"http"})
    guard.check_url("http://127.0.0.1:8000/x", schemes={"http"}, allow_loopback=True)
    with pytest.raises(guard.BlockedTarget):  # even then, private and link-local stay refused
        guard.check_url("http://169.254.169.254/x", schemes={"http"}, allow_loopback=True)


@pytest.mark.parametrize("ip, ok", [("8.8.8.8", True), ("2001:4860:4860::8888", True), ("10.1.2.3", False),
                                    ("127.0.0.2", False), ("169.254.0.1", False), ("::1", False),
                                    ("fc00::1", False), ("::ffff:10.0.0.1", False), ("198.18.0.1", False)])
def test_address_rules(ip, ok):
    assert guard.address_allowed(ip) is ok


def test_the_guard_checks_at_connect_time_too(db, webhook_config, receiver, org, manager, monkeypatch):
    """A name that resolved to a public address when subscribed and to a private one when sent (DNS
    rebinding) is refused at the connection itself."""
    receiver.start()
    endpoint = subscribe(org, manager, receiver.url)
    webhook_config["WEBHOOK_ALLOW_LOOPBACK"] = False
    delivery = queue_one(org)
    assert services.deliver(delivery.id, now=utcnow()) == "retry"
    assert receiver.requests == []
    assert "not allowed" in db.session.scalar(select(WebhookAttempt.error).where(
        WebhookAttempt.delivery_id == delivery.id))
    assert endpoint.consecutive_failures == 1


def test_redirects_are_checked_on_every_hop(db, webhook_config, receiver, org, manager):
    receiver.script = [("redirect", "http://169.254.169.254/latest/meta-data")]
    receiver.start()
    subscribe(org, manager, receiver.url)
    delivery = queue_one(org)
    assert services.deliver(delivery.id, now=utcnow()) == "retry"
    assert len(receiver.requests) == 1
    assert "not allowed" in db.session.scalar(select(WebhookAttempt.error).where(
        WebhookAttempt.delivery_id == delivery.id))


def test_a_permitted_redirect_is_followed(db, webhook_config, receiver, org, manager):
    receiver.script = [("redirect", "/moved"), 200]
    receiver.start()
    subscribe(org, manager, receiver.url)
    assert services.deliver(queue_one(org).id, now=utcnow()) == "delivered"
    assert [r["path"] for r in receiver.requests] == ["/hooks", "/moved"]
