"""Each feature's event reaches the organisation's subscribed endpoint, signed, after the commit."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest

from lms import unit_of_work
from lms.types import utcnow
from lms.webhooks import services
from lms.webhooks.models import EVENTS
from tests.api.conftest import api, personal_token  # noqa: F401  (the fixture)
from tests.factories import complete_course, make_assignment, make_course, make_meeting, make_member, make_org, make_user


@pytest.fixture
def provider(db):
    return make_org(kind="provider", is_accredited_provider=True)


def listen(receiver, org, events=tuple(EVENTS)):
    receiver.start()
    manager = make_member(org, role="manager").user
    endpoint = services.create_endpoint(manager, org, url=receiver.url, events=list(events), now=utcnow())
    unit_of_work.commit()
    return endpoint


def events_of(receiver, endpoint, at=None):
    out = []
    for r in receiver.requests:
        assert services.verify(endpoint.secret, r["headers"]["Continuum-Signature"], r["body"],
                               now=at or time.time())
        out.append(json.loads(r["body"]))
    return out


def test_credit_claimed_through_the_api(db, api, webhook_config, receiver, provider):
    endpoint = listen(receiver, provider, events=["credit.claimed"])
    learner = make_user(profession="physician_md")
    course = make_course(provider)
    complete_course(learner, course).evaluation_submitted_at = utcnow()
    unit_of_work.commit()
    r = api(personal_token(learner)).post("/api/v1/me/credit-claims", {
        "activity_kind": "course", "activity_id": course.id, "credit_type": "ama_pra_1", "amount": "1.5",
        "attest": True})
    assert r.status_code == 201
    [event] = events_of(receiver, endpoint)
    assert event["type"] == "credit.claimed" and event["data"]["amount"] == "1.50"
    assert event["data"]["learner_id"] == learner.id and event["org_id"] == provider.id


def test_corrections_and_revocations(db, webhook_config, receiver, provider):
    from lms.credits import services as credits
    from tests.credits.conftest import Activities  # noqa: F401  (stand-in activities need their fixture)

    endpoint = listen(receiver, provider, events=["credit.corrected"])
    learner = make_user(profession="physician_md")
    course = make_course(provider)
    complete_course(learner, course).evaluation_submitted_at = utcnow()
    claim = credits.claim_credit(learner, "course", course.id, "ama_pra_1", Decimal("1.5"), attested=True,
                                 now=utcnow())
    educator = make_member(provider, role="educator").user
    credits.correct_claim(educator, claim, Decimal("1"), reason="Partial attendance", now=utcnow())
    credits.revoke_claim(educator, claim, reason="Duplicate", now=utcnow())
    unit_of_work.commit()
    kinds = [(e["type"], e["data"]["kind"], e["data"]["amount"]) for e in events_of(receiver, endpoint)]
    assert kinds == [("credit.corrected", "correction", "-0.50"), ("credit.corrected", "revocation", "-1.00")]


def test_certificate_revoked(db, webhook_config, receiver, provider):
    from lms.certificates import services as certificates
    from lms.certificates.models import Certificate

    endpoint = listen(receiver, provider, events=["certificate.revoked", "certificate.issued"])
    learner = make_user()
    c = Certificate(learner_id=learner.id, kind="credit", activity_kind="course", activity_id=1,
                    provider_org_id=provider.id, template_ref="builtin:credit/1", snapshot={}, sha256="0" * 64,
                    size=1, code_hash="2" * 64, code="X")
    db.session.add(c)
    db.session.flush()
    certificates.revoke(c, reason="Issued in error", actor=None, now=utcnow())
    unit_of_work.commit()
    [event] = events_of(receiver, endpoint)
    assert event["type"] == "certificate.revoked" and event["data"]["certificate_id"] == c.id


def test_course_completed_goes_to_provider_and_the_learners_practice(db, webhook_config, receiver, provider):
    from courses import services as learning

    practice = make_org()
    endpoint = listen(receiver, practice, events=["course.completed"])
    learner = make_member(practice).user
    course = make_course(provider, quiz=False)
    enrolment = learning.enrol(learner, course, now=utcnow())
    db.session.flush()
    for lesson in course.current_version.lessons:
        learning.view_lesson(enrolment, lesson, now=utcnow())
    enrolment.evaluation_submitted_at = utcnow()
    assert learning.refresh_completion(enrolment, now=utcnow())
    assert learning.refresh_completion(enrolment, now=utcnow())  # already complete: no second event
    unit_of_work.commit()
    [event] = events_of(receiver, endpoint)
    assert event["type"] == "course.completed" and event["data"]["user_id"] == learner.id
    assert event["data"]["activity_id"] == course.id


def test_meeting_attendance_finalised(db, webhook_config, receiver):
    from meetings import tracking as meetings

    org = make_org()
    endpoint = listen(receiver, org, events=["meeting.attendance_finalised"])
    host = make_member(org, role="manager").user
    meeting = make_meeting(org, host, starts_at=utcnow() - timedelta(minutes=30))
    meetings.end_meeting(host, meeting, now=utcnow())
    unit_of_work.commit()
    [event] = events_of(receiver, endpoint)
    assert event["data"]["meeting_id"] == meeting.id


def test_assignment_overdue_once(db, webhook_config, receiver):
    from lms.training.reminders import send_training_reminders

    org = make_org()
    endpoint = listen(receiver, org, events=["assignment.overdue"])
    import time_machine

    now = utcnow().replace(hour=6, minute=0, second=0, microsecond=0)
    manager = make_member(org, role="manager", created_at=now - timedelta(days=300)).user
    staff = make_member(org, created_at=now - timedelta(days=300)).user
    course = make_course()
    assignment = make_assignment(org, manager, course=course, target="person", target_id=staff.id,
                                 due_on=(now - timedelta(days=1)).date(), now=now - timedelta(days=30))
    unit_of_work.commit()
    for day in (now, now + timedelta(days=7)):  # the first day overdue and the weekly reminder after it
        with time_machine.travel(day, tick=False):
            send_training_reminders(day)
    unit_of_work.commit()
    events = events_of(receiver, endpoint, at=now.timestamp())
    assert [(e["type"], e["data"]["assignment_id"], e["data"]["user_id"]) for e in events] == [
        ("assignment.overdue", assignment.id, staff.id)]


def test_manual_redelivery_from_the_log_page(db, client, webhook_config, receiver):
    org = make_org()
    endpoint = listen(receiver, org, events=["credit.claimed"])
    [delivery] = services.emit({org.id}, "credit.claimed", {"x": 1}, now=utcnow())
    unit_of_work.commit()
    manager = make_member(org, role="manager").user
    client.login(manager)
    page = client.get(f"/orgs/{org.id}/webhooks/{endpoint.id}")
    assert page.status_code == 200 and delivery.event_id in page.get_data(as_text=True)
    assert client.post(f"/orgs/{org.id}/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver").status_code == 302
    assert [r["headers"]["Continuum-Delivery"] for r in receiver.requests] == [delivery.event_id] * 2
    other = make_org()
    outsider = make_member(other, role="manager").user
    client.login(outsider)
    assert client.post(f"/orgs/{org.id}/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver").status_code == 404


def test_subscribing_from_the_settings_page(db, client, app):
    org = make_org()
    client.login(make_member(org, role="manager").user)
    refused = client.post(f"/orgs/{org.id}/webhooks", {"url": "http://169.254.169.254/", "events": ["credit.claimed"]})
    assert refused.status_code == 422 and "not allowed" in refused.get_data(as_text=True) or "Only https" in \
        refused.get_data(as_text=True)
    no_events = client.post(f"/orgs/{org.id}/webhooks", {"url": "https://93.184.215.14/hook"})
    assert no_events.status_code == 422
