"""URL × role × expected status for the package routes (pages, the LRS, content, the automation API).

The machine-facing routes (``xapi.*``) ignore the session cookie: without the AU's token or the
LRS credential they answer 401 to everyone; the content path is a capability URL (128-bit key).
"""

from __future__ import annotations

import pytest

from tests.http.access import ROLES, check_access, everyone, make_people, org_scoped, signed_in

ENROLLED_ONLY = {**signed_in(302), "member": 200}

MATRIX = {
    "packages.play": ("GET", "/packages/courses/{course}/lessons/{lesson}", ENROLLED_ONLY),
    "packages.launch": ("POST", "/packages/courses/{course}/lessons/{lesson}/launch/0",
                        {**signed_in(400), "member": 303}),
    "packages.scorm_commit": ("POST", "/packages/courses/{course}/lessons/{lesson}/scorm/999999", signed_in(404)),
    "packages.import_into_lesson": ("POST", "/packages/courses/{draft}/lessons/{draft_lesson}/import",
                                    org_scoped(302, educator=302)),
    "packages.report": ("GET", "/packages/courses/{course}/report", org_scoped(200, educator=200)),
    "packages.report_csv": ("GET", "/packages/courses/{course}/report/attempts.csv", org_scoped(200, educator=200)),
    "packages.external_lrs": ("GET", "/packages/orgs/{org}/lrs", org_scoped(200)),
    "xapi.about": ("GET", "/xapi/about", everyone(200)),
    "xapi.statements": ("GET", "/xapi/statements", everyone(401)),
    "xapi.state": ("GET", "/xapi/activities/state", everyone(401)),
    "xapi.agent_profile": ("GET", "/xapi/agents/profile", everyone(401)),
    "xapi.fetch": ("POST", "/cmi5/fetch/not-a-token", everyone(200)),
    "xapi.content": ("GET", "/packages/content/{key}/index.html", everyone(200)),
    "xapi.api_import": ("POST", "/packages/api/courses", everyone(401)),
    "xapi.api_delete": ("DELETE", "/packages/api/courses/{package}", everyone(401)),
    "xapi.api_launch_url": ("POST", "/packages/api/courses/{package}/launch-url/0", everyone(401)),
    "xapi.api_waive": ("POST", "/packages/api/registrations/00000000-0000-0000-0000-000000000000/waive/0",
                       everyone(401)),
    "xapi.api_abandon": ("POST", "/packages/api/sessions/00000000-0000-0000-0000-000000000000/abandon",
                         everyone(401)),
    "xapi.api_registrations": ("GET", "/packages/api/courses/{package}/registrations", everyone(401)),
}


@pytest.fixture
def world(db, tmp_path):
    from courses import services
    from lms.types import utcnow
    from tests.factories import make_org
    from tests.packages.builders import cmi5_zip
    from tests.packages.factories import make_package_course

    org, other = make_org(kind="provider"), make_org()
    people = make_people(org, other)
    course, package = make_package_course(org, people["educator"], cmi5_zip(), tmp_path)
    services.enrol(people["member"], course, now=utcnow())
    draft, _ = make_package_course(org, people["educator"], cmi5_zip(), tmp_path, publish=False, title="Draft")
    ids = {"org": org.id, "course": course.id, "lesson": course.current_version.lessons[0].id, "package": package.id,
           "key": package.storage_key, "draft": draft.id, "draft_lesson": draft.draft_version.lessons[0].id}
    return people, ids


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    method, template, expected = MATRIX[endpoint]
    if method == "DELETE":
        browser = make_client()
        if role != "anonymous":
            browser.login(people[role])
        response = browser._isolated(browser.http.delete, template.format(**ids))
        assert response.status_code == expected[role]
        return
    check_access(make_client, people, ids, method, template, expected, role)
