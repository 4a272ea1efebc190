"""Twenty identical claims at the same moment make exactly one ledger entry."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from lms.activities import ACTIVITY_KINDS
from tests.conftest import base_config, require_postgres, upgrade_database
from tests.credits.conftest import NOW, Activities
from tests.credits import fake_activity

pytestmark = pytest.mark.slow


def race(database_url: str, tmp_path, monkeypatch, attempts: int = 20):
    from lms import create_app
    from lms.credits import services as credits
    from lms.credits.models import CreditEntry
    from lms.extensions import db
    from tests.factories import make_org, make_user

    monkeypatch.setitem(ACTIVITY_KINDS, "course", "tests.credits.fake_activity")
    # Every thread gets its own connection.
    app = create_app(base_config(tmp_path, database_url) | {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": attempts + 2}})
    upgrade_database(app)
    with app.app_context():
        learner = make_user(profession="physician_md")
        info = Activities().add(org=make_org(kind="provider"))
        Activities().complete(learner, info)
        db.session.commit()
        learner_id = learner.id

    barrier = threading.Barrier(attempts, timeout=30)
    outcomes: list[str] = []

    def attempt():
        with app.app_context():
            from lms.users.models import User

            barrier.wait()
            user = db.session.get(User, learner_id)
            try:
                credits.claim_credit(user, "course", info.id, "ama_pra_1", Decimal("1.5"), attested=True, now=NOW)
                db.session.commit()
                outcomes.append("claimed")
            except credits.AlreadyClaimed:
                db.session.rollback()
                outcomes.append("already")
            except Exception as exc:  # pragma: no cover - shown in the assertion
                db.session.rollback()
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with app.app_context():
        rows = db.session.scalars(db.select(CreditEntry).where(CreditEntry.learner_id == learner_id)).all()
        db.engine.dispose()
    fake_activity.INFOS.clear()
    fake_activity.PARTICIPATION.clear()
    return outcomes, rows


@pytest.mark.postgres
def test_twenty_concurrent_identical_claims_on_postgresql(tmp_path, monkeypatch):
    outcomes, rows = race(require_postgres("race"), tmp_path, monkeypatch)
    assert sorted(outcomes) == ["already"] * 19 + ["claimed"], outcomes
    assert len(rows) == 1 and rows[0].amount == Decimal("1.5")


def test_twenty_concurrent_identical_claims_on_sqlite(tmp_path, monkeypatch):
    outcomes, rows = race(f"sqlite:///{tmp_path}/race.db", tmp_path, monkeypatch)
    assert outcomes.count("claimed") == 1 and len(rows) == 1, outcomes
    # SQLite serialises writers: the others either see the claim or lose on the unique index.
    assert set(outcomes) <= {"claimed", "already"}, outcomes
