"""Compliance is read fresh: every change that moves an organisation's training picture shows in the
very next matrix, however it was written (service, plain ORM, rolled back)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from courses import workflow
from lms.orgs import services as orgs
from lms.orgs.models import Membership
from lms.training import compliance
from lms.training import services as training
from lms.training.models import TrainingRecord
from lms.types import utcnow
from meetings import services as meetings
from tests.factories import (
    complete_course,
    make_assignment,
    make_course,
    make_meeting,
    make_member,
    make_org,
    make_team,
    make_user,
)


@pytest.fixture
def practice(db):
    org = make_org(name="Harbour Practice")
    manager = make_member(org, make_user(email="lead@example.org"), role="manager").user
    nurse = make_member(org, make_user(email="nurse@example.org"), job_title="Nurse")
    course = make_course(make_org(kind="provider"), title="HIPAA privacy")
    make_assignment(org, manager, course=course, due_on=utcnow().date() + timedelta(days=90))
    db.session.flush()
    return org, manager, nurse, course


def status_of(org, user_id, key):
    m = compliance.matrix(org, utcnow().date())
    person = next(p for p in m.people if p.user_id == user_id)
    cell = m.cells.get((person.membership_id, key))
    return cell.state.status if cell else None


def test_completing_the_course_shows_at_once(db, practice):
    org, _, nurse, course = practice
    key = f"course:{course.id}"
    assert status_of(org, nurse.user_id, key) == "not_started"
    complete_course(nurse.user, course)
    assert status_of(org, nurse.user_id, key) == "complete"


def test_my_training_follows_a_completion(db, practice):
    org, _, nurse, course = practice
    today = utcnow().date()
    assert [c.state.status for _, c in compliance.my_training(nurse.user, today)] == ["not_started"]
    complete_course(nurse.user, course)
    assert [c.state.status for _, c in compliance.my_training(nurse.user, today)] == ["complete"]


def test_a_completion_in_another_organisation_leaves_this_matrix_alone(db, practice):
    org, _, nurse, course = practice
    other = make_org(name="Elsewhere")
    stranger = make_member(other).user
    complete_course(stranger, course)
    assert stranger.id not in {p.user_id for p in compliance.matrix(org, utcnow().date()).people}
    assert status_of(org, nurse.user_id, f"course:{course.id}") == "not_started"


def test_joiners_leavers_and_job_titles(db, practice):
    org, manager, nurse, course = practice
    key = f"course:{course.id}"
    compliance.matrix(org, utcnow().date())
    newcomer = make_member(org, make_user(email="new@example.org"))
    assert status_of(org, newcomer.user_id, key) == "not_started"
    orgs.set_active(manager, newcomer, False, now=utcnow())
    db.session.flush()
    assert newcomer.user_id not in {p.user_id for p in compliance.matrix(org, utcnow().date()).people}

    job = make_assignment(org, manager, course=make_course(make_org(kind="provider"), title="Sharps safety"),
                          target="job_title", job_title="Phlebotomist")
    job_key = f"course:{job.course_id}"
    assert status_of(org, nurse.user_id, job_key) is None
    nurse.job_title = "Phlebotomist"
    db.session.flush()
    assert status_of(org, nurse.user_id, job_key) == "not_started"


def test_team_membership_and_assignment_removal(db, practice):
    org, manager, nurse, _ = practice
    team = make_team(org, name="Front desk")
    a = make_assignment(org, manager, course=make_course(make_org(kind="provider"), title="Fire safety"),
                        target="team", target_id=team.id)
    key = f"course:{a.course_id}"
    assert status_of(org, nurse.user_id, key) is None
    orgs.add_to_team(team, nurse)
    db.session.flush()
    assert status_of(org, nurse.user_id, key) == "not_started"
    training.remove_assignment(manager, a, now=utcnow())
    db.session.flush()
    assert key not in {i.key for i in compliance.matrix(org, utcnow().date()).all_items}


def test_recorded_completion_and_minutes_acknowledgement(db, practice):
    org, manager, nurse, course = practice
    key = f"course:{course.id}"
    compliance.matrix(org, utcnow().date())
    db.session.add(TrainingRecord(org_id=org.id, user_id=nurse.user_id, item_kind="course", course_id=course.id,
                                  completed_on=utcnow().date(), recorded_by_id=manager.id))
    db.session.flush()
    assert status_of(org, nurse.user_id, key) == "complete"

    meeting = make_meeting(org, manager, title="Quarterly staff meeting")
    minutes = make_assignment(org, manager, meeting=meeting)
    minutes_key = f"minutes:{minutes.meeting_id}"
    meeting.minutes = "We agreed the rota."
    db.session.flush()
    assert status_of(org, nurse.user_id, minutes_key) == "not_started"
    meetings.acknowledge_minutes(nurse.user, meeting, now=utcnow())
    db.session.flush()
    assert status_of(org, nurse.user_id, minutes_key) == "complete"


def test_names_and_titles(db, practice):
    org, manager, nurse, course = practice
    m = compliance.matrix(org, utcnow().date())
    assert "HIPAA privacy" in [i.title for i in m.items]
    nurse.user.first_name, nurse.user.last_name = "Ada", "Renamed"
    db.session.flush()
    assert "Ada Renamed" in [p.name for p in compliance.matrix(org, utcnow().date()).people]

    author = db.session.scalar(select(Membership).where(Membership.org_id == course.org_id,
                                                        Membership.role == "educator")).user
    draft = workflow.new_version(author, course, now=utcnow())
    draft.title = "HIPAA privacy (2027 edition)"
    db.session.flush()
    assert "HIPAA privacy" in [i.title for i in compliance.matrix(org, utcnow().date()).items]  # drafts don't show
    workflow.submit_for_review(author, course, now=utcnow())
    workflow.publish(author, course, now=utcnow())
    db.session.flush()
    assert "HIPAA privacy (2027 edition)" in [i.title for i in compliance.matrix(org, utcnow().date()).items]


def test_a_rolled_back_change_leaves_no_trace(db, practice):
    org, _, nurse, course = practice
    key = f"course:{course.id}"
    assert status_of(org, nurse.user_id, key) == "not_started"
    savepoint = db.session.begin_nested()
    complete_course(nurse.user, course)
    assert status_of(org, nurse.user_id, key) == "complete"
    savepoint.rollback()
    assert status_of(org, nurse.user_id, key) == "not_started"
    complete_course(nurse.user, course)
    assert status_of(org, nurse.user_id, key) == "complete"


def test_a_time_zone_change_moves_the_day_the_matrix_counts_from(db, practice):
    org, *_ = practice
    org.timezone = "Pacific/Auckland"
    db.session.flush()
    assert compliance.local_today(org.timezone, utcnow()) == utcnow().astimezone(ZoneInfo("Pacific/Auckland")).date()
