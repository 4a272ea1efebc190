"""Scheduling, invitations with .ics, updates and cancellations, the calendar feed, minutes,
attendance corrections, the CSV export, browser presence and bounded query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.types import utcnow
from meetings.models import AttendanceInterval, Meeting, MinutesAcknowledgement
from tests.conftest import count_queries
from tests.factories import make_meeting, make_member, make_org, make_team


@pytest.fixture
def practice(db):
    org = make_org(timezone="America/New_York")
    manager = make_member(org, role="manager").user
    staff = [make_member(org) for _ in range(3)]
    team = make_team(org, name="Front office", members=staff[:2])
    return org, manager, staff, team


def ics_of(message):
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_content() if isinstance(part.get_content(), bytes)
                                      else part.get_content().encode()), part
    raise AssertionError("no .ics attached")


def schedule_form(**overrides):
    data = {"title": "Monthly staff meeting", "category": "administrative", "agenda": "1. Rota\n2. *Fire drill*",
            "timezone": "America/New_York", "start": "2027-01-12T09:00", "end": "2027-01-12T10:00",
            "recurrence": "none", "recurrence_count": "1", "lobby_enabled": "y", "min_credit_minutes": "15"}
    data.update(overrides)
    return data


def test_schedule_invites_a_team_with_ics(client, practice, outbox):
    org, manager, staff, team = practice
    client.login(manager)
    response = client.post(f"/meetings/orgs/{org.id}/new", schedule_form(team_ids=str(team.id)))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    meeting = Meeting.query.order_by(Meeting.id.desc()).first()
    # 09:00 in New York in January is 14:00 UTC.
    assert meeting.starts_at == datetime(2027, 1, 12, 14, 0, tzinfo=timezone.utc)
    recipients = sorted(m["To"] for m in outbox.messages)
    assert recipients == sorted([staff[0].user.email, staff[1].user.email, manager.email])
    cal, part = ics_of(outbox.messages[0])
    assert cal["method"] == "REQUEST" and 'method="REQUEST"' in part["Content-Type"].replace("'", '"') or \
        "method=REQUEST" in part["Content-Type"]
    (ev,) = cal.walk("VEVENT")
    assert str(ev["uid"]) == meeting.ical_uid and int(ev["sequence"]) == 0
    assert ev.decoded("dtstart") == datetime(2027, 1, 12, 14, 0, tzinfo=timezone.utc)
    assert meeting.room_name not in outbox.last_text()  # the room is reached through Continuum only


def test_update_sends_higher_sequence_and_cancellation(client, practice, outbox, db):
    org, manager, staff, team = practice
    meeting = make_meeting(org, manager, invitees=[staff[0].user, staff[1].user])
    client.login(manager)
    response = client.post(f"/meetings/{meeting.id}/edit", schedule_form(
        title="Moved staff meeting", invitee_ids=str(staff[0].user.id)))
    assert response.status_code == 302
    by_to = {m["To"]: m for m in outbox.messages}
    cal, _ = ics_of(by_to[staff[0].user.email])
    (ev,) = cal.walk("VEVENT")
    assert int(ev["sequence"]) == 1 and str(ev["uid"]) == meeting.ical_uid and cal["method"] == "REQUEST"
    removed, _ = ics_of(by_to[staff[1].user.email])
    assert removed["method"] == "CANCEL"
    outbox.clear()
    assert client.post(f"/meetings/{meeting.id}/cancel").status_code == 302
    cal, _ = ics_of(outbox.messages[0])
    (ev,) = cal.walk("VEVENT")
    assert cal["method"] == "CANCEL" and int(ev["sequence"]) == 2 and str(ev["status"]) == "CANCELLED"


def test_form_refuses_phi_and_bad_times(client, practice):
    org, manager, *_ = practice
    client.login(manager)
    response = client.post(f"/meetings/orgs/{org.id}/new", schedule_form(
        agenda="Review John Smith DOB 03/14/1962 MRN 12345678"))
    assert response.status_code == 422
    assert "patient information" in response.get_data(as_text=True)
    response = client.post(f"/meetings/orgs/{org.id}/new", schedule_form(end="2027-01-12T08:00"))
    assert response.status_code == 422 and "end after it starts" in response.get_data(as_text=True)
    assert Meeting.query.count() == 0


def test_patient_care_is_not_a_category(client, practice):
    org, manager, *_ = practice
    client.login(manager)
    page = client.get(f"/meetings/orgs/{org.id}/new").get_data(as_text=True)
    assert "not for patient care" in page
    assert client.post(f"/meetings/orgs/{org.id}/new", schedule_form(category="patient_care")).status_code == 422


def test_meeting_page_shows_both_zones_and_sanitised_agenda(client, practice, db):
    org, manager, staff, _ = practice
    nia = staff[0].user
    nia.timezone = "Europe/London"
    meeting = make_meeting(org, manager, invitees=[nia], timezone="America/New_York",
                           agenda="[x](javascript:alert(1)) **bold**",
                           starts_at=datetime(2027, 1, 12, 14, 0, tzinfo=timezone.utc))
    client.login(nia)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Tue 12 Jan 2027, 14:00 GMT" in page and "09:00 EST" in page
    assert "<strong>bold</strong>" in page and 'href="javascript' not in page
    assert "Non-clinical meeting" in page
    assert 'disabled aria-describedby="join-reason"' in page  # not yet open


def test_join_window_opens_before_start(client, practice, app):
    org, manager, staff, _ = practice
    soon = make_meeting(org, manager, invitees=[staff[0].user], starts_at=utcnow() + timedelta(minutes=10))
    later = make_meeting(org, manager, invitees=[staff[0].user], starts_at=utcnow() + timedelta(minutes=40))
    client.login(staff[0].user)
    assert client.get(f"/meetings/{soon.id}/room").status_code == 200
    assert client.get(f"/meetings/{later.id}/room").status_code == 302


def test_room_page_has_no_inline_script_and_no_token_in_links(client, practice, app, monkeypatch):
    org, manager, staff, _ = practice
    monkeypatch.setitem(app.config, "JITSI_MODE", "selfhosted")
    monkeypatch.setitem(app.config, "JITSI_APP_ID", "continuum")
    monkeypatch.setitem(app.config, "JITSI_APP_SECRET", "x" * 40)
    meeting = make_meeting(org, manager, invitees=[staff[0].user], starts_at=utcnow())
    client.login(staff[0].user)
    response = client.get(f"/meetings/{meeting.id}/room")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert 'src="https://meet.example.org/external_api.js"' in page
    token = re.search(r'&#34;jwt&#34;: ?&#34;([^&]+)&#34;|"jwt":"([^"]+)"', page)
    assert token, "the JWT is handed to the page in a data attribute"
    links = re.findall(r'href="([^"]+)"', page)
    assert not any("jwt" in link for link in links)
    assert "https://meet.example.org/" + meeting.room_name in links


def test_presence_needs_csrf_and_is_self_reported(client, practice, db):
    org, manager, staff, _ = practice
    nia = staff[0].user
    meeting = make_meeting(org, manager, invitees=[nia], starts_at=utcnow())
    client.login(nia)
    assert client.post(f"/meetings/{meeting.id}/presence", {"event": "joined"}, csrf=False).status_code == 400
    assert client.post(f"/meetings/{meeting.id}/presence", {"event": "joined"}).status_code == 204
    assert client.post(f"/meetings/{meeting.id}/presence", {"event": "left"}).status_code == 204
    (iv,) = db.session.scalars(select(AttendanceInterval).where(AttendanceInterval.meeting_id == meeting.id)).all()
    assert iv.evidence == "self_reported" and iv.left_at is not None and iv.user_id == nia.id


def test_host_confirms_and_corrects_with_audit(client, practice, db):
    org, manager, staff, _ = practice
    nia, omar = staff[0].user, staff[1].user
    start = utcnow() - timedelta(hours=2)
    meeting = make_meeting(org, manager, invitees=[nia, omar], starts_at=start)
    iv = AttendanceInterval(meeting_id=meeting.id, user_id=nia.id, joined_at=start, left_at=start + timedelta(
        minutes=50), evidence="self_reported", source="iframe")
    db.session.add(iv)
    db.session.flush()
    client.login(manager)
    assert client.post(f"/meetings/{meeting.id}/attendance/{iv.id}/confirm").status_code == 302
    local = lambda dt: dt.astimezone(__import__("zoneinfo").ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    assert client.post(f"/meetings/{meeting.id}/attendance/add", {
        "user_id": omar.id, "joined": local(start), "left": local(start + timedelta(minutes=30)),
        "note": "Joined by phone from the front desk"}).status_code == 302
    assert client.post(f"/meetings/{meeting.id}/attendance/{iv.id}/void", {"note": ""}).status_code == 302
    db.session.refresh(iv)
    assert iv.evidence == "host_confirmed" and iv.voided_at is None  # a void needs a reason
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == manager.id)))
    assert {"attendance.confirm", "attendance.add"} <= actions
    page = client.get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert nia.full_name in page and "Confirmed by host" in page


def test_csv_export_neutralises_formulas(client, practice, db):
    org, manager, staff, _ = practice
    evil = staff[0].user
    evil.first_name, evil.last_name = "=HYPERLINK(\"http://x\")", "@SUM(A1)"
    meeting = make_meeting(org, manager, invitees=[evil], starts_at=utcnow() - timedelta(hours=2))
    db.session.add(AttendanceInterval(meeting_id=meeting.id, display_name="+cmd|' /C calc'!A0", participant_key="x",
                                      joined_at=meeting.starts_at, left_at=meeting.ends_at, evidence="observed",
                                      source="poll"))
    db.session.add(AttendanceInterval(meeting_id=meeting.id, display_name="\tTabbed", participant_key="y",
                                      joined_at=meeting.starts_at, left_at=meeting.ends_at, evidence="observed",
                                      source="poll"))
    db.session.flush()
    client.login(manager)
    response = client.get(f"/meetings/{meeting.id}/attendance.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    names = [r[0] for r in rows[1:]]
    assert all(not n or n[0] not in "=+-@\t\r" for n in names), names
    assert "'+cmd|' /C calc'!A0" in names and "'\tTabbed" in names
    assert any(n.startswith("'=HYPERLINK") for n in names)


def test_minutes_action_items_and_read_and_signed(client, practice, db):
    org, manager, staff, _ = practice
    nia = staff[0].user
    meeting = make_meeting(org, manager, category="training", invitees=[nia],
                           starts_at=utcnow() - timedelta(hours=3), ack_counts_as_attendance=True)
    client.login(manager)
    typed = "Fire drill went well.\nDiscussed patient Jane Doe MRN 4455667 & <b>rota</b>"
    blocked = client.post(f"/meetings/{meeting.id}/minutes", {"minutes": typed})
    assert blocked.status_code == 422
    page = blocked.get_data(as_text=True)
    # Nothing typed is lost (escaped, in the box) and the objectionable passage is marked.
    assert "Fire drill went well.\nDiscussed patient Jane Doe MRN 4455667 &amp; &lt;b&gt;rota&lt;/b&gt;</textarea>" in page
    assert re.search(r"<mark title=\"[^\"]+\">[^<]*4455667</mark>", page)
    assert "<b>rota</b>" not in page
    db.session.refresh(meeting)
    assert meeting.minutes == ""
    client.post(f"/meetings/{meeting.id}/minutes", {"minutes": "Fire drill done. New rota from **March**."})
    client.post(f"/meetings/{meeting.id}/actions", {"text": "Circulate the rota", "owner_id": str(nia.id),
                                                    "due_on": "2027-02-01"})
    reader = client.__class__(client.app).login(nia)
    page = reader.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "New rota from <strong>March</strong>" in page and "Circulate the rota" in page
    assert reader.post(f"/meetings/{meeting.id}/acknowledge").status_code == 302
    assert db.session.get(MinutesAcknowledgement, (meeting.id, nia.id)) is not None
    from meetings.tracking import attendance_summary

    summary = attendance_summary(meeting.id, nia.id)
    assert summary.attended and summary.acknowledged_minutes and summary.minutes == 0


def test_calendar_feed_is_token_protected_and_revocable(client, practice, db):
    org, manager, staff, _ = practice
    nia = staff[0].user
    meeting = make_meeting(org, manager, invitees=[nia], title="Quarterly review")
    client.login(nia)
    client.post("/meetings/feed/rotate")
    page = client.get("/meetings/").get_data(as_text=True)
    url = re.search(r'value="(https://continuum\.example\.org/meetings/feed/[^"]+\.ics)"', page).group(1)
    path = url.replace("https://continuum.example.org", "")
    anonymous = client.__class__(client.app)
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert "Quarterly review" in feed.get_data(as_text=True)
    token = path.rsplit("/", 1)[1][:-4]
    from meetings.models import CalendarFeed

    assert token not in db.session.get(CalendarFeed, nia.id).token_hash  # only a hash is stored
    client.post("/meetings/feed/rotate")
    assert anonymous.get(path).status_code == 404
    assert 'id="feed-url"' in client.get("/meetings/").get_data(as_text=True)
    assert 'id="feed-url"' not in client.get("/meetings/").get_data(as_text=True)  # shown once only


def test_ics_download(client, practice):
    org, manager, staff, _ = practice
    meeting = make_meeting(org, manager, invitees=[staff[0].user])
    client.login(staff[0].user)
    response = client.get(f"/meetings/{meeting.id}/invite.ics")
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert str(cal.walk("VEVENT")[0]["uid"]) == meeting.ical_uid


def test_live_credit_participation(db, practice):
    from meetings import credit_hooks, services

    org, manager, staff, _ = practice
    nia = staff[0].user
    start = utcnow().replace(microsecond=0) - timedelta(hours=3)
    meeting = make_meeting(org, manager, category="education", invitees=[nia], starts_at=start, minutes=120,
                           designations={"ama_pra_1": "1.5"}, accredited_start_at=start + timedelta(minutes=15),
                           accredited_end_at=start + timedelta(minutes=120),
                           accreditation_statement="Designated for a maximum of 1.5 AMA PRA Category 1 Credits.")
    info = credit_hooks.activity_info(meeting.id)
    assert info.kind == "meeting" and info.format == "live" and info.designations == {"ama_pra_1": Decimal("1.5")}
    assert credit_hooks.activity_info(make_meeting(org, manager).id) is None
    add = lambda a, b, ev: db.session.add(AttendanceInterval(  # noqa: E731
        meeting_id=meeting.id, user_id=nia.id, joined_at=start + timedelta(minutes=a),
        left_at=start + timedelta(minutes=b), evidence=ev, source="poll"))
    add(0, 50, "observed")           # 35 accredited minutes
    add(40, 70, "verified")          # overlaps: +20
    add(70, 120, "self_reported")    # does not count
    db.session.flush()
    p = credit_hooks.participation(nia.id, meeting.id)
    assert p.minutes_attended == 55 and p.max_claimable == Decimal("0.75") and p.completed_at == meeting.ends_at
    assert p.evaluation_submitted is False
    services.submit_evaluation(nia, meeting, services.EvaluationData(5, 4, 5, "More cases"), now=utcnow())
    assert credit_hooks.participation(nia.id, meeting.id).evaluation_submitted is True


def _seed(org, manager, staff, n):
    for i in range(n):
        m = make_meeting(org, manager, title=f"Meeting {i}", invitees=[s.user for s in staff],
                         starts_at=utcnow() + timedelta(days=i + 1))
        from lms.extensions import db
        from meetings.models import ActionItem

        for s in staff:
            db.session.add(AttendanceInterval(meeting_id=m.id, user_id=s.user.id, joined_at=m.starts_at,
                                              left_at=m.ends_at, evidence="observed", source="poll"))
            db.session.add(ActionItem(meeting_id=m.id, text="x", owner_id=s.user.id, created_at=utcnow()))
    from lms.extensions import db

    db.session.flush()
    return m


@pytest.mark.parametrize("url", ["/meetings/", "/meetings/{id}", "/meetings/{id}/attendance"])
def test_query_counts_are_bounded(client, practice, db, url):
    org, manager, staff, _ = practice
    client.login(manager)
    counts = []
    for n in (2, 20):
        extra = [make_member(org) for _ in range(n // 2)]
        last = _seed(org, manager, staff + extra, n)
        with count_queries(db.engine) as statements:
            assert client.get(url.format(id=last.id)).status_code == 200
        counts.append(len(statements))
    assert counts[1] <= counts[0] + 2, counts
