""""My required training" is read in one statement that matches targets in SQL: it must agree, item
for item, with the compliance matrix each of the learner's organisations shows their manager."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.extensions import db as _db
from lms.orgs.models import Membership, Organisation
from lms.training import compliance
from lms.training.models import TrainingRecord
from lms.types import utcnow
from meetings.models import MinutesAcknowledgement
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


def _matrix_view(user, today):
    """What the managers' matrices say of ``user``: (org, item, status, due, assignment) per cell."""
    found = set()
    for org in _db.session.scalars(select(Organisation).join(Membership, Membership.org_id == Organisation.id)
                                   .where(Membership.user_id == user.id, Membership.deactivated_at.is_(None))):
        m = compliance.matrix(org, today)
        for p in m.people:
            if p.user_id == user.id:
                found |= {(org.id, key, c.state.status, c.state.due_on, c.assignment.id)
                          for (m_id, key), c in m.cells.items() if m_id == p.membership_id}
    return found


def _mine(user, today):
    return {(p.org_id, c.item.key, c.state.status, c.state.due_on, c.assignment.id)
            for p, c in compliance.my_training(user, today)}


def test_my_training_agrees_with_every_matrix_the_learner_is_in(db):
    now, today = utcnow(), utcnow().date()
    provider = make_org(kind="provider")
    hipaa, fire, sepsis, lifting, elsewhere = (make_course(provider, title=t) for t in (
        "HIPAA privacy", "Fire safety", "Sepsis", "Manual handling", "Not assigned here"))
    clinic, hospital, old_job = make_org(name="Clinic"), make_org(name="Hospital"), make_org(name="Old job")
    boss, other_boss = make_member(clinic, role="manager").user, make_member(hospital, role="manager").user
    nurse = make_user(first_name="Nia", last_name="Nurse")
    at_clinic = make_member(clinic, nurse, job_title="Straße Nurse")  # casefolds to "strasse nurse"
    at_hospital = make_member(hospital, nurse, job_title="Ward nurse")
    make_member(old_job, nurse, job_title="Nurse", deactivated_at=now)  # a leaver: nothing required there
    colleague = make_member(clinic).user
    theirs, ours = make_team(clinic, name="Reception"), make_team(clinic, name="Nursing", members=[at_clinic])
    make_team(hospital, name="Night shift", members=[at_hospital])
    staff_meeting = make_meeting(clinic, boss, title="Practice meeting")
    due = today + timedelta(days=20)

    expected_ids = {
        make_assignment(clinic, boss, course=hipaa, due_on=due, recurrence_months=12).id,  # everyone
        make_assignment(clinic, boss, course=fire, target="team", target_id=ours.id, due_on=due).id,
        make_assignment(clinic, boss, course=sepsis, target="job_title", job_title="STRASSE NURSE", due_on=due).id,
        make_assignment(clinic, boss, meeting=staff_meeting, due_on=due).id,
        make_assignment(hospital, other_boss, course=hipaa, target="person", target_id=nurse.id, due_on=due).id,
    }
    # Not hers: another team, another person, another job title, a removed one, a leaver's organisation.
    make_assignment(clinic, boss, course=lifting, target="team", target_id=theirs.id, due_on=due)
    make_assignment(clinic, boss, course=lifting, target="person", target_id=colleague.id, due_on=due)
    make_assignment(hospital, other_boss, course=lifting, target="job_title", job_title="Porter", due_on=due)
    removed = make_assignment(hospital, other_boss, course=fire, due_on=due)
    removed.removed_at = now
    make_assignment(old_job, make_member(old_job, role="manager").user, course=elsewhere, due_on=due)

    # Her completions: a course, minutes read, a recorded completion, a voided one, one not assigned.
    complete_course(nurse, hipaa, at=now - timedelta(days=400))  # lapsed under the annual rule
    complete_course(nurse, elsewhere, at=now - timedelta(days=3))
    db.session.add(MinutesAcknowledgement(meeting_id=staff_meeting.id, user_id=nurse.id, acknowledged_at=now))
    db.session.add(TrainingRecord(org_id=clinic.id, user_id=nurse.id, item_kind="course", course_id=fire.id,
                                  completed_on=today - timedelta(days=2), note="Drill", recorded_by_id=boss.id))
    db.session.add(TrainingRecord(org_id=clinic.id, user_id=nurse.id, item_kind="course", course_id=sepsis.id,
                                  completed_on=today, note="Wrong person", recorded_by_id=boss.id, voided_at=now))
    # Someone else's completion of the same course is not hers.
    complete_course(colleague, fire, at=now)
    db.session.flush()
    db.session.expire_all()

    mine = _mine(nurse, today)
    assert {row[4] for row in mine} == expected_ids
    assert mine == _matrix_view(nurse, today)
    statuses = {(org_id, key): status for org_id, key, status, _, _ in mine}
    assert statuses[(clinic.id, f"course:{fire.id}")] == "complete"  # the recorded completion
    assert statuses[(clinic.id, f"minutes:{staff_meeting.id}")] == "complete"
    assert statuses[(clinic.id, f"course:{sepsis.id}")] != "complete"  # the voided record does not count


def test_nothing_required_is_an_empty_list(db):
    org = make_org()
    learner = make_member(org).user
    assert compliance.my_training(learner, utcnow().date()) == []
    assert compliance.my_training(make_user(), utcnow().date()) == []
