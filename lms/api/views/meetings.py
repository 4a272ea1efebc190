"""Meetings, their invitations and attendance (as the meeting and attendance pages)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import or_

from lms.api.auth import current_token, require
from lms.api.pagination import ListArgs, UpdatedSinceArgs, page_schema, paginate, paginate_list
from lms.api.schemas import AttendanceSchema, MeetingInviteeSchema, MeetingSchema
from lms.api.views.common import blueprint, me, now
from lms.api.auth import confine_to_token_org
from lms.extensions import db
from lms.permissions import is_admin, membership
from meetings import services, tracking
from meetings.models import Meeting

blp = blueprint("meetings", "Meetings, invitations and attendance (meetings:read)", "/meetings")


def meeting_or_404(meeting_id: int, *, host: bool = False) -> Meeting:
    """As the meeting pages load one: 404 outside its organisation, 403 inside it when not invited
    (or, with ``host``, not running it)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    confine_to_token_org(meeting.org_id)
    if not is_admin(me()) and membership(me(), meeting.org_id) is None:
        abort(404)
    hosting = services.can_host(me(), meeting)
    if not hosting and (host or not services.is_invited(me(), meeting)):
        abort(403)
    return meeting


def meeting_json(m: Meeting) -> dict:
    return {"id": m.id, "org_id": m.org_id, "title": m.title, "category": m.category, "starts_at": m.starts_at,
            "ends_at": m.ends_at, "timezone": m.timezone, "recurrence": m.recurrence,
            "recurrence_count": m.recurrence_count, "host_id": m.host_id, "open_to_org": m.open_to_org,
            "is_accredited": m.is_accredited, "cancelled_at": m.cancelled_at, "ended_at": m.ended_at,
            "updated_at": m.updated_at, "can_host": services.can_host(me(), m)}


@blp.route("")
@require("meetings:read")
@blp.arguments(UpdatedSinceArgs, location="query")
@blp.response(200, page_schema(MeetingSchema, "MeetingPage"))
def list_meetings(args):
    """Meetings you may see: a manager's organisations' meetings, otherwise those you are invited to."""
    token = current_token()
    query = services.visible_meetings_query(me(), org_ids=[token.org_id] if token.org_id else None)
    if args.get("updated_since"):
        since = args["updated_since"]
        query = query.where(or_(Meeting.updated_at >= since, Meeting.created_at >= since))
    return paginate(query, Meeting.id, args, transform=meeting_json)


@blp.route("/<int:meeting_id>")
@require("meetings:read")
@blp.response(200, MeetingSchema)
def get_meeting(meeting_id: int):
    """One meeting you are invited to or run."""
    return meeting_json(meeting_or_404(meeting_id))


@blp.route("/<int:meeting_id>/invitations")
@require("meetings:read")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(MeetingInviteeSchema, "MeetingInviteePage"))
def invitations(args, meeting_id: int):
    """Everyone invited, resolved now (people, teams, the whole organisation); hosts only."""
    meeting = meeting_or_404(meeting_id, host=True)
    page = paginate_list(services.invited_users(meeting), lambda u: u.id, args)
    page["data"] = [{"user_id": u.id, "name": u.full_name, "email": u.email} for u in page["data"]]
    return page


@blp.route("/<int:meeting_id>/attendance")
@require("meetings:read")
@blp.response(200, AttendanceSchema)
def attendance(meeting_id: int):
    """The attendance report: one row per person, merged intervals and the strongest evidence; hosts only."""
    meeting = meeting_or_404(meeting_id, host=True)
    rows = tracking.attendance_report(meeting, now=now())
    return {"meeting_id": meeting.id, "rows": [
        {"user_id": r.user.id if r.user else None, "name": r.name, "invited": r.invited, "first_join": r.first_join,
         "last_leave": r.last_leave, "minutes": r.minutes, "credible_minutes": r.credible_minutes,
         "evidence": r.evidence, "acknowledged_at": r.acknowledged_at} for r in rows]}
