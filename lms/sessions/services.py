"""Sign-in sessions as plain functions: the clock and the actor are arguments.

A session cookie names the user, their ``session_nonce`` and a random session token
(``<id>.<nonce>.<token>``); the row for the token must exist and be open, so ending a row
makes its cookie (and a remember-me cookie made from it) load nobody on its next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select, update

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.orgs.models import Membership, Organisation
from lms.permissions import keep_seats
from lms.sessions.models import UserSession
from lms.unit_of_work import write_apart
from lms.users.models import User

# ``last_seen_at`` is written at most this often per session: one UPDATE a minute, not one a request.
TOUCH_EVERY = timedelta(minutes=1)


class SessionError(Exception):
    """``str(exc)`` is safe to show."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, method: str, user_agent: str | None, ip: str | None,
                  now: datetime) -> tuple[UserSession, str]:
    """Open a session for ``user``; returns the row and the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_hash(token), method=method,
                      user_agent=(user_agent or "")[:400], ip=(ip or None) and ip[:45],
                      created_at=now, last_seen_at=now)
    db.session.add(row)
    db.session.flush()
    return row, token


def cookie_id(user: User, token: str) -> str:
    """The value Flask-Login keeps in the cookie for this user and session."""
    return f"{user.id}.{user.session_nonce}.{token}"


def parse_cookie_id(value: str | None) -> tuple[int, str, str] | None:
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 9 or not parts[1] or not parts[2]:
        return None
    return int(parts[0]), parts[1], parts[2]


@cache
def _session_statement():
    """One statement, as the login's user load is without sessions: the session's id and last-seen
    time, its user and the user's active memberships (kept as the request's seats on a GET, see
    lms.permissions). The session row itself is loaded only by the pages that show or end it.

    Every request runs it, so it is built once and executed with parameters (building a select()
    costs more Python than PostgreSQL spends running this one)."""
    return (select(UserSession.id, UserSession.last_seen_at, User, Membership.id, Membership.org_id, Membership.role,
                   Organisation.name)
            .join(User, User.id == UserSession.user_id)
            .outerjoin(Membership, (Membership.user_id == User.id) & Membership.deactivated_at.is_(None))
            .outerjoin(Organisation, Organisation.id == Membership.org_id)
            .where(UserSession.token_hash == bindparam("token_hash"), UserSession.user_id == bindparam("user_id"),
                   UserSession.ended_at.is_(None)))


def load_session(value: str | None, *, now: datetime, ip: str | None = None) -> tuple[User, int] | None:
    """The user and the id of the open session a cookie value names, or None (ended, rotated nonce,
    disabled)."""
    parsed = parse_cookie_id(value)
    if parsed is None:
        return None
    user_id, nonce, token = parsed
    rows = db.session.execute(_session_statement(), {"token_hash": _hash(token), "user_id": user_id}).all()
    if not rows:
        return None
    session_id, last_seen_at, user = rows[0][:3]
    if not user.is_active or not hmac.compare_digest(user.session_nonce, nonce):
        return None
    keep_seats(user.id, [r[3:] for r in rows])
    if now - last_seen_at >= TOUCH_EVERY:
        # Written after the page's commit, in its own transaction: a page view stays a read.
        write_apart(_touch, session_id, now, ip)
    return user, session_id


@cache
def _touch_statement(with_ip: bool):
    """The last-seen write, built once: a session row another transaction holds (its owner signing
    out on another tab) is skipped, not waited for (``FOR UPDATE SKIP LOCKED``; SQLite, which
    has one writer at a time, renders no lock clause)."""
    due = (select(UserSession.id)
           .where(UserSession.id == bindparam("session_id"), UserSession.last_seen_at <= bindparam("due"))
           .with_for_update(skip_locked=True))
    values = {"last_seen_at": bindparam("now"), **({"ip": bindparam("ip")} if with_ip else {})}
    return update(UserSession).where(UserSession.id.in_(due.scalar_subquery())).values(**values)


def _touch(session_id: int, now: datetime, ip: str | None) -> None:
    params = {"session_id": session_id, "due": now - TOUCH_EVERY, "now": now, **({"ip": ip[:45]} if ip else {})}
    db.session.connection().execute(_touch_statement(bool(ip)), params)


def active_sessions(user: User) -> list[UserSession]:
    """The user's open sessions, most recently seen first."""
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()).limit(200)))


def end_session(actor: User, row: UserSession, *, now: datetime, reason: str, ip: str | None = None) -> None:
    """End one session. Only its owner or a site administrator may."""
    if actor.id != row.user_id and not actor.is_admin:
        raise SessionError("That session is not yours.")
    if row.ended_at is None:
        row.ended_at, row.ended_reason = now, reason
        _audit(actor, "session.end", row.user_id, now=now, ip=ip, after={"session": row.id, "reason": reason})


def end_all_sessions(user: User, *, now: datetime, reason: str, actor: User | None = None,
                     ip: str | None = None, keep: UserSession | None = None) -> int:
    """End every open session of ``user`` (but ``keep``) in one UPDATE; returns how many ended."""
    query = (update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
             .values(ended_at=now, ended_reason=reason))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    count = db.session.execute(query, execution_options={"synchronize_session": "fetch"}).rowcount
    if actor is not None:
        _audit(actor, "session.end_all", user.id, now=now, ip=ip, after={"ended": count, "reason": reason})
    return count


def record_sign_in(user: User | None, *, email: str, method: str, success: bool, now: datetime,
                   ip: str | None = None, reason: str | None = None, org_id: int | None = None) -> AuditEvent:
    """Sign-in history: every attempt, successful or not, in the audit log."""
    after = {"method": method, "email": (email or "")[:254]}
    if reason:
        after["reason"] = reason[:200]
    event = AuditEvent(created_at=now, actor_id=user.id if user else None, org_id=org_id,
                       action="sign_in.success" if success else "sign_in.failure", object_type="User",
                       object_id=str(user.id) if user else "", after=after, ip=ip)
    db.session.add(event)
    return event


def _audit(actor: User, action: str, user_id: int, *, now: datetime, ip: str | None, after: dict) -> None:
    db.session.add(AuditEvent(created_at=now, actor_id=actor.id, action=action, object_type="User",
                              object_id=str(user_id), after=after, ip=ip))
