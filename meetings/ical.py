"""iCalendar (RFC 5545) for invitations, updates, cancellations and personal feeds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from meetings.models import Meeting

PRODID = "-//Continuum//Meetings//EN"


def _event(meeting: Meeting, *, url: str, organizer_email: str, stamp: datetime, cancelled: bool,
           attendees: list[str] = ()) -> Event:
    zone = ZoneInfo(meeting.timezone)
    ev = Event()
    ev.add("uid", meeting.ical_uid)
    ev.add("sequence", meeting.ical_sequence)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", meeting.starts_at.astimezone(zone))
    ev.add("dtend", meeting.ends_at.astimezone(zone))
    ev.add("summary", meeting.title)
    ev.add("description", f"{meeting.category_label}. Non-clinical meeting: do not share identifiable patient "
                          f"information.\n\nJoin from Continuum: {url}")
    ev.add("url", url)
    ev.add("location", url)
    ev.add("status", "CANCELLED" if cancelled or meeting.is_cancelled else "CONFIRMED")
    if meeting.recurrence in ("weekly", "monthly") and meeting.recurrence_count > 1:
        ev.add("rrule", {"freq": meeting.recurrence.upper(), "count": meeting.recurrence_count})
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText("Continuum")
    ev.add("organizer", organizer)
    for email in attendees:
        ev.add("attendee", vCalAddress(f"mailto:{email}"), parameters={"ROLE": "REQ-PARTICIPANT"})
    return ev


def invitation(meeting: Meeting, *, url: str, organizer_email: str, stamp: datetime, attendee: str | None = None,
               cancel: bool = False) -> bytes:
    """One event with METHOD:REQUEST (new or updated) or METHOD:CANCEL; the UID never changes and
    SEQUENCE grows with each change, so calendars replace the earlier copy."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    cal.add_component(_event(meeting, url=url, organizer_email=organizer_email, stamp=stamp, cancelled=cancel,
                             attendees=[attendee] if attendee else []))
    return cal.to_ical()


def feed(meetings: list[tuple[Meeting, str]], *, organizer_email: str, stamp: datetime, name: str) -> bytes:
    """A subscription feed (no METHOD): every meeting of one person, cancelled ones marked so."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for meeting, url in meetings:
        cal.add_component(_event(meeting, url=url, organizer_email=organizer_email, stamp=stamp,
                                 cancelled=meeting.is_cancelled))
    return cal.to_ical()
