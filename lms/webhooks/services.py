"""Subscribing, signing, queueing and delivering webhooks. Plain functions taking the clock.

Signature (documented in the README): ``Continuum-Signature: t=<unix seconds>,v1=<hex>`` where
``hex = HMAC-SHA256(secret, "<t>.<raw body>")``. Receivers recompute it over the raw body, compare in
constant time, refuse timestamps older than five minutes, and dedupe on ``Continuum-Delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import or_, select, update

from lms import jobs, unit_of_work
from lms import outbound as guard
from lms.extensions import db
from lms.webhooks.models import EVENTS, WebhookAttempt, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "Continuum-Signature"
MAX_REDIRECTS = 3
LOCK = timedelta(minutes=2)


class WebhookError(ValueError):
    """The subscription cannot be saved as given."""


def _config(name: str, default):
    return current_app.config.get(name, default)


def schemes() -> set[str]:
    return set(_config("WEBHOOK_SCHEMES", ("https",)))


def allow_loopback() -> bool:
    return bool(_config("WEBHOOK_ALLOW_LOOPBACK", False))  # tests only: receivers on 127.0.0.1


def backoff(attempts: int) -> timedelta:
    """Exponential: 30 s, 1 min, 2 min, 4 min, ... capped at six hours."""
    base = _config("WEBHOOK_BACKOFF_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300) -> bool:
    """The receiver's side, for tests and the README."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, timestamp, body).split("v1=")[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


def create_endpoint(actor, org, *, url: str, events, now: datetime) -> WebhookEndpoint:
    url = (url or "").strip()
    events = sorted(set(events or ()))
    if not events or any(e not in EVENTS for e in events):
        raise WebhookError("Choose at least one known event.")
    if len(url) > 500:
        raise WebhookError("The URL is too long.")
    try:
        guard.check_url(url, schemes=schemes(), allow_loopback=allow_loopback())
    except guard.BlockedTarget as exc:
        raise WebhookError(str(exc)) from None
    endpoint = WebhookEndpoint(org_id=org.id, url=url, secret="whsec_" + secrets.token_urlsafe(32), events=events,
                               created_by_id=actor.id, created_at=now)
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def set_active(endpoint: WebhookEndpoint, active: bool, *, now: datetime) -> None:
    endpoint.is_active = active
    endpoint.disabled_at = None if active else now
    endpoint.disabled_reason = "" if active else "Disabled by a manager."
    if active:
        endpoint.consecutive_failures = 0
    db.session.flush()


def emit(org_ids, event_type: str, data: dict, *, now: datetime) -> list[WebhookDelivery]:
    """Queue ``event_type`` for every active endpoint of ``org_ids`` that subscribed to it; the jobs are
    enqueued once the caller's transaction commits (the worker must find the rows)."""
    org_ids = sorted({i for i in org_ids if i})
    if not org_ids:
        return []
    endpoints = [e for e in db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.org_id.in_(org_ids), WebhookEndpoint.is_active.is_(True))) if event_type in (e.events or [])]
    deliveries = []
    for endpoint in endpoints:
        event_id = f"evt_{uuid.uuid4().hex}"
        body = json.dumps({"id": event_id, "type": event_type, "created_at": now.isoformat(),
                           "org_id": endpoint.org_id, "data": data}, separators=(",", ":"), default=str)
        delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=event_id, event_type=event_type, payload=body,
                                   status="pending", next_attempt_at=now, created_at=now)
        db.session.add(delivery)
        deliveries.append(delivery)
    if deliveries:
        db.session.flush()
        for delivery in deliveries:
            unit_of_work.after_commit(schedule, delivery.id)
    return deliveries


