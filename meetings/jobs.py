"""Jobs: they take IDs and call one service each (lms/jobs.py runs them inline or on RQ)."""

from __future__ import annotations

from sqlalchemy import select

from lms import mail
from lms.extensions import db
from lms.security import external_url
from lms.types import utcnow
from lms.users.models import User
from meetings import ical
from meetings.models import Meeting
from meetings.services import invited_users
from meetings.tracking import poll_meeting as _poll


def send_invitations(meeting_id: int, kind: str = "invite") -> None:
    """Email every invitee the meeting with an .ics attachment (``kind``: invite or update or cancel)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return
    cancel = kind == "cancel"
    for user in invited_users(meeting):
        _send(meeting, user, kind, cancel)


def send_cancellations(meeting_id: int, *user_ids: int) -> None:
    """METHOD:CANCEL to people taken off the invitation."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not user_ids:
        return
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        _send(meeting, user, "uninvited", True)


def _send(meeting: Meeting, user: User, kind: str, cancel: bool) -> None:
    url = external_url("meetings.show", meeting_id=meeting.id)
    organizer = ical.configured_organizer(meeting)
    ics = ical.invitation(meeting, url=url, organizer=organizer, stamp=utcnow(),
                          attendee=ical.Attendee(user.email, user.display_name), cancel=cancel)
    prefix = {"invite": "Invitation", "update": "Updated", "cancel": "Cancelled",
              "uninvited": "Cancelled"}.get(kind, "Invitation")
    mail.send_with_attachments(
        user.email, f"{prefix}: {meeting.title}", "meeting_invitation",
        attachments=[("invite.ics", ics, "text/calendar", {"method": "CANCEL" if cancel else "REQUEST"})],
        reply_to=organizer.email, meeting=meeting, user=user, url=url, kind=kind)


def poll_meeting(meeting_id: int) -> str:
    return _poll(meeting_id)
