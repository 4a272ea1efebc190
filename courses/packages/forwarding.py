"""Forwarding statements to an organisation's own LRS (for example Ralph), beside the embedded one.

The embedded LRS stays the record Continuum's rules read; an organisation that has its own LRS sets
its xAPI endpoint, key and secret (the secret encrypted at rest with ``lms.secretbox`` under its
own context). Every statement stored in a registration of that organisation's package lessons (the
AU's and the LMS's own cmi5 statements) gets an ``XapiForward`` row, and a job queued after the
request commits sends it with ``PUT statements?statementId=…`` (idempotent, so a retry cannot
duplicate it; a 409, a different statement under that id, fails at once). Outbound calls go through the outbound address guard (``lms.outbound``: public
addresses only, the checked address connected to, no redirects followed). A failed attempt raises,
so RQ retries it with the jobs' backoff; the row keeps the attempts and the last error.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urljoin

import requests
from flask import current_app
from sqlalchemy import select

from courses.packages.models import Cmi5Registration, ContentPackage, ExternalLrs, XapiForward, XapiStatement
from lms import jobs, unit_of_work
from lms.errors import RuleViolation
from lms.extensions import db
from lms import secretbox
from lms.types import utcnow
from lms import outbound as guard

SECRET_CONTEXT = b"continuum.packages.external-lrs-secret"
XAPI_VERSION = "1.0.3"
MAX_ATTEMPTS = 1 + len(jobs.BACKOFF_SECONDS)


class LrsSettingsError(RuleViolation):
    """The external LRS settings cannot be saved as given."""


class ForwardFailed(RuntimeError):
    """This attempt failed; raised so that the job is retried."""


def _schemes() -> set[str]:
    """The URL schemes an outbound call may use: the same setting as webhooks (https unless configured)."""
    return set(current_app.config.get("WEBHOOK_SCHEMES", ("https",)))


def _allow_loopback() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_LOOPBACK", False))  # tests only: an LRS on 127.0.0.1

def settings_for(org_id: int) -> ExternalLrs | None:
    return db.session.scalar(select(ExternalLrs).where(ExternalLrs.org_id == org_id))


def save_settings(actor, org, *, endpoint: str, key: str, secret: str, active: bool, now: datetime) -> ExternalLrs:
    """Set the organisation's LRS: an http(s) endpoint the outbound guard accepts (https only unless the
    webhooks allow http), a key, and a secret (blank keeps the stored one)."""
    endpoint = (endpoint or "").strip()
    if endpoint and not endpoint.endswith("/"):
        endpoint += "/"
    key = (key or "").strip()
    if not endpoint or len(endpoint) > 500:
        raise LrsSettingsError("Give the LRS's xAPI endpoint (at most 500 characters).")
    try:
        guard.check_url(endpoint, schemes=_schemes(), allow_loopback=_allow_loopback())
    except guard.BlockedTarget as exc:
        raise LrsSettingsError(str(exc)) from None
    if not key or len(key) > 200 or ":" in key:
        raise LrsSettingsError("Give the LRS key (at most 200 characters, no colon).")
    lrs = settings_for(org.id)
    if lrs is None and not secret:
        raise LrsSettingsError("Give the LRS secret.")
    if lrs is None:
        lrs = ExternalLrs(org_id=org.id)
        db.session.add(lrs)
    lrs.endpoint, lrs.key, lrs.is_active = endpoint, key, active
    if secret:
        lrs.secret_encrypted = secretbox.encrypt(current_app.config["SECRET_KEY"], secret, context=SECRET_CONTEXT)
    lrs.updated_by_id, lrs.updated_at = actor.id, now
    db.session.flush()
    return lrs


def queue_statement(row: XapiStatement, *, now: datetime) -> XapiForward | None:
    """A freshly stored statement of an organisation that forwards: its forward row, and the job
    (queued once the request commits)."""
    if not row.registration:
        return None
    org_id = db.session.scalar(select(ContentPackage.org_id).join(
        Cmi5Registration, Cmi5Registration.package_id == ContentPackage.id).where(
        Cmi5Registration.id == row.registration))
    lrs = settings_for(org_id) if org_id else None
    if lrs is None or not lrs.is_active:
        return None
    forward = XapiForward(statement_row_id=row.id, lrs_id=lrs.id, status="pending", attempts=0, last_error="",
                          created_at=now)
    db.session.add(forward)
    db.session.flush()
    jobs.enqueue(forward_job, forward.id, job_timeout=60)
    return forward


def forward_job(forward_id: int) -> str:
    """The job body: one attempt; a failure raises so RQ retries with backoff."""
    outcome = deliver(forward_id, now=utcnow())
    if outcome == "retry":
        raise ForwardFailed(f"forward {forward_id} failed; retrying")
    return outcome


def _body(statement: XapiStatement) -> bytes:
    # The receiving LRS sets its own stored time and authority.
    body = {k: v for k, v in statement.body.items() if k not in ("stored", "authority")}
    return json.dumps(body, separators=(",", ":")).encode()


def deliver(forward_id: int, *, now: datetime) -> str:
    """Send one statement. Returns delivered, retry, failed (out of attempts or no LRS) or skipped."""
    forward = db.session.get(XapiForward, forward_id)
    if forward is None or forward.status != "pending":
        return "skipped"
    lrs = db.session.get(ExternalLrs, forward.lrs_id)
    statement = db.session.get(XapiStatement, forward.statement_row_id)
    secret = secretbox.decrypt(current_app.config["SECRET_KEY"], lrs.secret_encrypted, context=SECRET_CONTEXT) \
        if lrs is not None else ""
    forward.attempts += 1
    code, error = None, ""
    if lrs is None or not lrs.is_active or statement is None:
        error = "The external LRS is switched off."
    elif not secret:
        error = "The LRS secret cannot be read (SECRET_KEY changed?): enter it again."
    else:
        url = urljoin(lrs.endpoint, "statements") + "?statementId=" + statement.statement_id
        try:
            guard.check_url(url, schemes=_schemes(), allow_loopback=_allow_loopback(), resolve=False)
            response = guard.session(allow_loopback=_allow_loopback()).put(
                url, data=_body(statement), auth=(lrs.key, secret), allow_redirects=False,
                headers={"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION,
                         "User-Agent": "Continuum-LRS-Forwarder/1"},
                timeout=(current_app.config.get("WEBHOOK_CONNECT_TIMEOUT", 3),
                         current_app.config.get("WEBHOOK_READ_TIMEOUT", 10)))
            code = response.status_code
        except guard.BlockedTarget as exc:
            error = str(exc)
        except requests.Timeout:
            error = "Timed out."
        except (requests.RequestException, OSError) as exc:
            error = f"Connection failed: {type(exc).__name__}"
    forward.last_status_code = code
    # A re-PUT of the statement the LRS already holds (a retry after a lost answer, a duplicate job)
    # is answered 204 like the first: xAPI 1.0.3 has the LRS compare it with the stored one, and Ralph
    # does (proven in test_forwarding_ralph.py). 409 means the LRS holds a *different* statement under
    # this id: not delivered, and no retry can change that, so it fails at once, saying why.
    if code is not None and 200 <= code < 300:
        forward.status, forward.delivered_at, forward.last_error = "delivered", now, ""
    elif code == 409:
        forward.status = "failed"
        forward.last_error = "HTTP 409: the LRS holds a different statement with this id."
    else:
        forward.last_error = (error or f"HTTP {code}")[:300]
        if forward.attempts >= MAX_ATTEMPTS or lrs is None or not lrs.is_active:
            forward.status = "failed"
    unit_of_work.commit()  # the job's one commit, kept before it raises for a retry
    return forward.status if forward.status in ("delivered", "failed") else "retry"


def retry_pending(*, now: datetime) -> dict[str, int]:
    """The sweep (``flask lms forward-statements``, cron): attempt again every forward still pending after
    an attempt (without Redis a failed inline attempt is not retried otherwise; a retry that RQ also
    makes is harmless, the PUT being idempotent and a delivered row skipped)."""
    outcomes: dict[str, int] = {}
    for forward_id in list(db.session.scalars(select(XapiForward.id).where(
            XapiForward.status == "pending", XapiForward.attempts > 0).order_by(XapiForward.id))):
        outcome = deliver(forward_id, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def recent_forwards(lrs: ExternalLrs, *, limit: int = 20) -> list[tuple[XapiForward, XapiStatement]]:
    return list(db.session.execute(select(XapiForward, XapiStatement).join(
        XapiStatement, XapiForward.statement_row_id == XapiStatement.id).where(XapiForward.lrs_id == lrs.id)
        .order_by(XapiForward.id.desc()).limit(limit)).all())
