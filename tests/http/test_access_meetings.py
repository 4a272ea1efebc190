"""URL × role × expected status for the meetings package.

The meeting is hosted by the manager, the member is invited, the educator is not (403 inside the
organisation), another organisation's manager gets 404.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.http.access import LOGIN, ROLES, check_access, everyone, make_people, org_scoped, signed_in

from tests.factories import make_meeting, make_org

VIEWER = {"anonymous": LOGIN, "member": 200, "educator": 403, "manager": 200, "other_manager": 404, "admin": 200}
HOST = {"anonymous": LOGIN, "member": 403, "educator": 403, "manager": 200, "other_manager": 404, "admin": 200}


def _post(expected: dict, status=302) -> dict:
    return {role: (status if code == 200 else code) for role, code in expected.items()}


MATRIX = {
    "meetings.index": ("GET", "/meetings/", signed_in(200)),
    "meetings.rotate_feed": ("POST", "/meetings/feed/rotate", signed_in(302)),
    "meetings.revoke_feed": ("POST", "/meetings/feed/revoke", signed_in(302)),
    "meetings.feed": ("GET", "/meetings/feed/not-a-token.ics", everyone(404)),
    "meetings.new": ("GET", "/meetings/orgs/{org}/new", org_scoped(200, educator=200)),
    "meetings.show": ("GET", "/meetings/{meeting}", VIEWER),
    "meetings.ics": ("GET", "/meetings/{meeting}/invite.ics", VIEWER),
    "meetings.room": ("GET", "/meetings/{meeting}/room", VIEWER),
    "meetings.evaluation": ("GET", "/meetings/{meeting}/evaluation", VIEWER),
    "meetings.edit": ("GET", "/meetings/{meeting}/edit", HOST),
    "meetings.cancel": ("POST", "/meetings/{meeting}/cancel", _post(HOST)),
    "meetings.end": ("POST", "/meetings/{meeting}/end", _post(HOST)),
    "meetings.save_minutes": ("POST", "/meetings/{meeting}/minutes", _post(HOST)),
    "meetings.add_action": ("POST", "/meetings/{meeting}/actions", _post(HOST)),
    "meetings.toggle_action": ("POST", "/meetings/{meeting}/actions/{item}/toggle", _post(VIEWER)),
    "meetings.acknowledge": ("POST", "/meetings/{meeting}/acknowledge", _post(VIEWER)),
    "meetings.presence": ("POST", "/meetings/{meeting}/presence", _post(VIEWER, 400)),
    "meetings.attendance": ("GET", "/meetings/{meeting}/attendance", HOST),
    "meetings.attendance_csv": ("GET", "/meetings/{meeting}/attendance.csv", HOST),
    "meetings.add_attendance": ("POST", "/meetings/{meeting}/attendance/add", _post(HOST)),
    "meetings.confirm_attendance": ("POST", "/meetings/{meeting}/attendance/{interval}/confirm", _post(HOST)),
    "meetings.void_attendance": ("POST", "/meetings/{meeting}/attendance/{interval}/void", _post(HOST)),
    # Server-to-server: no session; refused without a valid signature or shared header.
    "meetings.jaas_webhook": ("POST", "/meetings/hooks/jaas", everyone(401)),
    "meetings.prosody_event": ("POST", "/meetings/hooks/prosody/occupant/joined", everyone(401)),
}


@pytest.fixture
def world(db):
    from lms.types import utcnow
    from meetings.models import ActionItem, AttendanceInterval

    org, other = make_org(), make_org()
    people = make_people(org, other)
    now = utcnow()
    meeting = make_meeting(org, people["manager"], category="education", invitees=[people["member"]],
                           starts_at=now - timedelta(minutes=5))
    item = ActionItem(meeting=meeting, text="Circulate the rota", owner_id=people["member"].id, created_at=now)
    interval = AttendanceInterval(meeting_id=meeting.id, user_id=people["member"].id, joined_at=now,
                                  last_seen_at=now, evidence="self_reported", source="iframe")
    db.session.add_all([item, interval])
    db.session.flush()
    return people, {"org": org.id, "meeting": meeting.id, "item": item.id, "interval": interval.id}


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
