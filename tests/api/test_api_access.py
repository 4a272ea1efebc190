"""Each token scope and role may do exactly what the matching web page allows.

For every API route with a web twin, the same person asks both: the page with their session, the API
with a personal token holding every scope. Allowed (2xx, or a page's redirect after a POST), 403 and 404
must agree. Then the scope alone decides: without its scope a token gets 403 where its owner was
allowed; with only that scope it gets the full answer. Service tokens act as their manager inside
their own organisation only.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.api import tokens
from lms.certificates.models import Certificate
from lms.extensions import db as _db
from lms.types import utcnow
from tests.api.conftest import personal_token, service_token
from tests.factories import make_assignment, make_course, make_meeting, make_member, make_org, make_team
from tests.http.access import make_people

ROLES = ("member", "educator", "manager", "other_manager", "admin")

# (api method, api path, scope, web method, web path)
TWINS = [
    ("GET", "/api/v1/orgs/{org}/members", "org:read", "GET", "/orgs/{org}/members"),
    ("GET", "/api/v1/orgs/{org}/invitations", "org:read", "GET", "/orgs/{org}/members"),
    ("GET", "/api/v1/orgs/{org}/teams", "org:read", "GET", "/orgs/{org}/teams"),
    ("POST", "/api/v1/orgs/{org}/invitations", "org:write", "POST", "/orgs/{org}/invitations"),
    ("GET", "/api/v1/orgs/{org}/assignments", "training:read", "GET", "/training/orgs/{org}/assignments"),
    ("GET", "/api/v1/orgs/{org}/compliance", "training:read", "GET", "/training/orgs/{org}/compliance"),
    ("GET", "/api/v1/meetings/{meeting}", "meetings:read", "GET", "/meetings/{meeting}"),
    ("GET", "/api/v1/meetings/{meeting}/invitations", "meetings:read", "GET", "/meetings/{meeting}/edit"),
    ("GET", "/api/v1/meetings/{meeting}/attendance", "meetings:read", "GET", "/meetings/{meeting}/attendance"),
    ("GET", "/api/v1/activities/{course}", "catalog:read", "GET", "/courses/{course}"),
    ("GET", "/api/v1/activities/{draft}", "catalog:read", "GET", "/courses/{draft}"),
    ("POST", "/api/v1/activities/{course}/enrolment", "learning:write", "POST", "/courses/{course}/enrol"),
    ("GET", "/api/v1/me/certificates/{certificate}", "certificates:read", "GET", "/certificates/{certificate}"),
    ("GET", "/api/v1/me/transcript", "credits:read", "GET", "/credits/transcript"),
    ("GET", "/api/v1/me/requirements", "credits:read", "GET", "/credits/requirements"),
]
BODIES = {"/api/v1/orgs/{org}/invitations": {"email": "new@example.org", "role": "member"}}
WEB_FORMS = {"/orgs/{org}/invitations": {"email": "new@example.org", "role": "member", "team_id": ""}}


@pytest.fixture
def world(db):
    org, other = make_org(kind="provider", is_accredited_provider=True), make_org()
    people = make_people(org, other)
    make_team(org, members=[make_member(org)])
    course = make_course(org, author=people["educator"])
    draft = make_course(org, author=people["educator"], publish=False)
    make_assignment(org, people["manager"], course=course)
    meeting = make_meeting(org, people["manager"], invitees=[people["member"]],
                           starts_at=utcnow() - timedelta(minutes=5))
    certificate = Certificate(learner_id=people["member"].id, kind="credit", activity_kind="course",
                              activity_id=course.id, provider_org_id=org.id, template_ref="builtin:credit/1",
                              snapshot={"title": "Certificate of Completion", "credits": [],
                                        "activity": {"title": "A course", "dates": "1 Dec 2026", "date": "2026-12-01"},
                                        "provider": {"name": org.name}, "issued_on": "1 Dec 2026",
                                        "learner": {"display_name": people["member"].display_name}}, sha256="0" * 64, size=1,
                              code_hash="1" * 64, code="TESTCODE")
    _db.session.add(certificate)
    _db.session.flush()
    ids = {"org": org.id, "other": other.id, "meeting": meeting.id, "course": course.id, "draft": draft.id,
           "certificate": certificate.id}
    return people, ids


def verdict(status: int, *, web: bool) -> str:
    if status in (403, 404):
        return str(status)
    if 200 <= status < 300 or (web and status in (302, 303)):
        return "ok"
    return f"unexpected {status}"


def web_status(make_client, user, method, path, form=None):
    browser = make_client()
    browser.login(user)
    return browser.get(path).status_code if method == "GET" else browser.post(path, form or {}).status_code


def api_status(api, secret, method, path, body=None):
    client = api(secret)
    return client.get(path).status_code if method == "GET" else client.post(path, body or {}).status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("twin", TWINS, ids=lambda t: f"{t[0]} {t[1]}")
def test_token_sees_what_the_web_page_shows(twin, role, world, api, make_client):
    people, ids = world
    method, template, scope, web_method, web_template = twin
    user = people[role]
    web = web_status(make_client, user, web_method, web_template.format(**ids), WEB_FORMS.get(web_template))
    # The POST rows create things: the web request's work is undone before the API's, by a new invitee address.
    body = {**BODIES[template], "email": f"api-{role}@example.org"} if template in BODIES else None
    answer = api_status(api, personal_token(user), method, template.format(**ids), body)
    assert verdict(answer, web=False) == verdict(web, web=True), f"{role}: web {web}, api {answer}"


@pytest.mark.parametrize("twin", TWINS, ids=lambda t: f"{t[0]} {t[1]}")
def test_the_scope_is_required_and_sufficient(twin, world, api):
    people, ids = world
    method, template, scope, *_ = twin
    user = people["admin"]  # allowed everywhere: only the scope can refuse
    path = template.format(**ids)
    others = [s for s in tokens.SCOPES if s != scope]
    body = BODIES.get(template)
    assert api_status(api, personal_token(user, scopes=others), method, path, body) == 403
    assert verdict(api_status(api, personal_token(user, scopes=[scope]), method, path,
                              {**body, "email": "only-scope@example.org"} if body else None), web=False) == "ok"


def test_read_scope_does_not_write_and_write_does_not_read(world, api):
    people, ids = world
    manager = people["manager"]
    reader = api(personal_token(manager, scopes=["org:read"]))
    assert reader.post(f"/api/v1/orgs/{ids['org']}/invitations", {"email": "w@example.org"}).status_code == 403
    writer = api(personal_token(manager, scopes=["org:write"]))
    assert writer.get(f"/api/v1/orgs/{ids['org']}/members").status_code == 403


def test_service_token_is_its_manager_inside_its_organisation_only(world, api):
    people, ids = world
    client = api(service_token(people["manager"], _db.session.get(__import__("lms.orgs.models").orgs.models.Organisation,
                                                                   ids["org"])))
    assert client.get(f"/api/v1/orgs/{ids['org']}/members").status_code == 200
    assert client.get(f"/api/v1/orgs/{ids['org']}/compliance").status_code == 200
    assert client.get(f"/api/v1/meetings/{ids['meeting']}/attendance").status_code == 200
    assert [o["id"] for o in client.get("/api/v1/orgs").get_json()] == [ids["org"]]
    # Another organisation the manager also runs stays invisible to this organisation's token.
    make_member(_db.session.get(__import__("lms.orgs.models").orgs.models.Organisation, ids["other"]),
                people["manager"], role="manager")
    assert client.get(f"/api/v1/orgs/{ids['other']}/members").status_code == 404
    assert api(personal_token(people["manager"])).get(f"/api/v1/orgs/{ids['other']}/members").status_code == 200
    # Personal resources are not the organisation's.
    assert client.get("/api/v1/me/transcript").status_code == 403


def test_other_organisation_meetings_are_not_listed(world, api):
    people, ids = world
    listed = api(personal_token(people["other_manager"])).get("/api/v1/meetings").get_json()["data"]
    assert ids["meeting"] not in [m["id"] for m in listed]
    mine = api(personal_token(people["member"])).get("/api/v1/meetings").get_json()["data"]
    assert ids["meeting"] in [m["id"] for m in mine]
    assert api(personal_token(people["educator"])).get("/api/v1/meetings").get_json()["data"] == []
