from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from lms.activities import ActivityInfo, Participation
from tests.credits import fake_activity
from tests.factories import make_org

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)
_ids = itertools.count(1000)


class Activities:
    """Create activities and learners' participation in them."""

    def add(self, *, org=None, designations=None, title="Opioid prescribing: safer pain management",
            format="enduring", topics=("pain management/opioids",), acpe_uan=None, kind="course") -> ActivityInfo:
        org = org or make_org(name="Northbridge CME Institute", kind="provider")
        info = ActivityInfo(
            kind=kind, id=next(_ids), version=1, title=title, format=format, provider_org_id=org.id,
            provider_name=org.name, designations=designations or {"ama_pra_1": Decimal("1.5")},
            start_date=date(2026, 1, 1), end_date=date(2028, 12, 31), timezone="America/New_York",
            topics=tuple(topics), acpe_uan=acpe_uan)
        fake_activity.INFOS[info.id] = info
        return info

    def complete(self, learner, info, *, evaluation=True, at=NOW, max_claimable=None):
        fake_activity.PARTICIPATION[(learner.id, info.id)] = Participation(
            completed_at=at, evaluation_submitted=evaluation, max_claimable=max_claimable)


@pytest.fixture
def acts(monkeypatch, db):
    """Route the "course" and "meeting" activity kinds to the stand-in provider."""
    monkeypatch.setitem(__import__("lms.activities").activities.ACTIVITY_KINDS, "course", "tests.credits.fake_activity")
    monkeypatch.setitem(__import__("lms.activities").activities.ACTIVITY_KINDS, "meeting", "tests.credits.fake_activity")
    fake_activity.INFOS.clear()
    fake_activity.PARTICIPATION.clear()
    fake_activity.TAKEN.clear()
    yield Activities()
    fake_activity.INFOS.clear()
    fake_activity.PARTICIPATION.clear()
    fake_activity.TAKEN.clear()
