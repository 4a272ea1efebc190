"""Scoped API tokens: make, check, revoke. Plain functions taking the actor and the clock."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.api.models import ApiToken
from lms.extensions import db
from lms.orgs.models import ROLE_RANK, Membership

TOKEN_PREFIX = "cnt_"

# Resource families, read and (where the API writes) write. Write never implies read: ask for both.
FAMILIES = {
    "catalog": "Catalogue and activities, with credit designations and disclosures",
    "learning": "Your enrolments, progress and completions (write: enrol)",
    "credits": "Your credit ledger, transcript and requirement progress (write: claim credit)",
    "certificates": "Your certificates",
    "org": "Organisation members, teams and invitations (write: invite)",
    "training": "Assignments and compliance",
    "meetings": "Meetings, invitations and attendance",
}
SCOPES = ("catalog:read", "learning:read", "learning:write", "credits:read", "credits:write", "certificates:read",
          "org:read", "org:write", "training:read", "meetings:read")
# Families about the organisation, not one person: the only ones a service token may hold.
ORG_FAMILIES = frozenset({"org", "training", "meetings", "catalog"})
MAX_DAYS = 366
DEFAULT_DAYS = 90
LAST_USED_GRANULARITY = timedelta(minutes=1)


class TokenError(ValueError):
    """The token cannot be made as asked."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(raw) -> list[str]:
    """Scopes from a list or a comma/space separated string; unknown ones are refused."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw or [])
    unknown = sorted({s for s in items if s not in SCOPES})
    if unknown:
        raise TokenError(f"Unknown scope(s): {', '.join(unknown)}.")
    if not items:
        raise TokenError("Choose at least one scope.")
    return sorted(set(items), key=SCOPES.index)


def _expiry(now: datetime, days: int | None) -> datetime:
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"A token lives from 1 to {MAX_DAYS} days.")
    return now + timedelta(days=days)


def _make(user, *, name: str, scopes, now: datetime, days: int | None, org=None) -> NewToken:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise TokenError("Give the token a name of at most 120 characters.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, prefix=secret[:12], token_hash=hash_secret(secret), user_id=user.id,
                     org_id=org.id if org is not None else None, scopes=parse_scopes(scopes),
                     created_at=now, expires_at=_expiry(now, days))
    db.session.add(token)
    db.session.flush()
    return NewToken(token, secret)


def create_personal_token(user, *, name: str, scopes, now: datetime, days: int | None = None) -> NewToken:
    """A personal access token: it acts as ``user`` and never sees more than the user could."""
    return _make(user, name=name, scopes=scopes, now=now, days=days)


def create_service_token(actor, org, *, name: str, scopes, now: datetime, days: int | None = None) -> NewToken:
    """An organisation's service token, made by a manager; it acts as that manager inside ``org`` only."""
    if not is_manager(actor, org.id):
        raise TokenError("Only a manager of the organisation can make its service tokens.")
    scopes = parse_scopes(scopes)
    personal = sorted(s for s in scopes if s.split(":")[0] not in ORG_FAMILIES)
    if personal:
        raise TokenError(f"A service token cannot hold personal scopes: {', '.join(personal)}.")
    return _make(actor, name=name, scopes=scopes, now=now, days=days, org=org)


def is_manager(user, org_id: int) -> bool:
    """Read from the database, not the per-request seat cache: a token's rights follow role changes at once."""
    role = db.session.scalar(select(Membership.role).where(
        Membership.user_id == user.id, Membership.org_id == org_id, Membership.deactivated_at.is_(None)))
    return role is not None and ROLE_RANK.get(role, 0) >= ROLE_RANK["manager"]


def authenticate(secret: str | None, *, now: datetime) -> ApiToken | None:
    """The live token with this secret whose owner may still use it, else None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or not token.is_live(now) or not token.user.is_active:
        return None
    if token.org_id is not None and not is_manager(token.user, token.org_id):
        return None
    return token


def touch(token_id: int, now: datetime) -> None:
    """Record when a token was last used, at most once a minute. Called through
    ``unit_of_work.write_apart``, so skipped when the database is busy, and here when another
    transaction holds the token's row (``SKIP LOCKED``)."""
    from sqlalchemy import or_, select, update

    due = (select(ApiToken.id).where(ApiToken.id == token_id, or_(
        ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_GRANULARITY))
        .with_for_update(skip_locked=True))
    db.session.execute(update(ApiToken).where(ApiToken.id.in_(due.scalar_subquery())).values(last_used_at=now)
                       .execution_options(synchronize_session=False))


def revoke(token: ApiToken, *, actor, now: datetime) -> None:
    """Revoke ``token`` (idempotent)."""
    if token.revoked_at is None:
        token.revoked_at = now
        token.revoked_by_id = actor.id
        db.session.flush()


def personal_tokens(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.org_id.is_(None))
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def service_tokens(org) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.org_id == org.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))
