"""Practice management through HTTP: scoping (404 outside the organisation), assigning, the matrix,
exports, the roster upload and the learner's own list."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.orgs.models import Membership, Team
from lms.training.models import Assignment, RosterImport
from lms.types import utcnow
from lms.users.models import User
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
    org = make_org(name="Riverside")
    manager = make_member(org, role="manager").user
    nurse = make_member(org, make_user(first_name="Nia", last_name="Nurse"), job_title="Nurse")
    clerk = make_member(org, make_user(first_name="Cal", last_name="Clerk"), job_title="Receptionist")
    team = make_team(org, name="Clinical", members=[nurse])
    course = make_course(make_org(kind="provider"), title="HIPAA privacy and security")
    return {"org": org, "manager": manager, "nurse": nurse, "clerk": clerk, "team": team, "course": course}


def assign_form(item, target_kind="team", **extra):
    return {"item": item, "target_kind": target_kind, "due_on": (utcnow().date() + timedelta(days=60)).isoformat(),
            "recurrence_months": "12", "recurrence_basis": "completion", "grace_days": "7", "is_mandatory": "y",
            **extra}


# --- scoping ----------------------------------------------------------------------------------------


def test_another_organisations_team_person_course_or_meeting_is_404(practice, client, db):
    other = make_org()
    other_manager = make_member(other, role="manager").user
    other_team = make_team(other, members=[make_member(other)])
    other_person = make_member(other).user
    draft = make_course(other, publish=False)
    other_meeting = make_meeting(other, other_manager)
    org, course = practice["org"], practice["course"]
    client.login(practice["manager"])
    url = f"/training/orgs/{org.id}/assignments"
    cases = [assign_form(f"course:{course.id}", team_id=str(other_team.id)),
             assign_form(f"course:{course.id}", "person", user_id=str(other_person.id)),
             assign_form(f"course:{draft.id}", "org"),
             assign_form(f"minutes:{other_meeting.id}", "org"),
             assign_form("course:999999", "org")]
    for data in cases:
        assert client.post(url, data).status_code == 404, data
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    # Another organisation's records through this organisation's URLs, and the other organisation itself.
    other_assignment = make_assignment(other, other_manager, course=course)
    other_m = db.session.scalar(select(Membership).where(Membership.user_id == other_person.id))
    assert client.get(f"/training/orgs/{org.id}/people/{other_m.id}").status_code == 404
    assert client.post(f"/training/orgs/{org.id}/assignments/{other_assignment.id}/remove").status_code == 404
    assert client.get(f"/training/orgs/{other.id}/compliance").status_code == 404


def test_the_assignment_form_offers_only_this_organisations_teams_people_and_meetings(practice, client, db):
    other = make_org()
    make_team(other, name="Elsewhere team")
    make_member(other, make_user(first_name="Outside", last_name="Person"))
    client.login(practice["manager"])
    page = client.get(f"/training/orgs/{practice['org'].id}/assignments").get_data(as_text=True)
    assert "Clinical" in page and "Nia Nurse" in page and "HIPAA privacy and security" in page
    assert "Elsewhere team" not in page and "Outside Person" not in page


# --- assigning and the matrix -------------------------------------------------------------------------


def _cell(page: str, name: str) -> str:
    row = re.search(rf"<tr>\s*<th scope=\"row\">\s*<a [^>]*>{name}</a>.*?</tr>", page, re.DOTALL)
    assert row, f"no row for {name}"
    return re.search(r'data-status="(\w+)"', row.group(0)).group(1) if "data-status" in row.group(0) else "none"


def test_assign_to_a_team_then_completion_turns_the_cell_complete(practice, client, db):
    org, course, nurse = practice["org"], practice["course"], practice["nurse"]
    client.login(practice["manager"])
    response = client.post(f"/training/orgs/{org.id}/assignments",
                           assign_form(f"course:{course.id}", team_id=str(practice["team"].id)))
    assert response.status_code == 302
    a = db.session.scalar(select(Assignment).where(Assignment.org_id == org.id))
    assert (a.target_team_id, a.recurrence_months, a.grace_days) == (practice["team"].id, 12, 7)
    page = client.get(f"/training/orgs/{org.id}/compliance").get_data(as_text=True)
    assert _cell(page, "Nia Nurse") == "not_started" and _cell(page, "Cal Clerk") == "none"
    assert "0%" in page
    complete_course(nurse.user, course)
    page = client.get(f"/training/orgs/{org.id}/compliance").get_data(as_text=True)
    assert _cell(page, "Nia Nurse") == "complete" and "100%" in page
    # Filters: by team and by item.
    filtered = client.get(f"/training/orgs/{org.id}/compliance?team={practice['team'].id}&item=course:{course.id}")
    assert "Cal Clerk" not in filtered.get_data(as_text=True)
    # Status filter: who still has something to do (none now); the percentages are unchanged.
    waiting = client.get(f"/training/orgs/{org.id}/compliance?status=not_started").get_data(as_text=True)
    assert "Nia Nurse" not in waiting and "Nobody matches these filters" in waiting
    done = client.get(f"/training/orgs/{org.id}/compliance?status=complete").get_data(as_text=True)
    assert _cell(done, "Nia Nurse") == "complete"


def test_job_title_assignment_reaches_new_members_automatically(practice, client, db):
    org, course = practice["org"], practice["course"]
    practice["nurse"].created_at = utcnow() - timedelta(days=365)
    make_assignment(org, practice["manager"], course=course, target="job_title", job_title="nurse",
                    due_on=utcnow().date() - timedelta(days=3), now=utcnow() - timedelta(days=20))
    newcomer = make_member(org, make_user(first_name="New", last_name="Nurse"), job_title="Nurse")
    client.login(newcomer.user)
    mine = client.get("/training/mine").get_data(as_text=True)
    assert "HIPAA privacy and security" in mine and "Due soon" in mine  # a new starter gets 30 days
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert dashboard.index("My required training") < dashboard.index("Your organisations")
    client.login(practice["nurse"].user)  # there before the assignment: overdue at once
    assert "Overdue" in client.get("/training/mine").get_data(as_text=True)


def test_minutes_acknowledgement_satisfies_a_minutes_assignment(practice, client, db):
    from meetings import services as meeting_services

    org, nurse = practice["org"], practice["nurse"]
    meeting = make_meeting(org, practice["manager"], invitees=[nurse.user])
    meeting_services.save_minutes(practice["manager"], meeting, "Fire exits reviewed.", now=utcnow())
    make_assignment(org, practice["manager"], meeting=meeting, target="person", target_id=nurse.user_id)
    client.login(practice["manager"])
    assert _cell(client.get(f"/training/orgs/{org.id}/compliance").get_data(as_text=True), "Nia Nurse") == "not_started"
    meeting_services.acknowledge_minutes(nurse.user, meeting, now=utcnow())
    db.session.flush()
    assert _cell(client.get(f"/training/orgs/{org.id}/compliance").get_data(as_text=True), "Nia Nurse") == "complete"


def test_removing_an_assignment_keeps_the_row(practice, client, db):
    a = make_assignment(practice["org"], practice["manager"], course=practice["course"])
    client.login(practice["manager"])
    assert client.post(f"/training/orgs/{practice['org'].id}/assignments/{a.id}/remove").status_code == 302
    db.session.refresh(a)
    assert a.removed_at is not None
    assert "Nothing is required yet" in client.get(f"/training/orgs/{practice['org'].id}/compliance").get_data(
        as_text=True)


def test_leavers_are_hidden_by_default_and_kept_with_their_records(practice, client, db):
    org, course, clerk = practice["org"], practice["course"], practice["clerk"]
    make_assignment(org, practice["manager"], course=course)
    complete_course(clerk.user, course)
    clerk.deactivated_at = utcnow()
    db.session.flush()
    client.login(practice["manager"])
    assert "Cal Clerk" not in client.get(f"/training/orgs/{org.id}/compliance").get_data(as_text=True)
    page = client.get(f"/training/orgs/{org.id}/compliance?leavers=1").get_data(as_text=True)
    assert _cell(page, "Cal Clerk") == "complete" and "Left" in page
    assert client.get(f"/training/orgs/{org.id}/people/{clerk.id}").status_code == 200


# --- exports ----------------------------------------------------------------------------------------


def test_csv_export_lists_each_person_and_item_and_neutralises_formulas(practice, client, db):
    org, course = practice["org"], practice["course"]
    evil = make_member(org, make_user(first_name='=HYPERLINK("http://x")', last_name="Smith"))
    make_assignment(org, practice["manager"], course=course)
    complete_course(practice["nurse"].user, course, at=utcnow() - timedelta(days=10))
    client.login(practice["manager"])
    response = client.get(f"/training/orgs/{org.id}/compliance.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:7] == ["Name", "Email", "Job title", "Teams", "Active", "Required item", "Status"]
    by_name = {r[0]: r for r in body}
    assert by_name["Nia Nurse"][6] == "Complete" and by_name["Nia Nurse"][9] == (utcnow() - timedelta(days=10)).date().isoformat()
    assert any(name.startswith("'=HYPERLINK") for name in by_name), by_name.keys()
    assert evil.user_id


def test_inspection_pdf(practice, client, db):
    make_assignment(practice["org"], practice["manager"], course=practice["course"])
    client.login(practice["manager"])
    response = client.get(f"/training/orgs/{practice['org'].id}/compliance.pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")


def test_an_inspection_pdf_too_large_to_render_in_a_request_asks_for_a_filter(practice, client, db, monkeypatch):
    from lms.training import reports

    monkeypatch.setattr(reports, "MAX_PDF_LINES", 1)
    make_assignment(practice["org"], practice["manager"], course=practice["course"])
    client.login(practice["manager"])
    url = f"/training/orgs/{practice['org'].id}/compliance"
    response = client.get(f"{url}.pdf?leavers=1")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}?leavers=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The PDF would have 3 lines (at most 1)" in page and "Filter by team or item" in page


# --- roster through HTTP --------------------------------------------------------------------------------


def _upload(client, org, data: bytes, name="staff.csv"):
    return client.post(f"/training/orgs/{org.id}/roster", {"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_roster_upload_preview_confirm_and_the_same_file_again(practice, client, db, outbox):
    org = practice["org"]
    client.login(practice["manager"])
    data = ("name,email,role,team,profession,job title\n"
            "Ana Lopez,ana@example.org,member,Front office,nurse,Receptionist\n"
            f"Nia Nurse,{practice['nurse'].user.email},member,Clinical,,Nurse\n").encode()
    response = _upload(client, org, data)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 new account" in preview and "No change" in preview
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None  # not before confirming
    imp = db.session.scalar(select(RosterImport).order_by(RosterImport.id.desc()))
    plan = re.search(r'name="plan" type="hidden" value="([0-9a-f]+)"', preview).group(1)
    assert client.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm", {"plan": plan}).status_code == 302
    ana = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    assert ana is not None and db.session.scalar(select(Team).where(Team.org_id == org.id, Team.name == "Front office"))
    assert "set your password" in outbox.messages[-1]["Subject"] and outbox.messages[-1]["To"] == "ana@example.org"
    again = _upload(client, org, data)
    second = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "No changes" in second and "This exact file was imported on" in second and "Confirm and import" not in second


def test_a_non_utf8_file_is_refused_and_nothing_is_stored(practice, client, db):
    client.login(practice["manager"])
    response = _upload(client, practice["org"], "name,email\nJosé,jose@example.org\n".encode("latin-1"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "not UTF-8" in page and "offset" in page
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


def test_a_file_with_errors_shows_every_row_and_imports_only_the_valid_ones(practice, client, db):
    org = practice["org"]
    client.login(practice["manager"])
    data = (b"name,email,role\n"
            b"Good Person,good@example.org,member\n"
            b'"=HYPERLINK(""http://evil.example"",""click"")",h@example.org,member\n'
            b"+cmd,c@example.org,member\n"
            b"@SUM(A1),s@example.org,member\n"
            b"Bad Email,not-an-email,member\n"
            b"Dup Person,good@example.org,member\n")
    response = _upload(client, org, data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 rows with errors" in page and "Import the 1 valid change, skip 5 with errors" in page
    assert page.count('class="roster-row roster-error"') == 5 and page.count("roster-row roster-create") == 1
    assert "good@example.org is already on line 2 of this file" in page
    assert "=HYPERLINK" not in page  # the refused value is not echoed back
    imp = db.session.scalar(select(RosterImport).order_by(RosterImport.id.desc()))
    plan = re.search(r'name="plan" type="hidden" value="([0-9a-f]+)"', page).group(1)
    assert client.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm").status_code == 400  # no plan: refused
    assert db.session.scalar(select(User).where(User.email == "good@example.org")) is None
    assert client.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm", {"plan": plan}).status_code == 302
    assert db.session.scalar(select(User).where(User.email == "good@example.org")) is not None
    assert db.session.scalar(select(User).where(User.email == "c@example.org")) is None


def test_add_one_person_by_hand(practice, client, db, outbox):
    org = practice["org"]
    client.login(practice["manager"])
    response = client.post(f"/training/orgs/{org.id}/roster/add", {
        "name": "Dee Dent", "email": "dee@example.org", "role": "member", "team": "Clinical",
        "profession": "other", "job_title": "Dental nurse"})
    assert response.status_code == 302
    m = db.session.scalar(select(Membership).join(User).where(User.email == "dee@example.org"))
    assert (m.org_id, m.job_title) == (org.id, "Dental nurse")
    assert outbox.messages[-1]["To"] == "dee@example.org"


# --- the learner's settings -------------------------------------------------------------------------------


def test_opt_out_setting(practice, client, db):
    from lms.training.services import opted_out

    user = practice["clerk"].user
    client.login(user)
    assert "always sent" in client.get("/training/settings").get_data(as_text=True)
    client.post("/training/settings", {"non_mandatory_mail_opt_out": "y"})
    assert opted_out(user.id)
    client.post("/training/settings", {})
    assert not opted_out(user.id)


def test_due_date_in_the_past_is_accepted_and_flagged(practice, client, db):
    client.login(practice["manager"])
    data = assign_form(f"course:{practice['course'].id}", "org", confirm_everyone="yes",
                       due_on=(date.today() - timedelta(days=5)).isoformat(), grace_days="0")
    response = client.post(f"/training/orgs/{practice['org'].id}/assignments", data)
    assert response.status_code == 302
    page = client.get(f"/training/orgs/{practice['org'].id}/compliance").get_data(as_text=True)
    assert "overdue" in page


def test_starting_an_assigned_course_enrols_through_the_courses_assign_hook(practice, client, db):
    from courses.models import Enrolment

    org, course, nurse = practice["org"], practice["course"], practice["nurse"]
    a = make_assignment(org, practice["manager"], course=course, target="team", target_id=practice["team"].id)
    client.login(practice["clerk"].user)  # not in the team: the assignment is not theirs
    assert client.post(f"/training/assignments/{a.id}/start").status_code == 404
    client.login(nurse.user)
    response = client.post(f"/training/assignments/{a.id}/start")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{course.id}/disclosures")
    e = db.session.scalar(select(Enrolment).where(Enrolment.user_id == nurse.user_id))
    assert (e.assigned_by_id, e.due_on) == (practice["manager"].id, a.due_on)


def test_exports_carry_the_current_certificate_code(practice, client, db):
    from lms.certificates.codes import code_hash
    from lms.certificates.models import Certificate

    org, course, nurse = practice["org"], practice["course"], practice["nurse"]
    make_assignment(org, practice["manager"], course=course)
    complete_course(nurse.user, course)
    for version, status, code in ((1, "superseded", "OLD0-CODE"), (2, "valid", "K7QX-4M2P-9D")):
        db.session.add(Certificate(learner_id=nurse.user_id, kind="credit", activity_kind="course",
                                   activity_id=course.id, version=version, status=status, template_ref="builtin:credit/1",
                                   snapshot={}, sha256="0" * 64, size=1, code_hash=code_hash(code), code=code))
    db.session.flush()
    client.login(practice["manager"])
    rows = list(csv.reader(io.StringIO(client.get(f"/training/orgs/{org.id}/compliance.csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][-1] == "Certificate code"
    assert {r[0]: r[-1] for r in rows[1:]}["Nia Nurse"] == "K7QX-4M2P-9D"


def test_a_manager_records_a_refresher_by_hand_which_renews_an_expired_item(practice, client, db):
    from lms.training.models import TrainingRecord

    org, course, nurse = practice["org"], practice["course"], practice["nurse"]
    nurse.created_at = utcnow() - timedelta(days=800)
    make_assignment(org, practice["manager"], course=course, recurrence_months=12, now=utcnow() - timedelta(days=800),
                    due_on=(utcnow() - timedelta(days=700)).date())
    complete_course(nurse.user, course, at=utcnow() - timedelta(days=500))  # lapsed 135 days ago
    client.login(practice["manager"])
    url = f"/training/orgs/{org.id}/compliance"
    assert _cell(client.get(url).get_data(as_text=True), "Nia Nurse") == "expired"
    person = f"/training/orgs/{org.id}/people/{nurse.id}"
    future = client.post(f"{person}/records", {"item": f"course:{course.id}",
                                               "completed_on": (date.today() + timedelta(days=2)).isoformat()})
    assert future.status_code == 302 and db.session.scalar(select(func.count()).select_from(TrainingRecord)) == 0
    client.post(f"{person}/records", {"item": f"course:{course.id}", "completed_on": date.today().isoformat(),
                                      "note": "Annual refresher delivered in person"})
    assert _cell(client.get(url).get_data(as_text=True), "Nia Nurse") == "complete"
    assert "Annual refresher delivered in person" in client.get(person).get_data(as_text=True)
    record = db.session.scalar(select(TrainingRecord))
    assert client.post(f"/training/orgs/{org.id}/records/{record.id}/void").status_code == 302
    assert _cell(client.get(url).get_data(as_text=True), "Nia Nurse") == "expired"
    # Another organisation's record or person through this organisation's URL: 404.
    other = make_org()
    outsider = make_member(other)
    assert client.post(f"/training/orgs/{org.id}/people/{outsider.id}/records",
                       {"item": f"course:{course.id}", "completed_on": date.today().isoformat()}).status_code == 404


def test_leavers_missing_from_an_upload_can_be_deactivated_and_keep_their_records(practice, client, db):
    org, course, clerk = practice["org"], practice["course"], practice["clerk"]
    make_assignment(org, practice["manager"], course=course)
    complete_course(clerk.user, course)
    client.login(practice["manager"])
    data = (f"name,email\nNia Nurse,{practice['nurse'].user.email}\n"
            f"Marcus Manager,{practice['manager'].email}\n").encode()
    preview = client.get(_upload(client, org, data).headers["Location"]).get_data(as_text=True)
    assert "On the staff list but not in this file" in preview and "Cal Clerk" in preview
    outsider = make_member(make_org())
    assert client.post(f"/training/orgs/{org.id}/roster/leavers",
                       {"membership_ids": [str(clerk.id), str(outsider.id)]}).status_code == 404
    db.session.refresh(clerk)
    assert clerk.deactivated_at is None  # nothing done when one id is not this organisation's
    assert client.post(f"/training/orgs/{org.id}/roster/leavers", {"membership_ids": [str(clerk.id)]}).status_code == 302
    db.session.refresh(clerk)
    assert clerk.deactivated_at is not None
    page = client.get(f"/training/orgs/{org.id}/compliance?leavers=1").get_data(as_text=True)
    assert _cell(page, "Cal Clerk") == "complete"


def test_editing_an_assignments_schedule_is_audited_and_rescored(practice, client, db):
    from lms.audit.models import AuditEvent

    org, course, nurse = practice["org"], practice["course"], practice["nurse"]
    a = make_assignment(org, practice["manager"], course=course, due_on=utcnow().date() + timedelta(days=90))
    complete_course(nurse.user, course, at=utcnow() - timedelta(days=400))
    client.login(practice["manager"])
    url = f"/training/orgs/{org.id}/compliance"
    assert _cell(client.get(url).get_data(as_text=True), "Nia Nurse") == "complete"  # one-off: done once is enough
    edit = f"/training/orgs/{org.id}/assignments/{a.id}/edit"
    assert "Save changes" in client.get(edit).get_data(as_text=True)
    assert client.post(edit, {"due_on": a.due_on.isoformat(), "recurrence_months": "200",
                              "recurrence_basis": "completion", "grace_days": "0"}).status_code == 422
    response = client.post(edit, {"due_on": a.due_on.isoformat(), "recurrence_months": "12",
                                  "recurrence_basis": "completion", "grace_days": "0", "is_mandatory": "y"})
    assert response.status_code == 302
    assert _cell(client.get(url).get_data(as_text=True), "Nia Nurse") == "expired"  # done 400 days ago, yearly now
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.update"))
    assert (event.before["recurrence_months"], event.after["recurrence_months"]) == (None, 12)
    other = make_org()
    other_a = make_assignment(other, make_member(other, role="manager").user, course=course)
    assert client.get(f"/training/orgs/{org.id}/assignments/{other_a.id}/edit").status_code == 404


def test_everyone_is_confirmed_with_the_head_count_and_names_what_it_ignores(practice, client, db):
    """Choosing a team while "Who must do it" stays on Everyone assigns nothing until confirmed."""
    org, course, team = practice["org"], practice["course"], practice["team"]
    client.login(practice["manager"])
    url = f"/training/orgs/{org.id}/assignments"
    response = client.post(url, assign_form(f"course:{course.id}", "org", team_id=str(team.id)))
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", response.get_data(as_text=True))
    staff = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.org_id == org.id, Membership.deactivated_at.is_(None)))
    assert f"This assigns {course.latest_version.title} to all {staff} staff of {org.name}." in page
    assert "You also picked the team Clinical" in page
    assert 'name="confirm_everyone" type="hidden" value="yes"' in page
    assert db.session.scalar(select(func.count()).select_from(Assignment).where(Assignment.org_id == org.id)) == 0

    response = client.post(url, assign_form(f"course:{course.id}", "org", team_id=str(team.id),
                                            confirm_everyone="yes"))
    assert response.status_code == 302
    a = db.session.scalars(select(Assignment).where(Assignment.org_id == org.id)).one()
    assert a.target_kind == "org"


def test_a_team_assignment_needs_no_confirmation(practice, client, db):
    client.login(practice["manager"])
    response = client.post(f"/training/orgs/{practice['org'].id}/assignments",
                           assign_form(f"course:{practice['course'].id}", team_id=str(practice["team"].id)))
    assert response.status_code == 302
