from __future__ import annotations

from decimal import Decimal

import pytest

from tests.credits.conftest import NOW, acts  # noqa: F401  (the stand-in activity provider)
from tests.factories import make_org, make_user


@pytest.fixture
def issued(db, acts):  # noqa: F811
    """A physician who claimed 1.25 AMA PRA Category 1 credits, and the certificate it issued."""
    from lms.certificates import services
    from lms.credits import services as credits

    org = make_org(name="Northbridge CME Institute", kind="provider", is_accredited_provider=True)
    learner = make_user(first_name="Priya", last_name="Raman", credentials="MD", profession="physician_md")
    info = acts.add(org=org, designations={"ama_pra_1": Decimal("1.5")})
    acts.complete(learner, info)
    claim = credits.claim_credit(learner, "course", info.id, "ama_pra_1", Decimal("1.25"), attested=True, now=NOW)
    result = services.issue_credit_certificate(learner.id, "course", info.id, now=NOW)
    db.session.flush()
    return learner, info, claim, result.certificate
