"""The compliance page is a shared fragment (``lms.caching``): rendered once per organisation, day,
filters and page, under the organisation's ``training`` generation. Each service that changes what
it counts bumps that generation, so every manager sees the change on the next request; a learner's
lesson progress and video heartbeats never do."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from courses import services as learning
from courses import workflow
from lms import caching
from lms.orgs import services as orgs
from lms.training import services as training
from lms.types import utcnow
from lms.users import services as users
from meetings import services as meetings
from tests.conftest import count_queries
from tests.factories import make_assignment, make_course, make_meeting, make_member, make_org, make_user


@pytest.fixture
def practice(db, client):
    org = make_org(name="Harbour Practice")
    manager = make_member(org, make_user(email="lead@example.org"), role="manager").user
    nurse = make_member(org, make_user(email="nurse@example.org", first_name="Nia", last_name="Nurse"))
    course = make_course(make_org(kind="provider"), title="HIPAA privacy", lessons=1, quiz=False)
    make_assignment(org, manager, course=course, due_on=utcnow().date() + timedelta(days=90))
    db.session.commit()
    client.login(manager)
    return org, manager, nurse, course


def page(client, org) -> str:
    response = client.get(f"/training/orgs/{org.id}/compliance")
    assert response.status_code == 200
    return response.text


def test_a_second_look_is_the_kept_rendering(db, client, practice):
    org, *_ = practice
    first = page(client, org)
    with count_queries(db.engine) as statements:
        again = page(client, org)
    strip = re.compile(r'name="csrf_token"[^>]*>')  # signed with the time: the one part that may differ
    assert strip.sub("", again) == strip.sub("", first)
    # The login's user and seats, the organisation, and the generations (one query): no matrix query.
    assert not [s for s in statements if "FROM assignment" in s or "course_completion" in s], statements


def test_a_completion_through_the_player_shows_at_once_but_progress_does_not_move_the_key(db, client, practice):
    org, _, nurse, course = practice
    not_started = page(client, org).count("Not started")
    before = caching.generation("training", org.id)
    enrolment = learning.enrol(nurse.user, course, now=utcnow())
    learning.view_lesson(enrolment, course.current_version.lessons[0], now=utcnow())
    db.session.commit()
    assert caching.generation("training", org.id) == before  # progress and heartbeats leave the key alone
    answers = {i.id: (5, "") if i.kind == "likert" else (None, "Useful.") for i in enrolment.version.evaluation_items}
    learning.submit_evaluation(enrolment, answers, now=utcnow())
    db.session.commit()
    assert enrolment.completed_at is not None
    assert caching.generation("training", org.id) != before
    assert page(client, org).count("Not started") < not_started


def test_assignments_joiners_leavers_and_recorded_completions_show_at_once(db, client, practice):
    org, manager, nurse, course = practice
    assert "Fire safety" not in page(client, org)
    fire = make_course(make_org(kind="provider"), title="Fire safety", lessons=1, quiz=False)
    training.assign(manager, org, training.AssignmentData(item_kind="course", item_id=fire.id, target_kind="org",
                                                           due_on=utcnow().date() + timedelta(days=30)),
                    now=utcnow())
    db.session.commit()
    assert "Fire safety" in page(client, org)

    newcomer = orgs.add_member(manager, org, make_user(email="new@example.org", first_name="Neil", last_name="Newman"),
                               role="member", now=utcnow())
    db.session.commit()
    assert "Newman" in page(client, org)
    orgs.set_active(manager, newcomer, False, now=utcnow())
    db.session.commit()
    assert "Newman" not in page(client, org)

    before = page(client, org).count("Not started")
    training.record_completion(manager, org, nurse.user, item_kind="course", item_id=course.id,
                               completed_on=utcnow().date(), note="", now=utcnow())
    db.session.commit()
    assert page(client, org).count("Not started") < before


def test_names_titles_and_minutes_sign_offs_show_at_once(db, client, practice):
    org, manager, nurse, course = practice
    assert "Nia Nurse" in page(client, org) or "Nurse, Nia" in page(client, org)
    users.update_profile(nurse.user, users.ProfileData(
        first_name="Ada", last_name="Renamed", credentials="RN", profession="nurse", npi=None, nabp_eprofile_id=None,
        birth_month=None, birth_day=None, timezone="UTC", consent_to_report=False), now=utcnow())
    db.session.commit()
    assert "Renamed" in page(client, org)

    from lms.users.models import User

    author = db.session.get(User, course.created_by_id)
    workflow.new_version(author, course, now=utcnow()).title = "HIPAA privacy (2027 edition)"
    db.session.flush()
    workflow.submit_for_review(author, course, now=utcnow())
    workflow.publish(author, course, now=utcnow())
    db.session.commit()
    assert "2027 edition" in page(client, org)

    meeting = make_meeting(org, manager, title="Quarterly staff meeting")
    make_assignment(org, manager, meeting=meeting)
    meetings.save_minutes(manager, meeting, "We agreed the rota.", now=utcnow())
    db.session.commit()
    before = page(client, org)
    assert "Quarterly staff meeting" in before
    meetings.acknowledge_minutes(nurse.user, meeting, now=utcnow())
    db.session.commit()
    assert page(client, org) != before



def test_the_charts_by_training_and_by_team_show_above_the_matrix_first_time_and_kept(db, client, practice):
    """The charts are part of the kept page (they showed on no request while only the grid was kept)."""
    org, manager, nurse, _ = practice
    orgs.add_to_team(orgs.create_team(manager, org, "Front desk", now=utcnow()), nurse)
    db.session.commit()
    for html in (page(client, org), page(client, org)):  # built, then kept
        charts = html.index("Compliance by training")
        assert "Compliance by team" in html and "Front desk" in html[charts:]
        assert charts < html.index('aria-label="Filter the matrix"')
