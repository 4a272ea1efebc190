"""What every API module shares: the blueprint factory, the clock, idempotency keys."""

from __future__ import annotations

import functools
import hashlib
import re

from flask import Response, abort, current_app, g, request
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import unit_of_work
from lms.api import API_PREFIX
from lms.api.auth import confine_to_token_org, current_token
from lms.api.models import IdempotencyRecord
from lms.extensions import db
from lms.permissions import get_org_or_404
from lms.types import utcnow

IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x21-\x7e]+$"},
    "description": "Any unique string (a UUID): a retry with the same key and body returns the first answer "
                   "instead of creating a second record.",
}
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def blueprint(name: str, description: str, url_prefix: str = "") -> Blueprint:
    return Blueprint(f"api_{name}", __name__, url_prefix=API_PREFIX + url_prefix, description=description)


def now():
    return utcnow()


def me():
    return current_user._get_current_object()


def org_for(org_id: int, role: str = "manager"):
    """The organisation, through the web pages' loader (404 outside, 403 below ``role``),
    and never one outside a service token's own."""
    confine_to_token_org(org_id)
    return get_org_or_404(org_id, role)


def idempotent(view):
    """Creating POSTs: with an ``Idempotency-Key``, a retry gets the first answer back, never a second row.

    The record is written in the same transaction as what the POST creates, so either both are
    kept or neither. Two racing requests with one key: the loser's insert (or the service's own
    unique constraint) fails, its work is rolled back and it answers with the winner's record.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            abort(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.")
        principal = f"token:{current_token().id}"
        digest = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n"
                                + request.get_data()).hexdigest()
        found = _lookup(principal, key)
        if found is not None:
            return _replay(found, digest)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            unit_of_work.rollback()
            found = _lookup(principal, key)  # a concurrent twin finished first
            if found is not None:
                return _replay(found, digest)
            raise
        if 200 <= response.status_code < 300:
            record = IdempotencyRecord(principal=principal, key=key, request_hash=digest, status=response.status_code,
                                       body=response.get_data(as_text=True),
                                       location=response.headers.get("Location", ""), created_at=utcnow())
            try:
                with db.session.begin_nested():
                    db.session.add(record)
            except IntegrityError:
                unit_of_work.rollback()
                found = _lookup(principal, key)
                if found is None:
                    raise
                return _replay(found, digest)
        return response

    return wrapper


def _lookup(principal: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.principal == principal,
                                                             IdempotencyRecord.key == key))


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_hash != digest:
        abort(409, "This Idempotency-Key was already used with a different request; use a new key.")
    response = Response(record.body, status=record.status, mimetype="application/json")
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    g.api_idempotent_replay = True
    return response
