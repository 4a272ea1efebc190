"""URL × role × expected status for practice management (training, compliance, roster).

Everything under an organisation is for its managers: members and educators get 403, another
organisation's manager 404; a learner's own pages are for anyone signed in.
"""

from __future__ import annotations

import pytest

from tests.factories import (
    make_assignment,
    make_course,
    make_member,
    make_org,
    make_user,
)
from tests.http.access import ROLES, check_access, org_scoped, signed_in

MATRIX = {
    "training.mine": ("GET", "/training/mine", signed_in(200)),
    "training.settings": ("GET", "/training/settings", signed_in(200)),
    # Only someone the assignment applies to may start it (the member, as everyone is assigned here).
    "training.start": ("POST", "/training/assignments/{assignment}/start",
                       {**signed_in(404), "member": 302, "educator": 302, "manager": 302}),
    "training.dashboard": ("GET", "/training/orgs/{org}/compliance", org_scoped(200)),
    "training.dashboard_csv": ("GET", "/training/orgs/{org}/compliance.csv", org_scoped(200)),
    "training.dashboard_pdf": ("GET", "/training/orgs/{org}/compliance.pdf", org_scoped(200)),
    "training.person": ("GET", "/training/orgs/{org}/people/{membership}", org_scoped(200)),
    "training.assignments": ("GET", "/training/orgs/{org}/assignments", org_scoped(200)),
    "training.edit_assignment": ("GET", "/training/orgs/{org}/assignments/{assignment}/edit", org_scoped(200)),
    "training.remove_assignment": ("POST", "/training/orgs/{org}/assignments/{assignment}/remove", org_scoped(302)),
    "training.record_completion": ("POST", "/training/orgs/{org}/people/{membership}/records", org_scoped(302)),
    "training.void_record": ("POST", "/training/orgs/{org}/records/{record}/void", org_scoped(302)),
    "training.roster_upload": ("GET", "/training/orgs/{org}/roster", org_scoped(200)),
    "training.roster_template": ("GET", "/training/orgs/{org}/roster/template.csv", org_scoped(200)),
    "training.roster_preview": ("GET", "/training/orgs/{org}/roster/{roster_import}", org_scoped(200)),
    "training.roster_apply": ("POST", "/training/orgs/{org}/roster/{roster_import}/discard", org_scoped(302)),
    "training.deactivate_leavers": ("POST", "/training/orgs/{org}/roster/leavers", org_scoped(302)),
    "training.roster_add": ("POST", "/training/orgs/{org}/roster/add", org_scoped(302)),
}


@pytest.fixture
def world(db):
    from lms.training.models import RosterImport, TrainingRecord
    from lms.types import utcnow

    org, other = make_org(), make_org()
    people = {
        "member": make_member(org).user,
        "educator": make_member(org, role="educator").user,
        "manager": make_member(org, role="manager").user,
        "other_manager": make_member(other, role="manager").user,
        "admin": make_user(admin=True),
    }
    member = make_member(org)
    course = make_course(org)
    assignment = make_assignment(org, people["manager"], course=course)
    imp = RosterImport(org_id=org.id, created_by_id=people["manager"].id, file_sha256="0" * 64,
                       rows=[], errors=[], status="preview")
    record = TrainingRecord(org_id=org.id, user_id=member.user_id, item_kind="course", course_id=course.id,
                            completed_on=utcnow().date(), recorded_by_id=people["manager"].id)
    db.session.add_all([imp, record])
    db.session.flush()
    return people, {"org": org.id, "membership": member.id, "assignment": assignment.id, "roster_import": imp.id,
                    "record": record.id}


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
