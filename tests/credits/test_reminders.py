from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import time_machine

from lms.credits.models import Requirement
from tests.factories import make_user


def add_requirement(db, learner, days_left, total="10", today=date(2026, 11, 27)):
    requirement = Requirement(learner_id=learner.id, name="Texas physician licence", total_required=Decimal(total),
                              cycle_start=today - timedelta(days=700), cycle_end=today + timedelta(days=days_left))
    db.session.add(requirement)
    db.session.flush()
    return requirement


def test_reminders_go_out_at_90_30_and_7_days_and_never_twice_a_day(app, db, outbox):
    due = make_user(email="due@example.org")
    met = make_user(email="met@example.org")
    later = make_user(email="later@example.org")
    add_requirement(db, due, 30)
    add_requirement(db, met, 30, total="0")
    add_requirement(db, later, 31)
    runner = app.test_cli_runner()
    with time_machine.travel(datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc), tick=False):
        first = runner.invoke(args=["lms", "send-reminders"])
        second = runner.invoke(args=["lms", "send-reminders"])
    assert "1 requirement reminder sent" in first.output and "0 requirement reminders sent" in second.output
    assert [m["To"] for m in outbox.messages] == ["due@example.org"]
    text = outbox.last_text("due@example.org")
    assert "30 days" in text and "10 to go" in text and "https://continuum.example.org/credits/requirements" in text
