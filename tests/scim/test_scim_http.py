"""The SCIM endpoints through the test client: mapping, scoping, deactivation and RFC 7644 errors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.orgs.models import Membership, Team, TeamMember
from lms.scim import tokens
from lms.types import utcnow
from lms.users.models import User
from tests.factories import make_member, make_org, make_team, make_user

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class Scim:
    def __init__(self, client, token):
        self.http = client.http
        self.token = token

    def _call(self, method, path, body=None, token=None, headers=None):
        import contextvars

        hdrs = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        kwargs = {"headers": hdrs}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = SCIM
        response = contextvars.Context().run(getattr(self.http, method), "/scim/v2" + path, **kwargs)
        from lms.extensions import db

        db.session.expire_all()
        return response

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, body, **kw):
        return self._call("post", path, body, **kw)

    def put(self, path, body, **kw):
        return self._call("put", path, body, **kw)

    def patch(self, path, operations, **kw):
        return self._call("patch", path, {"schemas": [PATCH], "Operations": operations}, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)


@pytest.fixture
def org(db):
    return make_org(name="St Elsewhere")


@pytest.fixture
def scim(client, org):
    manager = make_member(org, role="manager").user
    _, token = tokens.issue(manager, org, name="Entra", now=utcnow())
    return Scim(client, token)


def nurse(email="nurse.joy@stelsewhere.org", **extra):
    return {"schemas": [USER, ENTERPRISE], "userName": email, "externalId": "e-100",
            "name": {"givenName": "Joy", "familyName": "Nightingale"}, "displayName": "Joy Nightingale",
            "emails": [{"value": email, "type": "work", "primary": True}], "title": "Registered Nurse",
            "active": True, ENTERPRISE: {"department": "Intensive Care"}, **extra}


def test_a_nurse_is_provisioned_as_a_member_with_a_job_title(scim, org, db):
    response = scim.post("/Users", nurse())
    assert response.status_code == 201, response.data
    assert response.headers["Content-Type"].startswith(SCIM)
    body = response.get_json()
    assert body["userName"] == "nurse.joy@stelsewhere.org" and body["active"] is True
    assert body[ENTERPRISE]["department"] == "Intensive Care"
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{body['id']}")
    m = db.session.get(Membership, int(body["id"]))
    assert m.org_id == org.id and m.role == "member" and m.job_title == "Registered Nurse"
    assert m.user.first_name == "Joy" and m.user.password_hash is None
    again = scim.get(f"/Users/{body['id']}").get_json()
    assert again["name"] == body["name"] and again["meta"]["version"] == body["meta"]["version"]
    # The common look-up an identity provider makes before creating.
    found = scim.get('/Users?filter=userName eq "NURSE.JOY@stelsewhere.org"').get_json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == body["id"]
    assert scim.post("/Users", nurse()).status_code == 409


def test_the_department_is_the_job_title_when_there_is_no_title(scim, db):
    body = nurse("porter@stelsewhere.org")
    body.pop("title")
    created = scim.post("/Users", body).get_json()
    assert db.session.get(Membership, int(created["id"])).job_title == "Intensive Care"


def test_groups_are_teams(scim, org, db):
    user = scim.post("/Users", nurse()).get_json()
    response = scim.post("/Groups", {"schemas": [GROUP], "displayName": "ICU nurses",
                                     "members": [{"value": user["id"]}]})
    assert response.status_code == 201, response.data
    group = response.get_json()
    team = db.session.get(Team, int(group["id"]))
    assert team.org_id == org.id and team.name == "ICU nurses"
    assert db.session.get(TeamMember, (team.id, int(user["id"]))) is not None
    assert scim.get(f"/Users/{user['id']}").get_json()["groups"][0]["display"] == "ICU nurses"
    response = scim.patch(f"/Groups/{group['id']}", [{"op": "remove", "path": f'members[value eq "{user["id"]}"]'}])

    assert response.status_code in (200, 204), response.data
    assert db.session.get(TeamMember, (team.id, int(user["id"]))) is None


def test_deactivation_makes_a_leaver_and_keeps_the_records(scim, org, db):
    from courses.models import CourseCompletion
    from tests.factories import complete_course, make_course

    body = scim.post("/Users", nurse()).get_json()
    m = db.session.get(Membership, int(body["id"]))
    complete_course(m.user, make_course(org))
    completions = select(func.count()).select_from(CourseCompletion).where(CourseCompletion.user_id == m.user_id)
    assert db.session.scalar(completions) == 1
    response = scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "active", "value": False}])
    assert response.status_code in (200, 204), response.data
    assert scim.get(f"/Users/{body['id']}").get_json()["active"] is False
    assert m.deactivated_at is not None
    response = scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "active", "value": True}])
    assert m.deactivated_at is None, "a returning member is reactivated"
    scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "active", "value": False}])
    assert db.session.get(User, m.user_id).is_active, "the account stays: only the membership ends"
    assert scim.delete(f"/Users/{body['id']}").status_code == 204
    assert scim.get(f"/Users/{body['id']}").status_code == 404
    assert db.session.get(Membership, m.id) is not None
    assert db.session.scalar(completions) == 1, "the leaver's training history stays"


def test_another_organisations_user_is_not_found(scim, db):
    elsewhere = make_org()
    outsider = make_member(elsewhere)
    response = scim.patch(f"/Users/{outsider.id}", [{"op": "replace", "path": "active", "value": False}])
    assert response.status_code == 404
    body = response.get_json()
    assert body["schemas"] == [ERROR] and body["status"] == "404"
    assert outsider.deactivated_at is None
    assert scim.get(f"/Users/{outsider.id}").status_code == 404
    assert scim.delete(f"/Users/{outsider.id}").status_code == 404
    listed = scim.get("/Users").get_json()
    assert str(outsider.id) not in {r["id"] for r in listed.get("Resources", [])}


@pytest.mark.parametrize("query", ['phoneNumbers.value eq "1"', 'nickName pr', 'userName eq', 'userName zz "a"',
                                   'password eq "x"'])
def test_an_unsupported_filter_is_invalid_filter(scim, query):
    response = scim.get("/Users", ) if False else scim.get(f"/Users?filter={query}")
    assert response.status_code == 400, response.data
    body = response.get_json()
    assert body["schemas"] == [ERROR] and body["scimType"] == "invalidFilter"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer scim_revoked"])
def test_a_request_without_a_live_token_is_401(scim, client, header, org, db):
    import contextvars

    headers = {"Authorization": header} if header else {}
    if header == "Bearer scim_revoked":
        row, token = tokens.issue(make_user(), org, name="old", now=utcnow())
        tokens.revoke(make_user(), org, row.id, now=utcnow())
        headers = {"Authorization": f"Bearer {token}"}
    response = contextvars.Context().run(client.http.get, "/scim/v2/Users", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["schemas"] == [ERROR]


def test_discovery_endpoints(scim):
    config = scim.get("/ServiceProviderConfig")
    assert config.status_code == 200 and config.get_json()["patch"]["supported"] is True
    schemas = scim.get("/Schemas").get_json()
    user = next(s for s in schemas["Resources"] if s["id"] == USER)
    assert {a["name"] for a in user["attributes"]} == {"userName", "name", "displayName", "title", "active",
                                                       "emails", "groups"}
    types = scim.get("/ResourceTypes").get_json()
    assert {t["name"] for t in types["Resources"]} == {"User", "Group"}


def test_malformed_bodies_get_scim_errors_and_leave_nothing(scim, db):
    count = db.session.scalar(select(func.count()).select_from(User))
    for body in [{"schemas": [USER]}, {"schemas": [USER], "userName": ""}, {"userName": 3},
                 {"schemas": [USER], "userName": "x", "emails": [{"value": "nope"}]}]:
        response = scim.post("/Users", body)
        assert response.status_code == 400, response.data
        assert response.get_json()["schemas"] == [ERROR]
    response = scim._call("post", "/Users", None)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User)) == count


def test_an_existing_member_is_adopted_and_keeps_their_sign_in_email(scim, org, db):
    existing = make_member(org, make_user(email="dr.who@stelsewhere.org", first_name="John")).user
    created = scim.post("/Users", nurse("dr.who@stelsewhere.org"))
    assert created.status_code == 201, created.data
    created = created.get_json()
    m = db.session.get(Membership, int(created["id"]))
    assert m.user_id == existing.id and existing.first_name == "John"
    response = scim.patch(f"/Users/{created['id']}", [
        {"op": "replace", "path": "emails", "value": [{"value": "attacker@evil.example", "primary": True}]},
        {"op": "replace", "path": "userName", "value": "whoever"}])
    assert response.status_code in (200, 204), response.data
    assert db.session.get(User, existing.id).email == "dr.who@stelsewhere.org"


def test_an_account_outside_the_organisation_is_not_taken_over(scim, db):
    outsider = make_member(make_org(), make_user(email="someone@elsewhere.org")).user
    response = scim.post("/Users", nurse("someone@elsewhere.org"))
    assert response.status_code == 409 and response.get_json()["scimType"] == "uniqueness"
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == outsider.id)) == 1


def test_a_provisioned_account_follows_the_providers_email(scim, db):
    created = scim.post("/Users", nurse()).get_json()
    response = scim.patch(f"/Users/{created['id']}", [
        {"op": "replace", "path": "emails", "value": [{"value": "joy.n@stelsewhere.org", "primary": True}]}])
    assert response.status_code in (200, 204), response.data
    assert db.session.get(Membership, int(created["id"])).user.email == "joy.n@stelsewhere.org"


def test_token_page_shows_a_token_once(client, org, db):
    manager = make_member(org, role="manager").user
    client.login(manager)
    response = client.post(f"/orgs/{org.id}/scim", {"name": "Okta"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    import re

    token = re.search(r"data-scim-token>(scim_[A-Za-z0-9_-]+)<", response.data.decode()).group(1)
    assert token not in client.get(f"/orgs/{org.id}/scim").data.decode()
    from lms.scim.models import ScimToken

    assert db.session.scalar(select(func.count()).select_from(ScimToken).where(ScimToken.token_hash == token)) == 0


def _open_session(user):
    from lms.sessions.services import start_session

    row, _ = start_session(user, method="oidc", user_agent="test", ip="127.0.0.1", now=utcnow())
    return row


@pytest.mark.parametrize("retire", ["patch", "delete"])
def test_retiring_an_account_the_provider_made_signs_it_out_everywhere(scim, db, retire):
    from lms.sessions.models import UserSession

    body = scim.post("/Users", nurse()).get_json()
    m = db.session.get(Membership, int(body["id"]))
    first, second = _open_session(m.user), _open_session(m.user)
    scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "title", "value": "Charge nurse"}])
    assert first.ended_at is None, "an ordinary update signs nobody out"
    if retire == "patch":
        response = scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "active", "value": False}])
    else:
        response = scim.delete(f"/Users/{body['id']}")
    assert response.status_code in (200, 204), response.data
    rows = db.session.scalars(select(UserSession).where(UserSession.id.in_([first.id, second.id]))).all()
    assert [(r.ended_at is not None, r.ended_reason) for r in rows] == [(True, "deprovisioned")] * 2


def test_retiring_an_adopted_account_keeps_its_sessions(scim, org, db):
    """The person had the account before the organisation's provider: other organisations may rely on it."""
    existing = make_member(org, make_user(email="dr.who@stelsewhere.org")).user
    row = _open_session(existing)
    created = scim.post("/Users", nurse("dr.who@stelsewhere.org")).get_json()
    scim.patch(f"/Users/{created['id']}", [{"op": "replace", "path": "active", "value": False}])
    assert db.session.get(Membership, int(created["id"])).deactivated_at is not None
    db.session.refresh(row)
    assert row.ended_at is None


@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_json_content_type_on_a_request_without_a_body_is_served(scim, db, method):
    """Some SCIM clients send ``Content-Type: application/scim+json`` on every request, GET and DELETE too."""
    body = scim.post("/Users", nurse()).get_json()
    headers = {"Content-Type": SCIM}
    assert scim.get(f"/Users/{body['id']}", token="scim_not-a-token", headers=headers).status_code == 401
    response = getattr(scim, method)(f"/Users/{body['id']}", headers=headers)
    assert response.status_code == (200 if method == "get" else 204), response.data
    # A body that is there is still checked: a JSON array is refused.
    assert scim._call("post", "/Users", ["not", "an", "object"]).status_code == 400
