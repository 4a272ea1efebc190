"""Every page's permission checks and menus read the user's seats (active memberships) from a
per-process cache keyed by ``user.dashboard_version``. A role change, a leaver, a joiner or a renamed
organisation gives the people concerned a new stamp, so the very next request, in this process or
any other, sees the change: a demoted manager loses the compliance page at once."""

from __future__ import annotations

from sqlalchemy import select

from lms.orgs.models import Membership
from lms.users.models import User
from tests.factories import make_member, make_org


def stamp(db, user):
    return db.session.scalar(select(User.dashboard_version).where(User.id == user.id))


def test_a_demoted_manager_loses_the_compliance_page_on_the_next_request(db, make_client):
    org = make_org(name="Riverside Practice")
    boss = make_member(org, role="manager").user
    deputy = make_member(org, role="manager")
    db.session.commit()
    deputy_browser, boss_browser = make_client().login(deputy.user), make_client().login(boss)

    page = deputy_browser.get(f"/training/orgs/{org.id}/compliance")
    assert page.status_code == 200
    assert f'href="/training/orgs/{org.id}/compliance"' in deputy_browser.get("/dashboard").text  # the nav menu

    response = boss_browser.post(f"/orgs/{org.id}/members/{deputy.id}/role", {"role": "member"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, deputy.id).role == "member"

    assert deputy_browser.get(f"/training/orgs/{org.id}/compliance").status_code == 403
    assert f'href="/training/orgs/{org.id}/compliance"' not in deputy_browser.get("/dashboard").text
    assert deputy_browser.get(f"/orgs/{org.id}").status_code == 200  # still a member


def test_a_leaver_is_shut_out_and_a_joiner_let_in_at_once(db, make_client):
    first, second = make_org(name="First Clinic"), make_org(name="Second Clinic")
    boss = make_member(first, role="manager").user
    leaver = make_member(first)
    db.session.commit()
    browser = make_client().login(leaver.user)
    assert browser.get(f"/orgs/{first.id}").status_code == 200
    assert browser.get(f"/orgs/{second.id}").status_code == 404

    make_member(second, leaver.user, role="manager")
    db.session.commit()
    assert browser.get(f"/training/orgs/{second.id}/compliance").status_code == 200

    before = stamp(db, leaver.user)
    response = make_client().login(boss).post(f"/orgs/{first.id}/members/{leaver.id}/deactivate", {"confirm": "y"})
    assert response.status_code == 302
    assert stamp(db, leaver.user) != before
    assert browser.get(f"/orgs/{first.id}").status_code == 404
    assert "First Clinic" not in browser.get("/dashboard").text


def test_a_renamed_organisation_shows_its_new_name_to_its_people_only(db, make_client):
    org, other = make_org(name="Old Name Practice"), make_org(name="Elsewhere")
    manager = make_member(org, role="manager").user
    outsider = make_member(other).user
    db.session.commit()
    browser = make_client().login(manager)
    assert 'dropdown-header h6">Old Name Practice' in browser.get("/dashboard").text
    untouched = stamp(db, outsider)

    org.name = "New Name Practice"
    db.session.commit()
    page = browser.get("/dashboard").text
    assert 'dropdown-header h6">New Name Practice' in page and "Old Name Practice" not in page
    assert stamp(db, outsider) == untouched


def test_a_job_title_change_leaves_the_stamp_alone(db):
    org = make_org()
    member = make_member(org, job_title="Receptionist")
    db.session.commit()
    before = stamp(db, member.user)
    member.job_title = "Practice nurse"
    db.session.commit()
    assert stamp(db, member.user) == before
    member.role = "educator"
    db.session.commit()
    assert stamp(db, member.user) != before


def test_pages_that_change_data_always_ask_the_database(db, app, make_client):
    """A POST never trusts the cache: with the stamp left unchanged (a write that bypassed the ORM),
    a GET may still show the old seat, but a POST that needs the role is refused."""
    org = make_org()
    manager = make_member(org, role="manager")
    target = make_member(org)
    db.session.commit()
    browser = make_client().login(manager.user)
    assert browser.get(f"/orgs/{org.id}/members").status_code == 200  # seats cached as manager

    db.session.execute(Membership.__table__.update().where(Membership.__table__.c.id == manager.id)
                       .values(role="member"))  # Core: no listener, no new stamp
    db.session.commit()
    response = browser.post(f"/orgs/{org.id}/members/{target.id}/role", {"role": "manager"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Membership, target.id).role == "member"
