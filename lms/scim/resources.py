"""SCIM resources as Continuum shows them: a membership as a User, a team as a Group.

What the provider wrote is returned as it wrote it (``scim_user.document``); the rest comes from the
core tables, so a member from before provisioning also reads as a complete User.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.orgs.models import Membership, Organisation, Team, TeamMember
from lms.scim.models import ScimGroup, ScimUser
from lms.scim.provider import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA


def _version(data: dict) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return f'W/"{digest}"'


def _stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")



def user_data(m: Membership, scim: ScimUser | None, teams: list[Team]) -> dict[str, Any]:
    user = m.user
    if scim is not None:  # what the provider wrote, as it wrote it
        doc = dict(scim.document)
        data: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": str(m.id),
                                "userName": doc.get("userName") or user.email}
        for key in ("name", "displayName", "emails"):
            if doc.get(key):
                data[key] = doc[key]
        if doc.get("active") is not None or m.deactivated_at is not None:
            data["active"] = m.deactivated_at is None
    else:  # a member from before provisioning, as Continuum knows them
        doc = {}
        data = {"schemas": [USER_SCHEMA], "id": str(m.id), "userName": user.email,
                "name": {k: v for k, v in (("givenName", user.first_name), ("familyName", user.last_name)) if v},
                "displayName": user.full_name, "emails": [{"value": user.email, "type": "work", "primary": True}],
                "active": m.deactivated_at is None}
        if not data["name"]:
            data.pop("name")
    title = doc.get("title") if scim else (m.job_title or None)
    if title:
        data["title"] = title
    if scim and scim.external_id:
        data["externalId"] = scim.external_id
    if teams:
        data["groups"] = [{"value": str(t.id), "display": t.name, "$ref": f"Groups/{t.id}"} for t in teams]
    if doc.get("department"):
        data["schemas"].append(ENTERPRISE_SCHEMA)
        data[ENTERPRISE_SCHEMA] = {"department": doc["department"]}
    data["meta"] = {"resourceType": "User", "created": _stamp(m.created_at),
                    "lastModified": _stamp(scim.updated_at if scim else m.created_at), "version": _version(data)}
    return data

def group_data(team: Team, scim: ScimGroup | None, members: list[Membership]) -> dict[str, Any]:
    data: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": str(team.id), "displayName": team.name}
    if scim and scim.external_id:
        data["externalId"] = scim.external_id
    labels = (scim.member_display or {}) if scim else {}
    if members:
        data["members"] = [{"value": str(m.id), "display": labels.get(str(m.id)) or m.user.full_name,
                            "$ref": f"Users/{m.id}", "type": "User"} for m in members]
    data["meta"] = {"resourceType": "Group", "created": _stamp(team.created_at),
                    "lastModified": _stamp(scim.updated_at if scim else team.created_at),
                    "version": _version(data)}
    return data

def users(org: Organisation, where=()) -> list[dict]:
    rows = db.session.execute(
        select(Membership, ScimUser).outerjoin(ScimUser, ScimUser.membership_id == Membership.id)
        .where(Membership.org_id == org.id, ScimUser.deleted_at.is_(None), *where)
        .options(selectinload(Membership.user)).order_by(Membership.id)).all()
    ids = [m.id for m, _ in rows]
    teams: dict[int, list[Team]] = {}
    if ids:
        for membership_id, team in db.session.execute(
                select(TeamMember.membership_id, Team).join(Team, Team.id == TeamMember.team_id)
                .outerjoin(ScimGroup, ScimGroup.team_id == Team.id)
                .where(TeamMember.membership_id.in_(ids), ScimGroup.deleted_at.is_(None)).order_by(Team.name)):
            teams.setdefault(membership_id, []).append(team)
    return [user_data(m, scim, teams.get(m.id, [])) for m, scim in rows]

def groups(org: Organisation, where=()) -> list[dict]:
    rows = db.session.execute(
        select(Team, ScimGroup).outerjoin(ScimGroup, ScimGroup.team_id == Team.id)
        .where(Team.org_id == org.id, ScimGroup.deleted_at.is_(None), *where).order_by(Team.id)).all()
    ids = [t.id for t, _ in rows]
    members: dict[int, list[Membership]] = {}
    if ids:
        for team_id, m in db.session.execute(
                select(TeamMember.team_id, Membership).join(Membership, Membership.id == TeamMember.membership_id)
                .outerjoin(ScimUser, ScimUser.membership_id == Membership.id)
                .where(TeamMember.team_id.in_(ids), ScimUser.deleted_at.is_(None))
                .options(selectinload(Membership.user)).order_by(Membership.id)):
            members.setdefault(team_id, []).append(m)
    return [group_data(t, scim, members.get(t.id, [])) for t, scim in rows]
