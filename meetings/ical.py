"""iCalendar (RFC 5545) with iTIP methods (RFC 5546) for invitations, downloads and personal feeds.

* Every ``TZID`` a calendar uses has its ``VTIMEZONE`` (RFC 5545 §3.6.5 requires one), generated from
  zoneinfo by the icalendar library over the span the calendar covers; without it a client that does
  not know the Olson name, or knows it differently, puts occurrences after a DST change an hour off.
* ``METHOD`` follows RFC 5546: ``PUBLISH`` for a file someone downloads (no ATTENDEE), ``REQUEST``
  for a mailed invitation or update and ``CANCEL`` for a mailed cancellation (both with the recipient
  as ATTENDEE); a feed has no METHOD.
* ``ORGANIZER`` is a person who reads replies: the meeting's host, or the configured reply address
  (``MEETING_REPLY_TO``) when the meeting has no host; ``SENT-BY`` names Continuum's sending address
  when it differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from meetings.models import Meeting

PRODID = "-//Continuum//Meetings//EN"


@dataclass(frozen=True)
class Organizer:
    email: str
    name: str = ""
    sent_by: str = ""


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""


def organizer_of(meeting: Meeting, *, reply_to: str, sender: str) -> Organizer:
    """The host when there is one, else the configured reply address, else the sender (which a
    deployment should make a monitored mailbox)."""
    host = meeting.host
    sent_by = sender if sender else ""
    if host is not None and host.email:
        return Organizer(host.email, host.display_name, "" if sent_by == host.email else sent_by)
    address = reply_to or sender
    return Organizer(address, "", "" if sent_by == address else sent_by)


def configured_organizer(meeting: Meeting) -> Organizer:
    """``organizer_of`` with the app's ``MEETING_REPLY_TO`` and the address mail is sent from."""
    from email.utils import parseaddr

    from flask import current_app

    config = current_app.config
    return organizer_of(meeting, reply_to=parseaddr(config.get("MEETING_REPLY_TO") or "")[1],
                        sender=parseaddr(config.get("MAIL_FROM") or "")[1])


def _address(email: str, **params: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{email}")
    for key, param in params.items():
        if param:
            value.params[key] = vText(param) if key == "CN" else param
    return value


def _event(meeting: Meeting, *, url: str, organizer: Organizer, stamp: datetime, cancelled: bool,
           attendees: list[Attendee] = ()) -> Event:
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
    ev.add("organizer", _address(organizer.email, CN=organizer.name,
                                 **{"SENT-BY": f"mailto:{organizer.sent_by}" if organizer.sent_by else ""}))
    for person in attendees:
        ev.add("attendee", _address(person.email, CN=person.name, CUTYPE="INDIVIDUAL", ROLE="REQ-PARTICIPANT",
                                    PARTSTAT="NEEDS-ACTION", RSVP="FALSE" if cancelled else "TRUE"))
    return ev


def _calendar(method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    return cal


def _with_timezones(cal: Calendar, meetings: list[Meeting]) -> bytes:
    """Add a VTIMEZONE per TZID, covering a year either side of what the calendar holds (small, and
    enough for the transitions any occurrence falls between)."""
    if meetings:
        first = min(m.starts_at for m in meetings).date() - timedelta(days=366)
        last = max(m.series_ends_at or m.ends_at for m in meetings).date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year, 12, 31))
        for tz in cal.timezones:
            _one_onset_per_observance(tz)
    missing = cal.get_missing_tzids()
    if missing:  # an unknown zone would leave a dangling TZID: refuse rather than send a broken file
        raise ValueError(f"no VTIMEZONE for {sorted(missing)}")
    return cal.to_ical()


def _one_onset_per_observance(tz: Timezone) -> None:
    """Spell each transition as its own STANDARD/DAYLIGHT with a DTSTART instead of one with an RDATE
    list: the same zone, in the form every client reads (vobject/dateutil, for one, ignore the RDATEs
    and put occurrences after the next DST change an hour off)."""
    expanded = []
    for sub in tz.subcomponents:
        dates = [leaf.dt for prop in (sub.get("RDATE") if isinstance(sub.get("RDATE"), list)
                                      else [sub["RDATE"]] if "RDATE" in sub else []) for leaf in prop.dts]
        expanded.append(sub)
        for onset in dates:
            copy = type(sub)()
            for name, value in sub.property_items(recursive=False):
                if name not in ("BEGIN", "END", "RDATE", "DTSTART"):
                    copy.add(name, value)
            copy.add("DTSTART", onset)
            expanded.append(copy)
        sub.pop("RDATE", None)
    tz.subcomponents[:] = expanded


def invitation(meeting: Meeting, *, url: str, organizer: Organizer, stamp: datetime, attendee: Attendee,
               cancel: bool = False) -> bytes:
    """A mailed invitation: METHOD:REQUEST (new or updated) or METHOD:CANCEL, to one attendee. The UID
    never changes and SEQUENCE grows with each change, so calendars replace the earlier copy."""
    cal = _calendar("CANCEL" if cancel else "REQUEST")
    cal.add_component(_event(meeting, url=url, organizer=organizer, stamp=stamp, cancelled=cancel,
                             attendees=[attendee]))
    return _with_timezones(cal, [meeting])


def download(meeting: Meeting, *, url: str, organizer: Organizer, stamp: datetime) -> bytes:
    """A file to import: METHOD:PUBLISH, no ATTENDEE (RFC 5546 §3.2.1)."""
    cal = _calendar("PUBLISH")
    cal.add_component(_event(meeting, url=url, organizer=organizer, stamp=stamp, cancelled=meeting.is_cancelled))
    return _with_timezones(cal, [meeting])


def feed(meetings: list[tuple[Meeting, str, Organizer]], *, stamp: datetime, name: str) -> bytes:
    """A subscription feed (no METHOD): every meeting of one person, cancelled ones marked so."""
    cal = _calendar(None)
    cal.add("x-wr-calname", name)
    for meeting, url, organizer in meetings:
        cal.add_component(_event(meeting, url=url, organizer=organizer, stamp=stamp, cancelled=meeting.is_cancelled))
    return _with_timezones(cal, [m for m, _, _ in meetings])
