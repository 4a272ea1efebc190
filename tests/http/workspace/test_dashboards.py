"""What each role sees on the dashboard, the Manage menu, the credit to-do list and the claim buttons."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.types import utcnow
from tests.factories import (complete_course, make_assignment, make_course, make_meeting, make_member, make_org,
                             make_team, make_user)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def world(db):
    provider = make_org(name="Northbridge CME", kind="provider", is_accredited_provider=True)
    practice = make_org(name="Riverside Practice")
    educator = make_member(provider, make_user(first_name="Elena"), role="educator").user
    manager = make_member(practice, make_user(first_name="Marcus"), role="manager").user
    nurse = make_member(practice, make_user(first_name="Nia", last_name="Nurse", profession="nurse"))
    make_team(practice, name="Clinical staff", members=[nurse])
    course = make_course(provider, author=educator, title="HIPAA privacy essentials")
    make_assignment(practice, manager, course=course, due_on=utcnow().date() - timedelta(days=3))
    meeting = make_meeting(practice, manager, title="Monthly staff huddle")
    from meetings import services as meeting_services

    meeting_services.add_action_item(manager, meeting, text="Replace the sharps bin", owner_id=manager.id,
                                     due_on=utcnow().date() + timedelta(days=2), now=utcnow())
    return dict(provider=provider, practice=practice, educator=educator, manager=manager, nurse=nurse.user,
                course=course, meeting=meeting)


def test_the_manager_sees_compliance_overdue_staff_meetings_and_action_items(world, client):
    client.login(world["manager"])
    page = text_of(client.get("/dashboard"))
    assert "Your practice" in page and "Riverside Practice: mandatory training" in page
    assert "0% compliant overall" in page or "0 % compliant overall" in page.replace("%", " %")
    assert "Nia Nurse" in page  # overdue
    assert "Compliance by training" in page and "HIPAA privacy essentials: 0% compliant" in page
    assert "Compliance by team" in page and "Clinical staff: 0% compliant" in page
    assert "Monthly staff huddle" in page and "Replace the sharps bin" in page
    assert "Your activities" not in page  # a manager who teaches nothing has no empty teaching part


def test_the_educator_sees_activities_pending_claims_and_evaluations(world, client, db):
    learner = make_user(profession="physician_md")
    complete_course(learner, world["course"])
    client.login(world["educator"])
    html = client.get("/dashboard").get_data(as_text=True)
    page = text_of(client.get("/dashboard"))
    assert "Your activities" in page and "HIPAA privacy essentials" in page
    assert "Pending claims" in page
    assert f'/workspace/hub/course/{world["course"].id}?tab=credit">1<' in html  # one completed, unclaimed
    assert "Your practice" not in page


def test_a_plain_learner_sees_no_role_parts_and_no_manage_menu(world, client):
    client.login(world["nurse"])
    page = text_of(client.get("/dashboard"))
    for heading in ("Your practice", "Your activities", "Site administration", "Manage"):
        assert heading not in page


def test_the_admin_sees_the_site_part(world, client):
    client.login(make_user(admin=True))
    page = text_of(client.get("/dashboard"))
    assert "Site administration" in page and "accounts" in page


def test_a_person_with_several_roles_sees_each_part(world, client):
    both = world["manager"]
    make_member(world["provider"], both, role="educator")
    client.login(both)
    page = text_of(client.get("/dashboard"))
    assert "Your practice" in page and "Your activities" in page


def test_the_manage_menu_lists_what_each_role_manages(world, client):
    client.login(world["manager"])
    html = client.get("/dashboard").get_data(as_text=True)
    menu = html[html.index("manage-menu"):html.index("</ul>", html.index("manage-menu"))]
    org = world["practice"].id
    for path in (f"/training/orgs/{org}/compliance", f"/training/orgs/{org}/assignments", f"/orgs/{org}/members",
                 f"/orgs/{org}/teams", f"/training/orgs/{org}/roster", f"/workspace/orgs/{org}/activities",
                 f"/courses/manage/{org}", f"/certificates/templates/org/{org}", f"/meetings/orgs/{org}/new"):
        assert f'href="{path}"' in menu, path
    client.login(world["educator"])
    html = client.get("/dashboard").get_data(as_text=True)
    menu = html[html.index("manage-menu"):html.index("</ul>", html.index("manage-menu"))]
    assert f'/workspace/orgs/{world["provider"].id}/activities' in menu
    assert "/compliance" not in menu and "/roster" not in menu  # an educator manages no staff


def test_completed_unclaimed_credit_is_a_to_do_with_its_deadline_until_claimed(world, client, db):
    learner = make_user(profession="physician_md")
    enrolment = complete_course(learner, world["course"])
    client.login(learner)
    show = client.get(f'/courses/{world["course"].id}').get_data(as_text=True)
    assert ">Complete the evaluation to claim credit<" in show  # the claim needs the evaluation first
    enrolment.evaluation_submitted_at = utcnow()
    db.session.flush()
    page = text_of(client.get("/dashboard"))
    assert "Credit to claim" in page and "HIPAA privacy essentials" in page
    deadline = world["course"].current_version.expires_on.strftime("%d %b %Y")
    assert f"claim by {deadline}" in page and "up to 1.5 credits" in page
    claim = f'/credits/claim/course/{world["course"].id}'
    assert claim in client.get("/dashboard").get_data(as_text=True)
    # The course page has the big button too.
    show = client.get(f'/courses/{world["course"].id}').get_data(as_text=True)
    assert re.search(r'class="btn btn-success[^"]*" href="' + re.escape(claim) + '">Claim credit<', show)

    from decimal import Decimal

    from lms.credits import services as credits

    credits.claim_credit(learner, "course", world["course"].id, "ama_pra_1", Decimal("1.5"), now=utcnow(),
                         attested=True)
    db.session.flush()
    assert "Credit to claim" not in text_of(client.get("/dashboard"))
    show = client.get(f'/courses/{world["course"].id}').get_data(as_text=True)
    assert ">Claim credit<" not in show and "View your credit" in show


def test_credit_of_an_expired_course_is_no_to_do(world, client, db):
    learner = make_user(profession="physician_md")
    complete_course(learner, world["course"])
    client.login(learner)
    assert "Credit to claim" in text_of(client.get("/dashboard"))
    world["course"].current_version.expires_on = utcnow().date() - timedelta(days=1)
    db.session.flush()
    assert "Credit to claim" not in text_of(client.get("/dashboard"))


def test_the_dashboard_costs_a_bounded_number_of_queries(world, client, app):
    from tests.conftest import count_queries

    client.login(world["manager"])
    client.get("/dashboard")
    from lms.extensions import db as _db

    with count_queries(_db.engine) as counted:
        assert client.get("/dashboard").status_code == 200
    assert len(counted) <= 40, counted


def test_an_attended_live_activity_with_unclaimed_credit_is_a_to_do_with_a_claim_button(world, client, db):
    from decimal import Decimal

    from lms.credits import services as credits
    from meetings.models import AttendanceInterval

    learner = make_member(world["provider"], make_user(first_name="Priya", profession="physician_md")).user
    absent = make_member(world["provider"], make_user(first_name="Abe", profession="physician_md")).user
    start = (utcnow() - timedelta(days=2)).replace(microsecond=0)
    meeting = make_meeting(world["provider"], world["educator"], title="Grand rounds: sepsis update",
                           category="education", starts_at=start, minutes=60, invitees=[learner, absent],
                           designations={"ama_pra_1": "1"})
    db.session.add(AttendanceInterval(meeting_id=meeting.id, user_id=learner.id, joined_at=start,
                                      left_at=start + timedelta(minutes=60), evidence="host_confirmed",
                                      source="host"))
    # Too short to earn credit: no to-do for five minutes.
    db.session.add(AttendanceInterval(meeting_id=meeting.id, user_id=absent.id, joined_at=start,
                                      left_at=start + timedelta(minutes=5), evidence="host_confirmed", source="host"))
    db.session.flush()
    client.login(learner)
    html = client.get("/dashboard").get_data(as_text=True)
    page = text_of(client.get("/dashboard"))
    assert "Credit to claim" in page and "Grand rounds: sepsis update" in page and "Live activity" in page
    assert "attended 60 min" in page and "up to 1 credit" in page
    assert re.search(r'class="btn btn-success" href="/credits/claim/meeting/' + str(meeting.id) + '">Claim credit<', html)
    assert "Grand rounds" not in text_of(make_client_for(client, absent).get("/dashboard"))

    from meetings.models import MeetingEvaluation

    db.session.add(MeetingEvaluation(meeting_id=meeting.id, user_id=learner.id, change_practice=4, met_objectives=5,
                                     free_of_bias=5, submitted_at=utcnow()))
    credits.claim_credit(learner, "meeting", meeting.id, "ama_pra_1", Decimal("1"), now=utcnow(), attested=True)
    db.session.flush()
    assert "Grand rounds" not in text_of(client.get("/dashboard"))


def make_client_for(client, user):
    from tests.conftest import Client

    return Client(client.app).login(user)
