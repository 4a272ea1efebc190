"""Organisations: scoping (404 outside), roles (403 inside), invitations and audited role changes."""

from datetime import timedelta

import pytest

from lms.audit.models import AuditEvent
from lms.extensions import db as _db
from lms.orgs.models import Invitation, Membership
from lms.types import utcnow
from tests.factories import make_member, make_org, make_team, make_user


@pytest.fixture
def two_orgs(db):
    a, b = make_org(name="Alpha Practice"), make_org(name="Beta Clinic")
    return {
        "a": a, "b": b,
        "manager_a": make_member(a, role="manager"),
        "member_a": make_member(a),
        "manager_b": make_member(b, role="manager"),
        "member_b": make_member(b),
        "team_b": make_team(b, name="Beta nurses"),
    }


def test_manager_of_a_gets_404_for_everything_of_b(make_client, two_orgs):
    t = two_orgs
    browser = make_client().login(t["manager_a"].user)
    b, mb, team = t["b"].id, t["member_b"].id, t["team_b"].id
    for path in [f"/orgs/{b}", f"/orgs/{b}/members", f"/orgs/{b}/teams", f"/orgs/{b}/teams/{team}"]:
        assert browser.get(path).status_code == 404, path
    for path in [f"/orgs/{b}/members/{mb}/role", f"/orgs/{b}/members/{mb}/deactivate", f"/orgs/{b}/invitations",
                 f"/orgs/{b}/teams/{team}/members/{mb}/remove"]:
        assert browser.post(path, {"role": "manager", "email": "x@example.org"}).status_code == 404, path
    assert t["member_b"].role == "member" and t["member_b"].is_active


def test_ids_of_b_inside_a_urls_give_404(make_client, two_orgs):
    t = two_orgs
    browser = make_client().login(t["manager_a"].user)
    a = t["a"].id
    assert browser.post(f"/orgs/{a}/members/{t['member_b'].id}/role", {"role": "manager"}).status_code == 404
    assert browser.get(f"/orgs/{a}/teams/{t['team_b'].id}").status_code == 404
    assert browser.post(f"/orgs/{a}/invitations", {"email": "x@example.org", "role": "member",
                                                   "team_id": str(t["team_b"].id)}).status_code in (302, 404)
    assert _db.session.scalar(_db.select(Invitation).where(Invitation.team_id == t["team_b"].id)) is None
    assert t["member_b"].role == "member"


def test_members_are_403_on_manager_pages_of_their_own_org(make_client, two_orgs):
    t = two_orgs
    browser = make_client().login(t["member_a"].user)
    assert browser.get(f"/orgs/{t['a'].id}").status_code == 200
    assert browser.get(f"/orgs/{t['a'].id}/members").status_code == 403
    assert browser.post(f"/orgs/{t['a'].id}/members/{t['member_a'].id}/role", {"role": "manager"}).status_code == 403
    assert t["member_a"].role == "member"


def test_role_change_is_audited_and_keeps_a_manager(make_client, two_orgs):
    t = two_orgs
    manager = t["manager_a"]
    browser = make_client().login(manager.user)
    response = browser.post(f"/orgs/{t['a'].id}/members/{t['member_a'].id}/role", {"role": "educator"},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 302 and t["member_a"].role == "educator"
    event = _db.session.scalar(_db.select(AuditEvent).where(AuditEvent.action == "membership.role"))
    assert (event.actor_id, event.before, event.after, event.ip, event.org_id) == \
        (manager.user_id, {"role": "member"}, {"role": "educator"}, "203.0.113.9", t["a"].id)
    # The only manager cannot demote themself.
    browser.post(f"/orgs/{t['a'].id}/members/{manager.id}/role", {"role": "member"})
    assert manager.role == "manager"


def test_deactivated_member_loses_access_but_keeps_membership(make_client, two_orgs):
    t = two_orgs
    manager = make_client().login(t["manager_a"].user)
    assert manager.post(f"/orgs/{t['a'].id}/members/{t['member_a'].id}/deactivate").status_code == 302
    member = t["member_a"]
    assert member.deactivated_at is not None and _db.session.get(Membership, member.id) is not None
    assert make_client().login(member.user).get(f"/orgs/{t['a'].id}").status_code == 404


def test_invitation_by_email_link(make_client, two_orgs, outbox):
    t = two_orgs
    manager = make_client().login(t["manager_a"].user)
    team = make_team(t["a"], name="Front office")
    response = manager.post(f"/orgs/{t['a'].id}/invitations",
                            {"email": "New.Hire@Example.org", "role": "member", "team_id": str(team.id)})
    assert response.status_code == 302
    link = outbox.last_link("new.hire@example.org")
    assert link.startswith("https://continuum.example.org/orgs/invitations/")
    path = link.replace("https://continuum.example.org", "")
    invitation = _db.session.scalar(_db.select(Invitation).where(Invitation.email == "new.hire@example.org"))
    assert path.rsplit("/", 1)[1] not in invitation.token_hash  # only the hash is stored

    wrong_person = make_client().login(make_user(email="someone.else@example.org"))
    wrong_person.post(path)
    assert invitation.accepted_at is None

    hire = make_user(email="new.hire@example.org")
    browser = make_client()
    assert "Log in" in browser.get(path).get_data(as_text=True)
    browser.login(hire)
    assert browser.post(path).status_code == 302
    m = _db.session.scalar(_db.select(Membership).where(Membership.user_id == hire.id))
    assert (m.org_id, m.role) == (t["a"].id, "member")
    assert [tm.membership_id for tm in team.members] == [m.id]
    # Single use.
    assert browser.get(path).status_code == 404


def test_expired_and_revoked_invitations_are_refused(make_client, two_orgs, outbox):
    t = two_orgs
    manager = make_client().login(t["manager_a"].user)
    manager.post(f"/orgs/{t['a'].id}/invitations", {"email": "late@example.org", "role": "member", "team_id": ""})
    path = outbox.last_link("late@example.org").replace("https://continuum.example.org", "")
    invitation = _db.session.scalar(_db.select(Invitation).where(Invitation.email == "late@example.org"))
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    _db.session.flush()
    assert make_client().get(path).status_code == 404
    invitation.expires_at = utcnow() + timedelta(days=1)
    _db.session.flush()
    assert manager.post(f"/orgs/{t['a'].id}/invitations/{invitation.id}/revoke").status_code == 302
    assert make_client().get(path).status_code == 404


def test_anyone_can_create_an_organisation_and_manage_it(make_client, db):
    user = make_user()
    browser = make_client().login(user)
    response = browser.post("/orgs/new", {"name": "Lakeside Dermatology", "kind": "practice", "timezone": "UTC"})
    assert response.status_code == 302
    m = _db.session.scalar(_db.select(Membership).where(Membership.user_id == user.id))
    assert m.role == "manager" and m.org.name == "Lakeside Dermatology"
    assert browser.get(f"/orgs/{m.org_id}/members").status_code == 200


def test_org_list_shows_only_my_orgs_and_paginates(make_client, db):
    user = make_user()
    for i in range(30):
        make_member(make_org(name=f"Mine {i:02d}"), user)
    make_org(name="Not mine")
    browser = make_client().login(user)
    first = browser.get("/orgs/").get_data(as_text=True)
    second = browser.get("/orgs/?page=2").get_data(as_text=True)
    assert "Mine 00" in first and "Mine 29" in second and "Not mine" not in first + second
    assert "Page 1 of 2" in first
