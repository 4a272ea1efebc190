"""URL × role × expected status for the credit routes.

The world has a provider organisation whose stand-in activity (``tests.credits.fake_activity``)
the "member" completed and claimed; the member also has external credit with a certificate
and a tracked requirement.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.activities import ACTIVITY_KINDS
from tests.credits import fake_activity
from tests.credits.conftest import NOW, Activities
from tests.factories import make_org
from tests.http.access import ROLES, check_access, make_people, org_scoped, signed_in

OWNER_ONLY = {**signed_in(404), "member": 200}
EDUCATORS = org_scoped(200, educator=200)
EDUCATOR_POSTS = org_scoped(302, educator=302)

MATRIX = {
    "credits.claim": ("GET", "/credits/claim/course/{activity}", signed_in(200)),
    "credits.transcript": ("GET", "/credits/transcript", signed_in(200)),
    "credits.transcript_csv": ("GET", "/credits/transcript.csv", signed_in(200)),
    "credits.transcript_pdf": ("GET", "/credits/transcript.pdf", signed_in(200)),
    "credits.external": ("GET", "/credits/external", signed_in(200)),
    "credits.external_certificate": ("GET", "/credits/external/{external}/certificate", OWNER_ONLY),
    "credits.requirements": ("GET", "/credits/requirements", signed_in(200)),
    "credits.add_template_requirement": ("POST", "/credits/requirements/template", signed_in(422)),
    "credits.add_custom_requirement": ("POST", "/credits/requirements/custom", signed_in(422)),
    "credits.delete_requirement": ("POST", "/credits/requirements/{requirement}/delete",
                                   {**signed_in(404), "member": 302}),
    "credits.activity_claims": ("GET", "/credits/activities/course/{activity}/claims", EDUCATORS),
    "credits.correct": ("POST", "/credits/entries/{entry}/correct", EDUCATOR_POSTS),
    "credits.revoke": ("POST", "/credits/entries/{entry}/revoke", EDUCATOR_POSTS),
    # No PARS activity ID is recorded in this world: the gate sends the educator back to the claims page.
    "credits.pars_learners": ("GET", "/credits/activities/course/{activity}/pars-learners.xlsx", EDUCATOR_POSTS),
    "credits.ja_pars_learners": ("GET", "/credits/activities/course/{activity}/ja-pars-learners.txt",
                                 EDUCATOR_POSTS),
    "credits.pars_activity_file": ("GET", "/credits/activities/course/{activity}/pars-activity.xlsx",
                                   EDUCATOR_POSTS),
    "credits.pars_registration": ("POST", "/credits/activities/course/{activity}/pars", EDUCATOR_POSTS),
    "credits.cpe_monitor_csv": ("GET", "/credits/activities/course/{activity}/cpe-monitor.csv", EDUCATORS),
}


@pytest.fixture
def world(db, app, monkeypatch):
    from lms.credits import services as credits
    from lms.credits.models import Requirement

    monkeypatch.setitem(ACTIVITY_KINDS, "course", "tests.credits.fake_activity")
    org, other = make_org(kind="provider"), make_org()
    people = make_people(org, other, profession="physician_md")
    activities = Activities()
    info = activities.add(org=org)
    activities.complete(people["member"], info)
    entry = credits.claim_credit(people["member"], "course", info.id, "ama_pra_1", Decimal("1.5"), attested=True,
                                 now=NOW)
    external = credits.add_external_credit(people["member"], credits.ExternalCreditData(
        "ACP", "Annual meeting", NOW.date(), "ama_pra_1", Decimal("3")), now=NOW,
        certificate=("0" * 32 + ".pdf", "certificate.pdf"))
    folder = __import__("pathlib").Path(app.config["INSTANCE_DIR"]) / "uploads" / "external"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("0" * 32 + ".pdf")).write_bytes(b"%PDF-1.4\n%%EOF\n")
    requirement = Requirement(learner_id=people["member"].id, name="Mine", total_required=Decimal(10))
    db.session.add(requirement)
    db.session.flush()
    yield people, {"activity": info.id, "entry": entry.id, "external": external.id, "requirement": requirement.id}
    fake_activity.INFOS.clear()
    fake_activity.PARTICIPATION.clear()


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