def schedule(delivery_id: int, delay: timedelta | None = None) -> None:
    """Hand a delivery to a worker (now, or after ``delay`` when RQ's scheduler is there); without Redis it
    runs at once, and ``flask lms deliver-webhooks`` (cron) retries what is due."""
    if delay and current_app.config.get("REDIS_URL"):
        from rq import Retry  # noqa: F401  (rq present whenever Redis is configured)

        from lms.jobs import _path, get_queue, run_job

        get_queue().enqueue_in(delay, run_job, _path(deliver_job), delivery_id, job_timeout=120)
        return
    if delay:
        return  # inline mode: the cron sweep picks it up when due
    jobs.enqueue(deliver_job, delivery_id, job_timeout=120, retries=0)


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery for this attempt; None if it is done, not due, or another worker holds it."""
    taken = db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status.in_(("pending", "sending")),
        or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
        or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
    ).values(status="sending", locked_until=now + LOCK).execution_options(synchronize_session=False)).rowcount
    unit_of_work.commit()
    return db.session.get(WebhookDelivery, delivery_id, populate_existing=True) if taken == 1 else None


def _post(url: str, body: bytes, headers: dict, timeout: tuple) -> requests.Response:
    http = guard.session(allow_loopback=allow_loopback())
    for _ in range(MAX_REDIRECTS + 1):
        guard.check_url(url, schemes=schemes(), allow_loopback=allow_loopback(), resolve=False)
        response = http.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
        if response.status_code in (307, 308) and response.headers.get("Location"):
            url = requests.compat.urljoin(url, response.headers["Location"])
            continue  # the next hop is checked again, scheme and resolved address alike
        return response
    raise guard.BlockedTarget("Too many redirects.")


def deliver(delivery_id: int, *, now: datetime) -> str:
    """One attempt at one delivery. Returns its outcome: delivered, retry, failed, skipped."""
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "skipped"
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status, delivery.locked_until = "failed", None
        db.session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now, error="Endpoint disabled."))
        unit_of_work.commit()
        return "failed"
    body = delivery.payload.encode()
    timestamp = int(now.timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": "Continuum-Webhooks/1",
               SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body), "Continuum-Event": delivery.event_type,
               "Continuum-Delivery": delivery.event_id}
    timeout = (_config("WEBHOOK_CONNECT_TIMEOUT", 3), _config("WEBHOOK_READ_TIMEOUT", 10))
    started = time.monotonic()
    code, error = None, ""
    try:
        code = _post(endpoint.url, body, headers, timeout).status_code
    except guard.BlockedTarget as exc:
        error = str(exc)[:300]
    except requests.Timeout:
        error = "Timed out."
    except (requests.RequestException, OSError) as exc:
        error = f"Connection failed: {type(exc).__name__}"
    elapsed = int((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    delivery.last_status_code = code
    delivery.locked_until = None
    db.session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now, status_code=code,
                                  error=error or ("" if code and 200 <= code < 300 else f"HTTP {code}"),
                                  duration_ms=elapsed))
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        endpoint.consecutive_failures = 0
        unit_of_work.commit()
        return "delivered"
    endpoint.consecutive_failures += 1
    if endpoint.consecutive_failures >= _config("WEBHOOK_DISABLE_AFTER", 15):
        endpoint.is_active, endpoint.disabled_at = False, now
        endpoint.disabled_reason = f"Disabled after {endpoint.consecutive_failures} failed attempts in a row."
    if delivery.attempts >= _config("WEBHOOK_MAX_ATTEMPTS", 8) or not endpoint.is_active:
        delivery.status, delivery.next_attempt_at = "failed", None
        unit_of_work.commit()
        return "failed"
    delay = backoff(delivery.attempts)
    delivery.status, delivery.next_attempt_at = "pending", now + delay
    unit_of_work.commit()
    schedule(delivery.id, delay)
    return "retry"


def deliver_job(delivery_id: int) -> str:
    """The RQ job body (ids, not objects): one attempt, at the worker's clock."""
    from lms.types import utcnow

    return deliver(delivery_id, now=utcnow())


def redeliver(delivery: WebhookDelivery, *, now: datetime) -> None:
    """A manager's "send again": the same event (same ``Continuum-Delivery``), attempted now."""
    delivery.status, delivery.next_attempt_at, delivery.locked_until = "pending", now, None
    db.session.flush()
    unit_of_work.after_commit(schedule, delivery.id)


def due_deliveries(now: datetime, limit: int = 500) -> list[int]:
    return list(db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status.in_(("pending", "sending")), WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now))
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)))
