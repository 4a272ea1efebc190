"""Every page's permission checks and menus read the user's seats (active memberships) from the
database on every request (nothing is kept between requests): a role change, a leaver, a joiner or a
renamed organisation shows on the very next request, in this process or any other, however it was
written: a demoted manager loses the compliance page at once."""

from __future__ import annotations

from lms.orgs.models import Membership
from tests.factories import make_member, make_org


def test_a_demoted_manager_loses_the_compliance_page_on_the_next_request(db, make_client):
    org = make_org(name="Riverside Practice")
    boss = make_member(org, role="manager").user
    deputy = make_member(org, role="manager")
    db.session.commit()
    deputy_browser, boss_browser = make_client().login(deputy.user), make_client().login(boss)

    page = deputy_browser.get(f"/training/orgs/{org.id}/compliance")
    assert page.status_code == 200
    assert "Riverside Practice: compliance" in deputy_browser.get("/dashboard").text  # the nav menu, cached

    response = boss_browser.post(f"/orgs/{org.id}/members/{deputy.id}/role", {"role": "member"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, deputy.id).role == "member"

    assert deputy_browser.get(f"/training/orgs/{org.id}/compliance").status_code == 403
    assert "Riverside Practice: compliance" not in deputy_browser.get("/dashboard").text
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

    response = make_client().login(boss).post(f"/orgs/{first.id}/members/{leaver.id}/deactivate", {"confirm": "y"})
    assert response.status_code == 302
    assert browser.get(f"/orgs/{first.id}").status_code == 404
    assert "First Clinic" not in browser.get("/dashboard").text


def test_a_renamed_organisation_shows_its_new_name_to_its_people_only(db, make_client):
    org, other = make_org(name="Old Name Practice"), make_org(name="Elsewhere")
    manager = make_member(org, role="manager").user
    outsider = make_member(other).user
    db.session.commit()
    browser = make_client().login(manager)
    assert "Old Name Practice: staff" in browser.get("/dashboard").text

    org.name = "New Name Practice"
    db.session.commit()
    page = browser.get("/dashboard").text
    assert "New Name Practice: staff" in page and "Old Name Practice" not in page
    assert "New Name Practice" not in make_client().login(outsider).get("/dashboard").text


def test_a_raw_sql_demotion_shows_at_once_on_reads_and_writes(db, app, make_client):
    """A write that bypasses the ORM (no service, no listener) still shows on the next GET and POST."""
    org = make_org()
    manager = make_member(org, role="manager")
    target = make_member(org)
    db.session.commit()
    browser = make_client().login(manager.user)
    assert browser.get(f"/orgs/{org.id}/members").status_code == 200

    db.session.execute(Membership.__table__.update().where(Membership.__table__.c.id == manager.id)
                       .values(role="member"))  # Core: no ORM event of any kind
    db.session.commit()
    assert browser.get(f"/orgs/{org.id}/members").status_code == 403
    response = browser.post(f"/orgs/{org.id}/members/{target.id}/role", {"role": "manager"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Membership, target.id).role == "member"
