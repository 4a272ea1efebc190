"""Organisation rules: membership, roles, teams and invitations. Role changes are audited."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from lms import caching
from lms.errors import RuleViolation
from lms.audit.services import record
from lms.extensions import db
from lms.orgs.models import ORG_KINDS, ROLES, Invitation, Membership, Organisation, Team, TeamMember
from lms.users.models import User


class OrgError(RuleViolation, ValueError):
    pass


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "org"
    candidate, n = slug, 1
    while db.session.scalar(select(Organisation.id).where(Organisation.slug == candidate)) is not None:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def create_organisation(actor: User, *, name: str, kind: str, timezone: str, now: datetime,
                        ip: str | None = None) -> Organisation:
    """Create an organisation; its creator becomes its first manager."""
    if kind not in ORG_KINDS:
        raise OrgError("Choose a kind of organisation.")
    org = Organisation(name=name.strip(), slug=slugify(name), kind=kind, timezone=timezone,
                       is_accredited_provider=False, created_at=now)
    db.session.add(org)
    db.session.flush()
    add_member(actor, org, actor, role="manager", now=now, ip=ip)
    return org


def add_member(actor: User, org: Organisation, user: User, *, role: str, now: datetime,
               job_title: str = "", ip: str | None = None) -> Membership:
    if role not in ROLES:
        raise OrgError("Unknown role.")
    m = db.session.scalar(select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id))
    if m is not None:
        if m.deactivated_at is not None:
            set_active(actor, m, True, now=now, ip=ip)
        return m
    m = Membership(org=org, user=user, role=role, job_title=job_title, created_at=now)
    db.session.add(m)
    db.session.flush()
    caching.bump_training([org.id])
    record(actor, "membership.add", m, now=now, org_id=org.id, after={"user_id": user.id, "role": role}, ip=ip)
    return m


def _other_active_managers(m: Membership) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.org_id == m.org_id, Membership.role == "manager",
            Membership.deactivated_at.is_(None), Membership.id != m.id,
        )
    )


def change_role(actor: User, m: Membership, role: str, *, now: datetime, ip: str | None = None) -> None:
    """Change a member's role. An organisation always keeps at least one active manager."""
    if role not in ROLES:
        raise OrgError("Unknown role.")
    if m.role == role:
        return
    if m.role == "manager" and _other_active_managers(m) == 0:
        raise OrgError("An organisation needs at least one manager: make someone else manager first.")
    before = {"role": m.role}
    m.role = role
    record(actor, "membership.role", m, now=now, org_id=m.org_id, before=before, after={"role": role}, ip=ip)


def set_active(actor: User, m: Membership, active: bool, *, now: datetime, ip: str | None = None) -> None:
    """Deactivate a leaver (records stay) or reactivate a returning member."""
    if not active and m.role == "manager" and _other_active_managers(m) == 0:
        raise OrgError("You cannot deactivate the only manager.")
    before = {"active": m.deactivated_at is None}
    m.deactivated_at = None if active else now
    caching.bump_training([m.org_id])
    record(actor, "membership.reactivate" if active else "membership.deactivate", m, now=now,
           org_id=m.org_id, before=before, after={"active": active}, ip=ip)


def create_team(actor: User, org: Organisation, name: str, *, now: datetime) -> Team:
    name = name.strip()
    exists = db.session.scalar(select(Team.id).where(Team.org_id == org.id, func.lower(Team.name) == name.lower()))
    if exists:
        raise OrgError(f"There is already a team called {name}.")
    team = Team(org=org, name=name, created_at=now)
    db.session.add(team)
    caching.bump_training([org.id])
    return team


def add_to_team(team: Team, m: Membership) -> None:
    if team.org_id != m.org_id:
        raise OrgError("That person is not in this organisation.")
    if db.session.get(TeamMember, (team.id, m.id)) is None:
        db.session.add(TeamMember(team_id=team.id, membership_id=m.id))
        caching.bump_training([team.org_id])


def remove_from_team(team: Team, m: Membership) -> None:
    tm = db.session.get(TeamMember, (team.id, m.id))
    if tm is not None:
        db.session.delete(tm)
        caching.bump_training([team.org_id])


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(actor: User, org: Organisation, *, email: str, role: str, team: Team | None, now: datetime,
           max_age_days: int) -> tuple[Invitation, str]:
    """Create an invitation and return it with its secret token (only its hash is stored)."""
    if role not in ROLES:
        raise OrgError("Unknown role.")
    if team is not None and team.org_id != org.id:
        raise OrgError("Unknown team.")
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(org=org, email=email, role=role, team=team, token_hash=_hash_token(token),
                            invited_by_id=actor.id, created_at=now,
                            expires_at=now + timedelta(days=max_age_days))
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def find_invitation(token: str, *, now: datetime) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash_token(token or "")))
    if invitation is None or not invitation.is_open(now):
        raise OrgError("This invitation is not valid any more: it was used, withdrawn or has expired. "
                       "Ask your manager for a new one.")
    return invitation


def accept_invitation(user: User, token: str, *, now: datetime, ip: str | None = None) -> Membership:
    """Join the inviting organisation. The invitation is bound to the address it was sent to."""
    invitation = find_invitation(token, now=now)
    if invitation.email != user.email.lower():
        raise OrgError(f"This invitation was sent to {invitation.email}. Log in with that address to accept it.")
    m = add_member(invitation.invited_by or user, invitation.org, user, role=invitation.role, now=now, ip=ip)
    if invitation.team is not None:
        add_to_team(invitation.team, m)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    return m


def revoke_invitation(invitation: Invitation, *, now: datetime) -> None:
    if invitation.accepted_at is None:
        invitation.revoked_at = now
