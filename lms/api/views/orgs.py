"""Organisations: members, teams and invitations, for their managers (as the members page)."""

from __future__ import annotations

from flask import abort, current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lms import jobs, unit_of_work
from lms.api.auth import current_token, require
from lms.api.pagination import ListArgs, UpdatedSinceArgs, page_schema, paginate
from lms.api.schemas import InviteBody, MemberSchema, OrgInvitationSchema, Schema, TeamSchema
from lms.api.views.common import IDEMPOTENCY_HEADER, blueprint, idempotent, me, now, org_for
from lms.extensions import db
from lms.orgs import services
from lms.orgs.jobs import send_invitation_email
from lms.orgs.models import Invitation, Membership, Team, TeamMember
from lms.permissions import active_memberships, get_in_org_or_404
from marshmallow import fields as f

blp = blueprint("orgs", "Organisations: members, teams and invitations (org:read / org:write; managers only)",
                "/orgs")


class MyOrgSchema(Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    role = f.String(required=True)


@blp.route("")
@require("org:read")
@blp.response(200, MyOrgSchema(many=True))
def list_orgs():
    """The organisations you belong to, with your role (a service token: its own organisation)."""
    seats = active_memberships(me())
    token = current_token()
    if token.org_id is not None:
        seats = [s for s in seats if s.org_id == token.org_id]
    return [{"id": s.org_id, "name": s.org_name, "role": s.role} for s in seats]


@blp.route("/<int:org_id>/members")
@require("org:read")
@blp.arguments(UpdatedSinceArgs, location="query")
@blp.response(200, page_schema(MemberSchema, "MemberPage"))
def members(args, org_id: int):
    """Everyone in the organisation, leavers included (they say so)."""
    org = org_for(org_id)
    query = select(Membership).where(Membership.org_id == org.id).options(selectinload(Membership.user))
    if args.get("updated_since"):
        since = args["updated_since"]
        query = query.where(or_(Membership.created_at >= since, Membership.deactivated_at >= since))
    page = paginate(query, Membership.id, args)
    teams: dict[int, list[int]] = {}
    if page["data"]:
        for team_id, membership_id in db.session.execute(select(TeamMember.team_id, TeamMember.membership_id).where(
                TeamMember.membership_id.in_([m.id for m in page["data"]]))):
            teams.setdefault(membership_id, []).append(team_id)
    page["data"] = [{"id": m.id, "user_id": m.user_id, "name": m.user.full_name, "email": m.user.email,
                     "role": m.role, "job_title": m.job_title, "active": m.is_active, "created_at": m.created_at,
                     "deactivated_at": m.deactivated_at, "team_ids": sorted(teams.get(m.id, []))}
                    for m in page["data"]]
    return page


@blp.route("/<int:org_id>/teams")
@require("org:read")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(TeamSchema, "TeamPage"))
def teams(args, org_id: int):
    """The organisation's teams with their members' membership ids."""
    org = org_for(org_id)
    page = paginate(select(Team).where(Team.org_id == org.id).options(selectinload(Team.members)), Team.id, args)
    page["data"] = [{"id": t.id, "name": t.name, "created_at": t.created_at,
                     "member_ids": sorted(m.membership_id for m in t.members)} for t in page["data"]]
    return page


def invitation_json(i: Invitation) -> dict:
    at = now()
    status = ("accepted" if i.accepted_at else "revoked" if i.revoked_at else
              "expired" if i.expires_at <= at else "open")
    return {"id": i.id, "email": i.email, "role": i.role, "team_id": i.team_id, "created_at": i.created_at,
            "expires_at": i.expires_at, "status": status}


@blp.route("/<int:org_id>/invitations")
@require("org:read")
@blp.arguments(UpdatedSinceArgs, location="query")
@blp.response(200, page_schema(OrgInvitationSchema, "OrgInvitationPage"))
def invitations(args, org_id: int):
    """Invitations to join the organisation, whatever their state."""
    org = org_for(org_id)
    query = select(Invitation).where(Invitation.org_id == org.id)
    if args.get("updated_since"):
        since = args["updated_since"]
        query = query.where(or_(Invitation.created_at >= since, Invitation.accepted_at >= since,
                                Invitation.revoked_at >= since))
    return paginate(query, Invitation.id, args, transform=invitation_json)


@blp.route("/<int:org_id>/invitations", methods=["POST"])
@require("org:write")
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
@blp.arguments(InviteBody)
@blp.response(201, OrgInvitationSchema)
def invite(body, org_id: int):
    """Invite someone by email (HR pushing a new starter); the email goes out once the invitation is saved."""
    org = org_for(org_id)
    team = get_in_org_or_404(Team, body["team_id"], org) if body.get("team_id") else None
    try:
        invitation, token = services.invite(me(), org, email=body["email"], role=body["role"], team=team, now=now(),
                                            max_age_days=current_app.config["INVITATION_MAX_AGE_DAYS"])
    except services.OrgError as exc:
        abort(409, str(exc))
    unit_of_work.after_commit(jobs.enqueue, send_invitation_email, invitation.id, token)
    return invitation_json(invitation)
