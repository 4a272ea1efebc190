"""A claim whose certificate is not issued yet shows as "being prepared" to its learner."""

from __future__ import annotations

from decimal import Decimal

from tests.credits.conftest import NOW, acts  # noqa: F401
from tests.factories import make_org, make_user


def test_a_certificate_not_yet_issued_is_shown_as_being_prepared(client, db, acts):  # noqa: F811
    from lms.certificates import services
    from lms.credits import services as credits

    org = make_org(kind="provider", is_accredited_provider=True)
    learner = make_user(profession="physician_md")
    info = acts.add(org=org, title="Safer opioid prescribing", designations={"ama_pra_1": Decimal("1.5")})
    acts.complete(learner, info)
    claim = credits.claim_credit(learner, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=NOW)
    db.session.flush()  # the worker has not run yet
    page = client.login(learner).get("/certificates/").get_data(as_text=True)
    assert "Being prepared" in page and "Safer opioid prescribing" in page
    pending = client.get(f"/certificates/claims/{claim.id}")
    assert pending.status_code == 200 and 'http-equiv="refresh"' in pending.get_data(as_text=True)

    services.issue_credit_certificate(learner.id, "course", info.id, now=NOW)
    db.session.flush()
    assert "Being prepared" not in client.get("/certificates/").get_data(as_text=True)
    assert client.get(f"/certificates/claims/{claim.id}").status_code == 302


def test_others_see_nothing_of_it(client, db, acts):  # noqa: F811
    from lms.credits import services as credits

    learner = make_user(profession="physician_md")
    info = acts.add(designations={"ama_pra_1": Decimal("1.5")})
    acts.complete(learner, info)
    credits.claim_credit(learner, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=NOW)
    db.session.flush()
    assert "Being prepared" not in client.login(make_user()).get("/certificates/").get_data(as_text=True)
