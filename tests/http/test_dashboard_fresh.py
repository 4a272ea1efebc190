"""The learner dashboard is read fresh on every request: every change a learner makes to what it
shows is on the next page, and another learner's progress never touches it."""

from __future__ import annotations

import re
from decimal import Decimal

from courses import services
from lms.credits.models import Requirement
from lms.types import utcnow
from lms.users.models import Licence
from tests.factories import make_course, make_user


def test_dashboard_follows_enrolment_progress_requirements_and_profile(db, client):
    learner = make_user(first_name="Lee", credentials="", profession="physician_md")
    course = make_course(title="Opioid prescribing", lessons=3, quiz=False)
    db.session.commit()
    client.login(learner)

    page = client.get("/dashboard").text
    assert "Nothing in progress yet" in page and "your credentials" in page and "a licence" in page
    strip = re.compile(r'name="csrf_token"[^>]*>')  # signed with the time: the one part that may differ
    assert strip.sub("", client.get("/dashboard").text) == strip.sub("", page)  # nothing changed, nothing moves

    enrolment = services.enrol(learner, course, now=utcnow())
    db.session.commit()
    page = client.get("/dashboard").text
    assert "Opioid prescribing" in page and "0 of 3 lessons" in page

    services.view_lesson(enrolment, course.current_version.lessons[0], now=utcnow())
    db.session.commit()
    assert "1 of 3 lessons" in client.get("/dashboard").text

    db.session.add(Requirement(learner_id=learner.id, name="Ohio medical licence", total_required=Decimal("50")))
    db.session.commit()
    page = client.get("/dashboard").text
    assert "Ohio medical licence" in page and "a licence" in page  # a requirement is not a licence

    learner.credentials = "MD"
    db.session.add(Licence(user_id=learner.id, state="OH", number="35.123456"))
    db.session.commit()
    page = client.get("/dashboard").text
    assert "your credentials" not in page and "a licence" not in page


def test_someone_elses_progress_leaves_my_dashboard_alone(db, client):
    me, other = make_user(), make_user()
    course = make_course(title="Hand hygiene", lessons=2, quiz=False)
    services.enrol(me, course, now=utcnow())
    db.session.commit()
    client.login(me)
    page = client.get("/dashboard").text
    assert "0 of 2 lessons" in page
    theirs = services.enrol(other, course, now=utcnow())
    services.view_lesson(theirs, course.current_version.lessons[0], now=utcnow())
    db.session.commit()
    assert "0 of 2 lessons" in client.get("/dashboard").text


def test_someone_who_is_not_a_health_professional_is_not_asked_for_a_licence(db, client):
    client.login(make_user(credentials="Practice manager", profession="other"))
    page = client.get("/dashboard").text
    assert "a licence" not in page and "add your" not in page.lower()
