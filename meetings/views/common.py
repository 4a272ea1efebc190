"""Helpers shared by the meeting views: the meeting loader with its access check, and the actor."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from lms.permissions import is_admin, membership
from lms.users.models import User
from meetings import services
from meetings.models import Meeting


def get_meeting_or_404(meeting_id: int, *, host: bool = False) -> Meeting:
    """Outside the organisation: 404. Inside it but not invited (or not a host when ``host``): 403."""
    return meeting_and_hosting(meeting_id, host=host)[0]


def meeting_and_hosting(meeting_id: int, *, host: bool = False) -> tuple[Meeting, bool]:
    """``get_meeting_or_404``, with whether the user hosts it (checked once, then reused by the page)."""
    meeting = services.load_meeting(meeting_id)  # with its co-hosts, which every access check reads
    if meeting is None:
        abort(404)
    if not is_admin(current_user) and membership(current_user, meeting.org_id) is None:
        abort(404)
    hosting = services.can_host(current_user, meeting)
    if not hosting and (host or not services.is_invited(current_user, meeting)):
        abort(403)
    return meeting, hosting


def actor() -> User:
    return current_user._get_current_object()
