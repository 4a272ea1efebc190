"""Training reminders and the weekly digest: before the due date, when overdue, never twice a day,
and the opt-out covers optional mail only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from lms.orgs.models import Membership
from lms.training.models import Assignment
from lms.training.reminders import send_training_reminders
from lms.training.services import set_opt_out
from tests.factories import (
    complete_course,
    make_assignment,
    make_course,
    make_member,
    make_org,
    make_user,
)

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def setup(db):
    org = make_org(name="Riverside")
    manager = make_member(org, make_user(email="boss@example.org"), role="manager").user
    keen = make_member(org, make_user(email="keen@example.org")).user
    quiet = make_member(org, make_user(email="quiet@example.org")).user
    mandatory = make_course(make_org(kind="provider"), title="OSHA bloodborne pathogens")
    optional = make_course(make_org(kind="provider"), title="Optional refresher")
    for member in (manager, keen, quiet):
        db.session.scalar(select(Membership).where(Membership.user_id == member.id)).created_at = MONDAY - timedelta(days=300)
    make_assignment(org, manager, course=mandatory, due_on=MONDAY.date() + timedelta(days=14),
                    now=MONDAY - timedelta(days=30))
    make_assignment(org, manager, course=optional, due_on=MONDAY.date() + timedelta(days=14), mandatory=False,
                    now=MONDAY - timedelta(days=30))
    set_opt_out(quiet, True, now=MONDAY)
    set_opt_out(manager, False, now=MONDAY)
    db.session.flush()
    return org, manager, keen, quiet


def sent_to(outbox) -> list[tuple[str, str]]:
    return sorted((m["To"], m["Subject"]) for m in outbox.messages)


def test_due_reminders_and_digest_never_twice_a_day_and_opt_out_only_for_optional(app, db, outbox):
    setup(db)
    with time_machine.travel(MONDAY, tick=False):
        assert send_training_reminders(MONDAY) == (5, 1)
        assert send_training_reminders(MONDAY) == (0, 0)
    subjects = sent_to(outbox)
    assert [s for to, s in subjects if to == "quiet@example.org"] == ["Due 14 Dec 2026: OSHA bloodborne pathogens"]
    assert sorted(s for to, s in subjects if to == "keen@example.org") == [
        "Due 14 Dec 2026: OSHA bloodborne pathogens", "Due 14 Dec 2026: Optional refresher"]
    assert ("boss@example.org", "Training compliance this week: Riverside") in subjects
    text = outbox.last_text("quiet@example.org")
    assert "mandatory" in text and "https://continuum.example.org/training/mine" in text


def test_no_reminder_on_other_days_and_overdue_every_seven_days(app, db, outbox):
    setup(db)
    tuesday = MONDAY + timedelta(days=1)
    with time_machine.travel(tuesday, tick=False):
        assert send_training_reminders(tuesday) == (0, 0)  # 13 days before, not a digest day
    due = MONDAY.date() + timedelta(days=14)
    counts = {}
    for offset in (1, 2, 8):
        day = datetime.combine(due + timedelta(days=offset), datetime.min.time(), tzinfo=UTC)
        with time_machine.travel(day, tick=False):
            counts[offset] = send_training_reminders(day)[0]
    # The first day overdue and a week later; keen gets both items, quiet the mandatory one, the manager both.
    assert counts == {1: 5, 2: 0, 8: 5}
    assert any(s.startswith("Overdue: OSHA") for to, s in sent_to(outbox) if to == "quiet@example.org")


def test_completed_items_are_not_reminded_and_the_manager_can_opt_out_of_the_digest(app, db, outbox):
    org, manager, keen, _ = setup(db)
    for a in db.session.scalars(select(Assignment).where(Assignment.org_id == org.id)):
        complete_course(keen, a.course, at=MONDAY - timedelta(days=1))
    set_opt_out(manager, True, now=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        _, digests = send_training_reminders(MONDAY)
    assert digests == 0
    assert not [1 for to, _ in sent_to(outbox) if to == "keen@example.org"]
    # The manager's own mandatory reminder still goes: mandatory mail ignores the opt-out.
    assert [s for to, s in sent_to(outbox) if to == "boss@example.org"] == ["Due 14 Dec 2026: OSHA bloodborne pathogens"]


def test_the_cli_command_sends_requirement_and_training_reminders(app, db, outbox):
    setup(db)
    with time_machine.travel(MONDAY, tick=False):
        first = app.test_cli_runner().invoke(args=["lms", "send-reminders"])
        second = app.test_cli_runner().invoke(args=["lms", "send-reminders"])
    assert "5 training reminders and 1 manager digest sent" in first.output, first.output
    assert "0 training reminders and 0 manager digests sent" in second.output
    assert date(2026, 11, 30).weekday() == 0


def test_the_practices_own_date_decides_the_digest_day(app, db, outbox):
    org, *_ = setup(db)
    org.timezone = "Pacific/Auckland"  # UTC+13 in November: Sunday noon UTC is Monday 01:00 there
    sunday_noon_utc = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    with time_machine.travel(sunday_noon_utc, tick=False):
        assert send_training_reminders(sunday_noon_utc)[1] == 1
