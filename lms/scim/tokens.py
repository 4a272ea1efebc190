"""Bearer tokens for an organisation's SCIM client: issued by its managers, shown once, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select

from lms.audit.services import record
from lms.extensions import db
from lms.scim.models import ScimToken

PREFIX = "scim_"


def _hash(token: str) -> str:
    # 256 random bits: a plain SHA-256 is enough to make a leaked table useless.
    return hashlib.sha256(token.encode()).hexdigest()


def issue(actor, org, *, name: str, now: datetime, ip: str | None = None) -> tuple[ScimToken, str]:
    """A new token for ``org``; returns the row and the token, which is never stored nor shown again."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ScimToken(org_id=org.id, name=(name or "SCIM client").strip()[:80] or "SCIM client",
                    token_hash=_hash(token), hint=token[-4:], created_by_id=actor.id, created_at=now)
    db.session.add(row)
    db.session.flush()
    record(actor, "scim.token.issue", row, now=now, org_id=org.id, after={"name": row.name}, ip=ip)
    return row, token


def revoke(actor, org, token_id: int, *, now: datetime, ip: str | None = None) -> None:
    row = db.session.scalar(select(ScimToken).where(ScimToken.id == token_id, ScimToken.org_id == org.id))
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = now
    db.session.flush()
    record(actor, "scim.token.revoke", row, now=now, org_id=org.id, ip=ip)


def tokens_of(org) -> list[ScimToken]:
    return list(db.session.scalars(select(ScimToken).where(ScimToken.org_id == org.id)
                                   .order_by(ScimToken.revoked_at.is_not(None), ScimToken.id.desc())))


def authenticate(header: str | None, *, now: datetime) -> ScimToken | None:
    """The live token an ``Authorization: Bearer …`` header carries, or None."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ScimToken).where(ScimToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, _hash(token)):
        return None
    row.last_used_at = now
    return row
