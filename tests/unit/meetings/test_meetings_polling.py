"""Polling mod_muc_size against a loopback stand-in: formats, faults, and the intervals recorded."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
import requests

from lms.types import utcnow
from meetings import jitsi
from meetings.models import AttendanceInterval
from meetings.tracking import meetings_to_poll, poll_meeting, record_poll
from tests.factories import make_meeting, make_member, make_org
from tests.unit.meetings.prosody_stub import ProsodyStub


@pytest.fixture
def prosody(app, monkeypatch):
    with ProsodyStub() as stub:
        for key, value in {"JITSI_MUC_SIZE_URL": stub.url, "JITSI_MUC_HOST": "meet.example.org",
                           "JITSI_MUC_DOMAIN": "meet.example.org", "JITSI_POLL_TIMEOUT": (0.5, 0.5),
                           "JITSI_POLL_BACKOFF": 0, "JITSI_POLL_RETRIES": 2}.items():
            monkeypatch.setitem(app.config, key, value)
        yield stub


def test_stub_speaks_the_documented_formats(prosody):
    prosody.rooms["abc"] = [prosody.occupant("abc", "p1", "Nia")]
    get = lambda path, host="meet.example.org": requests.get(prosody.url + path, headers={"Host": host}, timeout=2)  # noqa: E731
    assert get("/room-size?room=abc&domain=meet.example.org").json() == {"participants": 1}  # lone occupant: 1
    prosody.rooms["abc"].append(prosody.occupant("abc", "p2"))
    assert get("/room-size?room=abc&domain=meet.example.org").json() == {"participants": 2}
    assert get("/room-size").status_code == 400
    assert get("/room?room=zzz&domain=x").status_code == 404
    assert get("/room?room=abc&domain=x", host="other.example.org").status_code == 404
    assert get("/sessions").text == "2"


def test_fetch_parses_occupants(db, prosody):
    prosody.rooms["abc"] = [prosody.occupant("abc", "p1", "Nia", "nia@example.org")]
    (occ,) = jitsi.fetch_room_occupants("abc")
    assert occ.participant_key == "p1" and occ.display_name == "Nia" and occ.email == "nia@example.org"
    assert "room=abc" in prosody.requests[-1] and "domain=meet.example.org" in prosody.requests[-1]


@pytest.mark.parametrize("as_object", [False, True])
def test_empty_room_as_list_or_object(db, prosody, as_object):
    prosody.rooms["abc"] = []
    prosody.empty_as_object = as_object
    assert jitsi.fetch_room_occupants("abc") == []


def test_404_means_not_running(db, prosody):
    assert jitsi.fetch_room_occupants("nosuchroom") is None


def test_403_is_a_configuration_error_not_retried(db, prosody):
    prosody.rooms["abc"] = []
    prosody.require_token = True
    with pytest.raises(jitsi.JitsiConfigError):
        jitsi.fetch_room_occupants("abc")
    assert len(prosody.requests) == 1


def test_5xx_is_retried_a_bounded_number_of_times(db, prosody):
    prosody.rooms["abc"] = []
    prosody.fail_next = 2
    assert jitsi.fetch_room_occupants("abc") == []
    assert len(prosody.requests) == 3
    prosody.fail_next = 10
    with pytest.raises(jitsi.JitsiError):
        jitsi.fetch_room_occupants("abc")
    assert len(prosody.requests) == 6  # 3 more attempts, then it gives up


def test_slow_reply_times_out(db, prosody):
    prosody.rooms["abc"] = []
    prosody.delay = 1.0
    started = time.monotonic()
    with pytest.raises(jitsi.JitsiError):
        jitsi.fetch_room_occupants("abc", retries=1)
    assert time.monotonic() - started < 4


def test_refused_connection(db, app, monkeypatch):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    monkeypatch.setitem(app.config, "JITSI_MUC_SIZE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setitem(app.config, "JITSI_POLL_BACKOFF", 0)
    with pytest.raises(jitsi.JitsiError, match="unreachable"):
        jitsi.fetch_room_occupants("abc", retries=1)


def _running_meeting(db):
    org = make_org()
    host = make_member(org, role="manager").user
    nia = make_member(org).user
    meeting = make_meeting(org, host, starts_at=utcnow() - timedelta(minutes=10), minutes=60, invitees=[nia])
    return meeting, nia


def test_polling_records_intervals_and_survives_faults(db, prosody):
    meeting, nia = _running_meeting(db)
    room = meeting.room_name
    t0 = utcnow().replace(microsecond=0)
    minute = lambda n: t0 + timedelta(minutes=n)  # noqa: E731

    assert meeting.id in meetings_to_poll(t0)
    assert poll_meeting(meeting.id, now=minute(0)) == "not running"  # 404 before anyone arrives
    prosody.rooms[room] = [prosody.occupant(room, "p1", "Nia", nia.email)]
    poll_meeting(meeting.id, now=minute(1))
    prosody.rooms[room].append(prosody.occupant(room, "p2", "Guest"))
    poll_meeting(meeting.id, now=minute(2))
    prosody.fail_next = 10  # Prosody is down for a while: nothing changes
    assert poll_meeting(meeting.id, now=minute(3)) == "error"
    prosody.fail_next = 0
    poll_meeting(meeting.id, now=minute(4))
    prosody.rooms[room] = [prosody.occupant(room, "p2", "Guest")]  # Nia leaves
    poll_meeting(meeting.id, now=minute(5))
    prosody.empty_as_object = True
    prosody.rooms[room] = []  # everyone gone, answered as {}
    poll_meeting(meeting.id, now=minute(6))

    ivs = db.session.query(AttendanceInterval).filter_by(meeting_id=meeting.id).order_by(
        AttendanceInterval.participant_key).all()
    got = [(i.participant_key, i.user_id, i.evidence, i.joined_at, i.left_at) for i in ivs]
    assert got == [("p1", nia.id, "observed", minute(1), minute(4)),
                   ("p2", None, "observed", minute(2), minute(5))]


def test_not_running_closes_what_is_open(db):
    meeting, nia = _running_meeting(db)
    t0 = utcnow()
    record_poll(meeting, [jitsi.Occupant("p1", "x/p1", nia.email, "Nia")], now=t0)
    record_poll(meeting, [jitsi.Occupant("p1", "x/p1", nia.email, "Nia")], now=t0 + timedelta(minutes=1))
    record_poll(meeting, None, now=t0 + timedelta(minutes=2))
    (iv,) = db.session.query(AttendanceInterval).filter_by(meeting_id=meeting.id).all()
    assert iv.left_at == t0 + timedelta(minutes=1)


def test_cancelled_or_distant_meetings_are_not_polled(db):
    meeting, _ = _running_meeting(db)
    assert poll_meeting(meeting.id, now=utcnow() + timedelta(days=3)) == "skipped"
    meeting.cancelled_at = utcnow()
    assert meeting.id not in meetings_to_poll(utcnow())
