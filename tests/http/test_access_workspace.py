"""URL × role × expected status for the workspace: the activity list and the activity hub are for the
organisation's educators and managers (members 403, another organisation's manager 404)."""

from __future__ import annotations

import pytest

from tests.factories import make_course, make_meeting, make_org
from tests.http.access import ROLES, check_access, make_people, org_scoped

EDUCATORS = dict(educator=200)

MATRIX = {
    "workspace.activities": ("GET", "/workspace/orgs/{org}/activities", org_scoped(200, **EDUCATORS)),
    "workspace.hub": ("GET", "/workspace/hub/course/{course}?tab=credit", org_scoped(200, **EDUCATORS)),
}
# Every tab of both kinds, for the roles that may see them, and what a tired or hostile URL gets.
HUB_PATHS = [f"/workspace/hub/{kind}/{{{kind}}}?tab={tab}" for kind in ("course", "meeting")
             for tab in ("overview", "content", "people", "credit", "certificates", "evaluation", "exports")]


@pytest.fixture
def world(db):
    org, other = make_org(kind="provider", is_accredited_provider=True), make_org()
    people = make_people(org, other)
    course = make_course(org, author=people["educator"])
    meeting = make_meeting(org, people["educator"], category="education")
    return people, {"org": org.id, "course": course.id, "meeting": meeting.id}


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)


@pytest.mark.parametrize("path", HUB_PATHS)
@pytest.mark.parametrize("role,status", [("educator", 200), ("manager", 200), ("admin", 200), ("member", 403),
                                         ("other_manager", 404)])
def test_every_hub_tab(path, role, status, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, "GET", path, {role: status}, role)


@pytest.mark.parametrize("path", ["/workspace/hub/course/{course}?tab=nope", "/workspace/hub/course/999999",
                                  "/workspace/hub/meeting/999999", "/workspace/hub/quiz/{course}",
                                  "/workspace/orgs/999999/activities", "/workspace/hub/course/{course}?tab=%3Cscript%3E"])
def test_bad_hub_urls_are_404(path, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, "GET", path, {"educator": 404}, "educator")
