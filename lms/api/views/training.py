"""Assignments and compliance, for the organisation's managers (as the compliance dashboard)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.api.auth import require
from lms.api.pagination import ListArgs, UpdatedSinceArgs, page_schema, paginate, paginate_list
from lms.api.schemas import AssignmentSchema, ComplianceArgs, CompliancePersonSchema
from lms.api.views.common import blueprint, now, org_for
from lms.training import compliance
from lms.training.models import Assignment

blp = blueprint("training", "Assignments and compliance (training:read; managers only)", "/orgs")


class ComplianceListArgs(ComplianceArgs, ListArgs):
    pass


@blp.route("/<int:org_id>/assignments")
@require("training:read")
@blp.arguments(UpdatedSinceArgs, location="query")
@blp.response(200, page_schema(AssignmentSchema, "AssignmentPage"))
def assignments(args, org_id: int):
    """The organisation's current training assignments (removed ones are left out, as on the page)."""
    org = org_for(org_id)
    query = select(Assignment).where(Assignment.org_id == org.id, Assignment.removed_at.is_(None)).options(
        selectinload(Assignment.course), selectinload(Assignment.meeting), selectinload(Assignment.target_user),
        selectinload(Assignment.target_team))
    if args.get("updated_since"):
        query = query.where(Assignment.created_at >= args["updated_since"])
    return paginate(query, Assignment.id, args, transform=lambda a: {
        "id": a.id, "item_kind": a.item_kind, "course_id": a.course_id, "meeting_id": a.meeting_id, "title": a.title,
        "target_kind": a.target_kind, "target_label": a.target_label, "due_on": a.due_on,
        "recurrence_months": a.recurrence_months, "grace_days": a.grace_days, "is_mandatory": a.is_mandatory,
        "created_at": a.created_at})


@blp.route("/<int:org_id>/compliance")
@require("training:read")
@blp.arguments(ComplianceListArgs, location="query")
@blp.response(200, page_schema(CompliancePersonSchema, "CompliancePage"))
def compliance_matrix(args, org_id: int):
    """Each active person's status on each item they must do, today in the organisation's time zone."""
    org = org_for(org_id)
    m = compliance.matrix(org, compliance.local_today(org.timezone, now()), team_id=args.get("team_id"),
                          status=args.get("status"))
    page = paginate_list(m.people, lambda p: p.membership_id, args)
    page["data"] = [{
        "membership_id": p.membership_id, "user_id": p.user_id, "name": p.name, "job_title": p.job_title,
        "items": [{"assignment_id": cell.assignment.id, "item": item.key, "title": item.title,
                   "status": cell.state.status, "due_on": cell.state.due_on, "expires_on": cell.state.expires_on,
                   "completed_on": cell.state.completed_on, "compliant": cell.state.compliant}
                  for item in m.items if (cell := m.cells.get((p.membership_id, item.key))) is not None],
    } for p in page["data"]]
    return page
