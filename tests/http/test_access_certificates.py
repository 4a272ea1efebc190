"""URL × role × expected status for the certificate routes.

The "member" claimed credit for the provider's stand-in activity and holds its certificate.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.activities import ACTIVITY_KINDS
from tests.credits import fake_activity
from tests.credits.conftest import NOW, Activities
from tests.factories import make_org
from tests.http.access import ROLES, check_access, everyone, make_people, org_scoped, signed_in

OWNER = {**signed_in(404), "member": 200, "admin": 200}
EDUCATORS = org_scoped(200, educator=200)
EDUCATOR_POSTS = org_scoped(302, educator=302)

MATRIX = {
    "certificates.index": ("GET", "/certificates/", signed_in(200)),
    "certificates.show": ("GET", "/certificates/{certificate}", OWNER),
    "certificates.download": ("GET", "/certificates/{certificate}/download", OWNER),
    "certificates.badge": ("GET", "/certificates/{certificate}/badge.json", OWNER),
    "certificates.badge_jwt": ("GET", "/certificates/{certificate}/badge.jwt", OWNER),
    "certificates.reissue": ("POST", "/certificates/{certificate}/reissue", {**OWNER, "member": 302, "admin": 400}),
    "certificates.for_claim": ("GET", "/certificates/claims/{claim}", {**signed_in(404), "member": 302}),
    "certificates.issue_for_claim": ("POST", "/certificates/claims/{claim}/issue", {**signed_in(404), "member": 302}),
    "certificates.request_attendance": ("GET", "/certificates/attendance/999999", signed_in(404)),
    "certificates.verify_form": ("GET", "/verify", everyone(200)),
    "certificates.verify": ("GET", "/verify/{code}", everyone(200)),
    "certificates.verify_json": ("GET", "/verify/{code}.json", everyone(200)),
    "certificates.public_key": ("GET", "/certificates/keys/{org}.json", everyone(200)),
    "certificates.status_list": ("GET", "/certificates/status/{org}/0.json", everyone(200)),
    "certificates.achievement": ("GET", "/certificates/achievements/course/{activity}", everyone(200)),
    "certificates.activity": ("GET", "/certificates/activities/course/{activity}", EDUCATORS),
    "certificates.activity_zip": ("GET", "/certificates/activities/course/{activity}/certificates.zip", EDUCATORS),
    "certificates.bulk": ("POST", "/certificates/activities/course/{activity}/issue", EDUCATOR_POSTS),
    "certificates.run": ("GET", "/certificates/runs/{run}", EDUCATORS),
    "certificates.revoke": ("POST", "/certificates/{certificate}/revoke", EDUCATOR_POSTS),
    "certificates.templates": ("GET", "/certificates/templates/org/{org}", EDUCATORS),
    "certificates.edit_template": ("GET", "/certificates/templates/{template}", EDUCATORS),
    "certificates.activate_template": ("POST", "/certificates/templates/{template}/activate", EDUCATOR_POSTS),
    "certificates.preview": ("POST", "/certificates/templates/org/{org}/preview", org_scoped(422, educator=422)),
    "certificates.upload_asset": ("POST", "/certificates/templates/org/{org}/assets", EDUCATOR_POSTS),
    "certificates.new_design": ("GET", "/certificates/design/org/{org}", EDUCATORS),
    "certificates.design": ("GET", "/certificates/design/{template}", EDUCATORS),
    "certificates.design_preview": ("POST", "/certificates/design/org/{org}/preview", org_scoped(422, educator=422)),
}


@pytest.fixture
def world(db, app, monkeypatch):
    from lms.certificates import badges, designs, services
    from lms.certificates.models import BulkRun
    from lms.credits import services as credits

    monkeypatch.setitem(ACTIVITY_KINDS, "course", "tests.credits.fake_activity")
    org, other = make_org(kind="provider"), make_org()
    people = make_people(org, other, profession="physician_md")
    activities = Activities()
    info = activities.add(org=org)
    activities.complete(people["member"], info)
    claim = credits.claim_credit(people["member"], "course", info.id, "ama_pra_1", Decimal("1.5"), attested=True,
                                 now=NOW)
    certificate = services.issue_credit_certificate(people["member"].id, "course", info.id, now=NOW).certificate
    badges.signing_key(org.id, now=NOW)
    template = designs.create_template(people["educator"], org, kind="credit", name="Ours", now=NOW,
                                       data=designs.TemplateData(html="<p>{{ learner.name }}</p>", css="",
                                                                 page_size="A4"))
    run = BulkRun(org_id=org.id, activity_kind="course", activity_id=info.id, action="issue", status="finished")
    db.session.add(run)
    db.session.flush()
    yield people, {"activity": info.id, "claim": claim.id, "certificate": certificate.id, "code": certificate.code,
                   "org": org.id, "template": template.id, "run": run.id}
    fake_activity.INFOS.clear()
    fake_activity.PARTICIPATION.clear()


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
