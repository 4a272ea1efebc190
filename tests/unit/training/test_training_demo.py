"""The demo practice shows every kind of training status, and seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.demo import seed
from lms.orgs.models import Organisation
from lms.training import compliance
from lms.training.models import Assignment, TrainingRecord
from lms.types import utcnow


def test_demo_seed_assigns_hipaa_yearly_and_is_idempotent(db):
    seed()
    seed()
    practice = db.session.scalar(select(Organisation).where(Organisation.name == "Riverside Family Practice"))
    assert db.session.scalar(select(func.count()).select_from(Assignment).where(Assignment.org_id == practice.id)) == 2
    assert db.session.scalar(select(func.count()).select_from(TrainingRecord)) == 2
    m = compliance.matrix(practice, utcnow().date())
    assert {"complete", "expired"} <= set(m.counts)
    assert all(a.recurrence_months == 12 for a in compliance.load_assignments([practice.id]))
