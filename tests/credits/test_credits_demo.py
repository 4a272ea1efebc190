"""The demo physician has a real credit history, seeded once."""

from decimal import Decimal

from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.credits.models import CreditEntry, Requirement
from lms.demo import seed
from lms.users.models import User


def test_demo_physician_has_a_claim_a_certificate_and_a_requirement(db):
    seed()
    seed()
    physician = db.session.scalar(select(User).where(User.email == "physician@demo.continuum.test"))
    (entry,) = db.session.scalars(select(CreditEntry).where(CreditEntry.learner_id == physician.id)).all()
    assert (entry.kind, entry.amount, entry.credit_type_code) == ("claim", Decimal("1.25"), "ama_pra_1")
    assert len(db.session.scalars(select(Certificate).where(Certificate.learner_id == physician.id)).all()) == 1
    assert [r.template_code for r in db.session.scalars(select(Requirement).where(
        Requirement.learner_id == physician.id))] == ["ca-md"]
