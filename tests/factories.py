"""Plain factory functions with sensible defaults."""

from __future__ import annotations

import itertools

from lms.auth.passwords import hash_password
from lms.extensions import db
from lms.orgs.models import Membership, Organisation, Team, TeamMember
from lms.types import utcnow
from lms.users.models import User

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(*, email=None, password=PASSWORD, verified=True, profession="physician_md", admin=False,
              first_name="Test", last_name=None, **fields) -> User:
    n = next(_seq)
    from flask import current_app

    user = User(
        email=email or f"user{n}@example.org",
        password_hash=hash_password(password, current_app.config),
        email_verified_at=utcnow() if verified else None,
        first_name=first_name,
        last_name=last_name or f"User{n}",
        profession=profession,
        is_admin=admin,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_org(*, name=None, kind="practice", **fields) -> Organisation:
    n = next(_seq)
    org = Organisation(name=name or f"Practice {n}", slug=f"org-{n}", kind=kind, **fields)
    db.session.add(org)
    db.session.flush()
    return org


def make_member(org: Organisation, user: User | None = None, *, role="member", **fields) -> Membership:
    user = user or make_user()
    m = Membership(org=org, user=user, role=role, **fields)
    db.session.add(m)
    db.session.flush()
    return m


def make_team(org: Organisation, *, name=None, members=()) -> Team:
    team = Team(org=org, name=name or f"Team {next(_seq)}")
    db.session.add(team)
    db.session.flush()
    for m in members:
        db.session.add(TeamMember(team_id=team.id, membership_id=m.id))
    db.session.flush()
    return team


def make_meeting(org, host, *, title="Staff meeting", category="administrative", starts_at=None, minutes=60,
                 invitees=(), teams=(), cohosts=(), designations=None, **fields):
    """A meeting scheduled through the service (so it has a room, UID and series end)."""
    from datetime import timedelta
    from decimal import Decimal

    from meetings import services as meeting_services

    start = starts_at or (utcnow() + timedelta(days=1)).replace(microsecond=0)
    data = meeting_services.MeetingData(
        title=title, category=category, starts_at=start, ends_at=start + timedelta(minutes=minutes),
        timezone=fields.pop("timezone", "UTC"), invitee_ids=tuple(u.id for u in invitees),
        team_ids=tuple(t.id for t in teams), cohost_ids=tuple(u.id for u in cohosts),
        designations={k: Decimal(v) for k, v in (designations or {}).items()},
        is_accredited=bool(designations), **fields)
    meeting = meeting_services.schedule_meeting(host, org, data, now=utcnow())
    db.session.flush()
    return meeting
