"""iCalendar read back by an independent parser (vobject): VTIMEZONE for every TZID, recurrences
across a DST change at the right wall-clock time, iTIP methods and a real organiser."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import vobject
from dateutil.rrule import rrulestr

from meetings import ical
from tests.factories import make_meeting, make_member, make_org
from tests.http.meetings.test_meetings_views import ics_of, practice  # noqa: F401  (fixture)

NEW_YORK = ZoneInfo("America/New_York")


def parse(data: bytes):
    return vobject.readOne(data.decode())


def occurrences_from_the_file(cal) -> list[datetime]:
    """The event's occurrences with the zone built from the file's own VTIMEZONE (vobject hands it to
    dateutil's tzical), never from a zone database the reader happens to have: vobject alone prefers
    pytz for a known name and then keeps the first occurrence's offset across a DST change."""
    zones = {vtz.tzid.value: vtz.gettzinfo() for vtz in cal.contents.get("vtimezone", [])}
    raw = vobject.readOne(cal.serialize(), transform=False).vevent  # the lines as written, TZID kept
    start = datetime.strptime(raw.dtstart.value, "%Y%m%dT%H%M%S").replace(tzinfo=zones[raw.dtstart.params["TZID"][0]])
    return list(rrulestr(raw.rrule.value, dtstart=start))


def assert_zone_matches_zoneinfo(cal, tzid: str, first: datetime, days: int) -> None:
    from datetime import timedelta

    (vtz,) = [v for v in cal.contents["vtimezone"] if v.tzid.value == tzid]
    built, real = vtz.gettzinfo(), ZoneInfo(tzid)
    for day in range(days):
        moment = (first + timedelta(days=day)).replace(tzinfo=None)
        assert built.utcoffset(moment) == real.utcoffset(moment), moment


def tzids_used(text: str) -> set[str]:
    return {line.split("TZID=", 1)[1].split(":", 1)[0].split(";", 1)[0]
            for line in text.splitlines() if "TZID=" in line}


def vtimezones(text: str) -> set[str]:
    return {line.split(":", 1)[1] for line in text.splitlines() if line.startswith("TZID:")}


def test_weekly_meeting_across_the_autumn_dst_change_keeps_its_local_time(practice, client):  # noqa: F811
    org, manager, staff, _ = practice
    # Tuesdays 10:00 New York from 20 Oct 2026; clocks go back on 1 Nov 2026.
    start = datetime(2026, 10, 20, 10, 0, tzinfo=NEW_YORK).astimezone(timezone.utc)
    meeting = make_meeting(org, manager, starts_at=start, timezone="America/New_York", recurrence="weekly",
                           recurrence_count=4, invitees=[staff[0].user])
    client.login(staff[0].user)
    data = client.get(f"/meetings/{meeting.id}/invite.ics").data
    text = data.decode()
    assert tzids_used(text) == {"America/New_York"} and vtimezones(text) == {"America/New_York"}
    cal = parse(data)
    assert cal.method.value == "PUBLISH"
    event = cal.vevent
    assert not hasattr(event, "attendee")
    occurrences = occurrences_from_the_file(cal)
    assert [o.astimezone(NEW_YORK).strftime("%a %H:%M") for o in occurrences] == ["Tue 10:00"] * 4
    # The same wall-clock time is 14:00 UTC before the change and 15:00 UTC after it.
    assert [o.astimezone(timezone.utc).hour for o in occurrences] == [14, 14, 15, 15]
    assert_zone_matches_zoneinfo(cal, "America/New_York", datetime(2026, 1, 1, 12), 730)


def test_spring_change_in_another_zone(db):
    org = make_org(timezone="Europe/London")
    host = make_member(org, role="manager").user
    start = datetime(2027, 3, 16, 9, 30, tzinfo=ZoneInfo("Europe/London")).astimezone(timezone.utc)
    meeting = make_meeting(org, host, starts_at=start, timezone="Europe/London", recurrence="weekly",
                           recurrence_count=3)
    data = ical.download(meeting, url="https://continuum.example/m/1", organizer=ical.Organizer(host.email),
                         stamp=datetime(2027, 1, 1, tzinfo=timezone.utc))
    cal = parse(data)
    occurrences = occurrences_from_the_file(cal)
    assert_zone_matches_zoneinfo(cal, "Europe/London", datetime(2026, 1, 1, 12), 1000)
    assert [o.astimezone(timezone.utc).strftime("%d %H:%M") for o in occurrences] == \
        ["16 09:30", "23 09:30", "30 08:30"]


def test_mailed_invitation_is_a_request_to_the_attendee_from_the_host(practice, client, outbox, app):  # noqa: F811
    org, manager, staff, team = practice
    make_meeting(org, manager, timezone="America/New_York", invitees=[staff[0].user])
    from meetings.jobs import send_invitations
    from meetings.models import Meeting

    meeting = Meeting.query.order_by(Meeting.id.desc()).first()
    outbox.clear()
    send_invitations(meeting.id)
    message = next(m for m in outbox.messages if m["To"] == staff[0].user.email)
    assert message["Reply-To"] == manager.email
    _, part = ics_of(message)
    cal = parse(part.get_payload(decode=True))
    assert cal.method.value == "REQUEST"
    event = cal.vevent
    assert event.organizer.value.lower() == f"mailto:{manager.email}".lower()
    assert event.organizer.params["CN"] == [manager.display_name]
    assert "no-reply" not in event.organizer.value
    attendees = event.contents["attendee"]
    assert [a.value.lower() for a in attendees] == [f"mailto:{staff[0].user.email}".lower()]
    assert attendees[0].params["RSVP"] == ["TRUE"] and attendees[0].params["PARTSTAT"] == ["NEEDS-ACTION"]
    assert vtimezones(part.get_payload(decode=True).decode()) == {"America/New_York"}

    outbox.clear()
    send_invitations(meeting.id, "cancel")
    _, part = ics_of(next(m for m in outbox.messages if m["To"] == staff[0].user.email))
    cal = parse(part.get_payload(decode=True))
    assert cal.method.value == "CANCEL" and cal.vevent.status.value == "CANCELLED"
    assert [a.value.lower() for a in cal.vevent.contents["attendee"]] == [f"mailto:{staff[0].user.email}".lower()]


def test_meeting_without_a_host_uses_the_configured_reply_address(db, app, monkeypatch):
    org = make_org()
    host = make_member(org, role="manager").user
    meeting = make_meeting(org, host, timezone="America/Chicago")
    meeting.host = None
    monkeypatch.setitem(app.config, "MEETING_REPLY_TO", "Training office <training@clinic.example>")
    organizer = ical.configured_organizer(meeting)
    assert organizer.email == "training@clinic.example"
    data = ical.download(meeting, url="https://x.example/", organizer=organizer, stamp=meeting.starts_at)
    event = parse(data).vevent
    assert event.organizer.value == "mailto:training@clinic.example"
    assert event.organizer.params["SENT-BY"][0].startswith("mailto:")


def test_the_feed_has_one_vtimezone_per_zone(db, app):
    org = make_org()
    host = make_member(org, role="manager").user
    zones = ["America/New_York", "Europe/Berlin", "America/New_York", "UTC"]
    meetings = [make_meeting(org, host, timezone=tz, title=f"M{i}") for i, tz in enumerate(zones)]
    data = ical.feed([(m, "https://x.example/", ical.configured_organizer(m)) for m in meetings],
                     stamp=meetings[0].starts_at, name="Mine")
    text = data.decode()
    assert tzids_used(text) == vtimezones(text) == {"America/New_York", "Europe/Berlin"}
    assert text.count("BEGIN:VTIMEZONE") == 2
    cal = parse(data)
    assert not hasattr(cal, "method") and len(cal.contents["vevent"]) == 4


def test_an_unknown_zone_is_refused_rather_than_left_dangling(db):
    org = make_org()
    host = make_member(org, role="manager").user
    meeting = make_meeting(org, host, timezone="UTC")
    meeting.timezone = "Mars/Olympus_Mons"
    with pytest.raises(Exception):
        ical.download(meeting, url="https://x.example/", organizer=ical.Organizer(host.email),
                      stamp=meeting.starts_at)
