"""JaaS webhooks (X-Jaas-Signature) and Prosody event_sync, through the real endpoint with raw bytes."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from meetings import jitsi
from meetings.models import AttendanceInterval, JitsiEvent
from tests.factories import make_meeting, make_member, make_org

# 8x8's published example (developer.8x8.com/jaas/docs/webhooks-signatures).
DOC_SECRET = "whsec_9635df66714a4cf088ee9d0979dd3bf6"
DOC_T = 1632490060
DOC_SIGNATURE = "xlzqEojlh4qb21sQpXYsWgyK8x9HVpz+RQldsv18rV0="
DOC_APP = "vpaas-magic-cookie-96f0941768964ab380ed0fbada7a502f"
DOC_BODY = (b'{"eventType":"PARTICIPANT_JOINED","sessionId":"9a441d60-ceaf-4eba-b0a8-a7d940a76e1b",'
            b'"timestamp":1632490058278,"fqn":"vpaas-magic-cookie-96f0941768964ab380ed0fbada7a502f/'
            b'sampleappromanticshiftsstripas","idempotencyKey":"9e9e7420-562d-4659-8e22-44b9b22aaa49",'
            b'"customerId":"96f0941768964ab380ed0fbada7a502f","appId":"vpaas-magic-cookie-96f0941768964ab380ed0fbada7a50'
            b'2f","data":{"avatar":"","name":"Test User","id":"auth0|5f903d7a77f3b4006eb8e67d","participantJid":'
            b'"fc1ea14a-9bca-4218-a563-8c627e803d56@8x8.vc","moderator":true,"email":"test.user@company.com"}}')
URL = "/meetings/hooks/jaas"
SECRET = "whsec_0123456789abcdef0123456789abcdef"
APP = "vpaas-magic-cookie-test"


@pytest.fixture
def jaas(app, monkeypatch):
    monkeypatch.setitem(app.config, "JITSI_WEBHOOK_SECRET", SECRET)
    monkeypatch.setitem(app.config, "JITSI_APP_ID", APP)
    monkeypatch.setitem(app.config, "JITSI_WEBHOOK_MAX_AGE", 300)
    return app


def post_raw(client, raw: bytes, header: str | None, url=URL, extra=None):
    headers = {"X-Jaas-Signature": header} if header else {}
    headers.update(extra or {})
    return client._isolated(client.http.post, url, data=raw, headers=headers, content_type="application/json")


def signed(client, payload: dict, *, t: int | None = None, secret=SECRET):
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return post_raw(client, raw, jitsi.sign_webhook(raw, secret, t or int(time.time())))


def event(room: str, kind: str, ts: datetime, *, pid="p1", user_id=None, reason=None, key=None, **data):
    body = {"name": "Nia", "participantId": pid, "participantJid": f"{room}@conference.8x8.vc/{pid}",
            "moderator": "false", **data}
    if user_id is not None:
        body["id"] = str(user_id)
    if reason:
        body["disconnectReason"] = reason
    return {"idempotencyKey": key or str(uuid.uuid4()), "customerId": "c", "appId": APP, "eventType": kind,
            "sessionId": "s", "timestamp": int(ts.timestamp() * 1000), "fqn": f"{APP}/{room}", "data": body}


@pytest.fixture
def meeting(db):
    org = make_org()
    host = make_member(org, role="manager").user
    learner = make_member(org).user
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=30)
    m = make_meeting(org, host, starts_at=start, minutes=90, invitees=[learner])
    return m, learner


def intervals(m):
    from lms.extensions import db

    return list(db.session.scalars(select(AttendanceInterval).where(AttendanceInterval.meeting_id == m.id)
                                   .order_by(AttendanceInterval.joined_at)))


# --- the signature scheme -------------------------------------------------------------------------


def test_documented_vector_verifies():
    now = datetime.fromtimestamp(DOC_T + 2, timezone.utc)
    jitsi.verify_webhook(DOC_BODY, f"t={DOC_T},v1={DOC_SIGNATURE}", DOC_SECRET, now=now, max_age=300)
    assert jitsi.sign_webhook(DOC_BODY, DOC_SECRET, DOC_T) == f"t={DOC_T},v1={DOC_SIGNATURE}"


@pytest.mark.parametrize("header,body,secret,delay,why", [
    (f"t={DOC_T},v1={DOC_SIGNATURE}", DOC_BODY + b" ", DOC_SECRET, 0, "bad signature"),
    (f"t={DOC_T},v1={DOC_SIGNATURE}", DOC_BODY, DOC_SECRET[6:], 0, "bad signature"),  # key without whsec_
    (f"t={DOC_T},v1={DOC_SIGNATURE}", DOC_BODY, DOC_SECRET, 301, "stale"),
    (f"t={DOC_T},v0={DOC_SIGNATURE}", DOC_BODY, DOC_SECRET, 0, "malformed"),  # only v1 counts
    (None, DOC_BODY, DOC_SECRET, 0, "missing"),
    (f"t={DOC_T},v1={DOC_SIGNATURE}", DOC_BODY, None, 0, "no webhook secret"),
])
def test_vector_variants_are_refused(header, body, secret, delay, why):
    now = datetime.fromtimestamp(DOC_T + delay, timezone.utc)
    with pytest.raises(jitsi.WebhookRejected, match=why):
        jitsi.verify_webhook(body, header, secret, now=now, max_age=300)


def test_several_v1_values_any_may_match():
    now = datetime.fromtimestamp(DOC_T, timezone.utc)
    jitsi.verify_webhook(DOC_BODY, f"t={DOC_T},v1=AAAA,v0=zzz,v1={DOC_SIGNATURE}", DOC_SECRET, now=now, max_age=300)


def test_documented_vector_through_the_endpoint_once(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "JITSI_WEBHOOK_SECRET", DOC_SECRET)
    monkeypatch.setitem(app.config, "JITSI_APP_ID", DOC_APP)
    header = f"t={DOC_T},v1={DOC_SIGNATURE}"
    with time_machine.travel(datetime.fromtimestamp(DOC_T + 3, timezone.utc), tick=False):
        first = post_raw(client, DOC_BODY, header)
        replay = post_raw(client, DOC_BODY, header)
        reserialised = post_raw(client, json.dumps(json.loads(DOC_BODY)).encode(), header)
    assert first.status_code == 200 and first.json["status"] == "applied"
    assert replay.status_code == 200 and replay.json["status"] == "duplicate"
    assert reserialised.status_code == 401  # the raw body is what is signed
    from lms.extensions import db

    assert db.session.scalar(select(func.count()).select_from(JitsiEvent).where(
        JitsiEvent.idempotency_key == "9e9e7420-562d-4659-8e22-44b9b22aaa49")) == 1
    # Outside the age bound the same request is refused.
    with time_machine.travel(datetime.fromtimestamp(DOC_T + 3600, timezone.utc), tick=False):
        assert post_raw(client, DOC_BODY, header).status_code == 401


def test_endpoint_refusals(client, jaas, meeting):
    m, _ = meeting
    payload = event(m.room_name, "PARTICIPANT_JOINED", datetime.now(timezone.utc))
    raw = json.dumps(payload).encode()
    good = jitsi.sign_webhook(raw, SECRET, int(time.time()))
    assert post_raw(client, raw.replace(b"Nia", b"Eve"), good).status_code == 401  # tampered
    assert post_raw(client, raw, None).status_code == 401  # missing header
    assert post_raw(client, raw, jitsi.sign_webhook(raw, SECRET, int(time.time()) - 600)).status_code == 401  # stale
    assert post_raw(client, raw, good.replace("v1=", "v2=")).status_code == 401  # non-v1 scheme
    assert post_raw(client, raw, jitsi.sign_webhook(raw, "whsec_other", int(time.time()))).status_code == 401
    assert intervals(m) == []
    assert post_raw(client, raw, good).status_code == 200
    assert len(intervals(m)) == 1


# --- from events to intervals --------------------------------------------------------------------


def test_replayed_idempotency_key_applies_once(client, jaas, meeting):
    m, learner = meeting
    t0 = m.starts_at
    joined = event(m.room_name, "PARTICIPANT_JOINED", t0, user_id=learner.id, key="k-join")
    assert signed(client, joined).json["status"] == "applied"
    assert signed(client, joined).json["status"] == "duplicate"
    left = event(m.room_name, "PARTICIPANT_LEFT", t0 + timedelta(minutes=20), user_id=learner.id,
                 reason="left", key="k-left")
    signed(client, left)
    signed(client, left)
    ivs = intervals(m)
    assert [(i.joined_at, i.left_at, i.evidence, i.user_id) for i in ivs] == [
        (t0, t0 + timedelta(minutes=20), "verified", learner.id)]


def test_out_of_order_delivery(client, jaas, meeting):
    m, learner = meeting
    t0 = m.starts_at
    signed(client, event(m.room_name, "PARTICIPANT_LEFT", t0 + timedelta(minutes=45), user_id=learner.id,
                         reason="left"))
    signed(client, event(m.room_name, "PARTICIPANT_JOINED", t0 + timedelta(minutes=5), user_id=learner.id,
                         moderator=True))
    signed(client, event(m.room_name, "ROOM_CREATED", t0))
    ivs = intervals(m)
    assert [(i.joined_at, i.left_at) for i in ivs] == [(t0 + timedelta(minutes=5), t0 + timedelta(minutes=45))]


def test_switch_room_is_not_a_departure(client, jaas, meeting):
    m, learner = meeting
    t0 = m.starts_at
    signed(client, event(m.room_name, "PARTICIPANT_JOINED", t0, pid="main", user_id=learner.id))
    signed(client, event(m.room_name, "PARTICIPANT_LEFT", t0 + timedelta(minutes=10), pid="main",
                         user_id=learner.id, reason="switch_room"))
    signed(client, event(m.room_name, "PARTICIPANT_JOINED", t0 + timedelta(minutes=10), pid="breakout",
                         user_id=learner.id, isBreakout=True))
    signed(client, event(m.room_name, "PARTICIPANT_LEFT", t0 + timedelta(minutes=40), pid="breakout",
                         user_id=learner.id, reason="left", isBreakout=True))
    ivs = intervals(m)
    assert [(i.joined_at, i.left_at) for i in ivs] == [(t0, t0 + timedelta(minutes=40))]


def test_room_destroyed_closes_open_intervals(client, jaas, meeting):
    m, learner = meeting
    t0 = m.starts_at
    signed(client, event(m.room_name, "PARTICIPANT_JOINED", t0, user_id=learner.id))
    signed(client, event(m.room_name, "PARTICIPANT_JOINED", t0 + timedelta(minutes=2), pid="guest", name="Guest"))
    destroyed = event(m.room_name, "ROOM_DESTROYED", t0 + timedelta(minutes=50))
    destroyed["data"] = {"conference": f"{m.room_name}@conference", "isBreakout": False}
    signed(client, destroyed)
    ivs = intervals(m)
    assert {i.left_at for i in ivs} == {t0 + timedelta(minutes=50)}
    assert {i.user_id for i in ivs} == {learner.id, None}  # a guest is known only by name


def test_moderator_flag_as_bool_or_string(jaas):
    with jaas.app_context():
        for value, expected in ((True, True), ("true", True), ("false", False), (False, False)):
            payload = event("room", "PARTICIPANT_JOINED", datetime.now(timezone.utc), moderator=value)
            assert jitsi.parse_jaas_event(payload).moderator is expected


def test_another_tenant_is_ignored(client, jaas, meeting):
    m, _ = meeting
    payload = event(m.room_name, "PARTICIPANT_JOINED", m.starts_at)
    payload["fqn"] = f"vpaas-magic-cookie-other/{m.room_name}"
    assert signed(client, payload).status_code == 200
    assert intervals(m) == []


def test_settings_provisioning_arms_lobby_and_passcode(client, jaas, db, meeting):
    m, _ = meeting
    m.passcode, m.lobby_enabled = "482913", True
    db.session.flush()
    response = signed(client, {"eventType": "SETTINGS_PROVISIONING", "fqn": f"{APP}/{m.room_name}"})
    assert response.status_code == 200
    assert response.json == {"lobbyEnabled": True, "lobbyType": "WAIT_FOR_MODERATOR", "passcode": "482913"}


# --- Prosody event_sync ----------------------------------------------------------------------------


def test_event_sync_needs_the_shared_header(client, app, monkeypatch, meeting):
    m, learner = meeting
    monkeypatch.setitem(app.config, "JITSI_EVENT_SYNC_SECRET", "s3cret-header-value")
    t0 = m.starts_at.timestamp()
    joined = {"event_name": "muc-occupant-joined", "room_name": m.room_name, "room_jid": f"{m.room_name}@conference",
              "is_breakout": False, "occupant": {"occupant_jid": f"{m.room_name}@conference.meet/abc1",
                                                 "joined_at": t0, "name": "Nia", "id": str(learner.id)}}
    raw = json.dumps(joined).encode()
    url = "/meetings/hooks/prosody/occupant/joined"
    assert post_raw(client, raw, None, url=url).status_code == 401
    assert post_raw(client, raw, None, url=url, extra={"X-Continuum-Event-Secret": "wrong"}).status_code == 401
    ok = {"X-Continuum-Event-Secret": "s3cret-header-value"}
    assert post_raw(client, raw, None, url=url, extra=ok).json["status"] == "applied"
    assert post_raw(client, raw, None, url=url, extra=ok).json["status"] == "duplicate"
    left = {**joined, "event_name": "muc-occupant-left",
            "occupant": {**joined["occupant"], "left_at": t0 + 1800}}
    post_raw(client, json.dumps(left).encode(), None, url="/meetings/hooks/prosody/occupant/left", extra=ok)
    ivs = intervals(m)
    assert [(i.user_id, i.evidence, i.source, (i.left_at - i.joined_at).total_seconds()) for i in ivs] == [
        (learner.id, "verified", "event_sync", 1800)]
