"""The assignment and recurrence rules as pure functions, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from lms.training import rules
from lms.training.rules import (
    COMPLETE,
    DUE_SOON,
    EXPIRED,
    NOT_STARTED,
    OVERDUE,
    Rule,
    status,
)

FIXED_NOW = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)


def today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(FIXED_NOW, tick=False):
        yield


def test_not_started_then_due_soon_then_overdue():
    rule = Rule(due_on=date(2026, 6, 1), assigned_on=date(2026, 3, 1))
    assert status(rule, [], today()).status == NOT_STARTED
    assert status(rule, [], date(2026, 5, 2)).status == DUE_SOON  # 30 days before
    assert status(rule, [], date(2026, 6, 1)).status == DUE_SOON  # due today is not overdue yet
    assert status(rule, [], date(2026, 6, 2)).status == OVERDUE


def test_grace_period_delays_overdue():
    rule = Rule(due_on=date(2026, 6, 1), grace_days=7)
    assert status(rule, [], date(2026, 6, 8)).status == DUE_SOON
    assert status(rule, [], date(2026, 6, 9)).status == OVERDUE


def test_due_date_in_the_past_at_assignment_is_overdue_at_once():
    rule = Rule(due_on=date(2026, 1, 31), assigned_on=today())
    s = status(rule, [], today())
    assert (s.status, s.due_on, s.compliant) == (OVERDUE, date(2026, 1, 31), False)
    # Still inside the grace period: due soon, not overdue.
    assert status(Rule(due_on=date(2026, 3, 10), grace_days=10, assigned_on=today()), [], today()).status == DUE_SOON


def test_one_off_completion_before_the_assignment_existed_satisfies_it():
    rule = Rule(due_on=date(2026, 6, 1), assigned_on=today())
    s = status(rule, [date(2019, 5, 5)], today())
    assert (s.status, s.completed_on, s.expires_on, s.compliant) == (COMPLETE, date(2019, 5, 5), None, True)


def test_rolling_completion_before_the_assignment_counts_while_still_valid():
    rule = Rule(due_on=date(2026, 6, 1), recurrence_months=12, assigned_on=today())
    valid = status(rule, [date(2025, 9, 1)], today())
    assert (valid.status, valid.expires_on) == (COMPLETE, date(2026, 9, 1))
    lapsed = status(rule, [date(2024, 9, 1)], today())  # expired 1 Sep 2025, before the assignment
    assert (lapsed.status, lapsed.due_on, lapsed.compliant) == (EXPIRED, date(2025, 9, 1), False)


def test_rolling_recurrence_reopens_in_time():
    rule = Rule(due_on=date(2025, 3, 1), recurrence_months=12, grace_days=14)
    done = [date(2025, 2, 20)]
    assert status(rule, done, date(2025, 12, 1)).status == COMPLETE
    soon = status(rule, done, date(2026, 1, 25))
    assert (soon.status, soon.due_on, soon.compliant) == (DUE_SOON, date(2026, 2, 20), True)
    assert status(rule, done, date(2026, 2, 20)).status == DUE_SOON  # expired today, in grace
    assert status(rule, done, date(2026, 3, 6)).status == DUE_SOON
    assert status(rule, done, date(2026, 3, 7)).status == EXPIRED
    # Doing it again renews it for twelve months from the new completion.
    again = status(rule, done + [date(2026, 3, 10)], date(2026, 3, 11))
    assert (again.status, again.expires_on) == (COMPLETE, date(2027, 3, 10))


def test_leap_day_completion_plus_twelve_months_is_28_february():
    rule = Rule(due_on=date(2024, 3, 1), recurrence_months=12)
    s = status(rule, [date(2024, 2, 29)], date(2024, 6, 1))
    assert s.expires_on == date(2025, 2, 28)
    assert status(rule, [date(2024, 2, 29)], date(2025, 2, 27)).status == DUE_SOON
    assert status(rule, [date(2024, 2, 29)], date(2025, 3, 1)).status == EXPIRED
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_fixed_anchor_on_a_leap_day_returns_to_29_february_in_leap_years():
    rule = Rule(due_on=date(2024, 2, 29), recurrence_months=12, basis="fixed")
    assert rules.fixed_cycle(rule, date(2027, 2, 1)) == (date(2027, 2, 28), date(2028, 2, 29))
    assert rules.fixed_cycle(rule, date(2024, 2, 29)) == (date(2024, 2, 29), date(2025, 2, 28))
    s = status(rule, [date(2027, 2, 1)], date(2027, 6, 1))
    assert (s.status, s.expires_on) == (COMPLETE, date(2028, 2, 29))


def test_fixed_dates_a_completion_counts_for_the_next_due_date_not_from_itself():
    rule = Rule(due_on=date(2026, 3, 1), recurrence_months=12, basis="fixed", grace_days=10)
    early = status(rule, [date(2026, 1, 10)], date(2026, 2, 1))
    assert (early.status, early.expires_on) == (COMPLETE, date(2027, 3, 1))
    # Late but inside the grace period: it still counts for 1 March 2026, not 2027.
    late = status(rule, [date(2026, 3, 8)], date(2026, 4, 1))
    assert late.expires_on == date(2027, 3, 1)
    # Too early: more than one period before the first due date does not count.
    assert rules.fixed_cycle(rule, date(2025, 2, 1)) is None
    assert status(rule, [date(2025, 2, 1)], date(2026, 3, 20)).status == OVERDUE


def test_new_starters_get_time_after_joining():
    rule = Rule(due_on=date(2026, 1, 31), assigned_on=date(2026, 1, 1))
    s = status(rule, [], today(), joined_on=date(2026, 3, 10))
    assert (s.status, s.due_on) == (DUE_SOON, date(2026, 4, 9))
    # Members who were there when it was assigned keep the assignment's date.
    assert status(rule, [], today(), joined_on=date(2025, 6, 1)).status == OVERDUE


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(1, 60))
def test_rolling_expiry_is_n_calendar_months_later_clamped_to_the_month_end(done, months):
    rule = Rule(due_on=date(2000, 1, 1), recurrence_months=months)
    expires = rules.expiry(rule, done)
    assert expires > done
    assert (rules.add_months(done, months) - expires).days == 0
    assert expires.day <= done.day or done.day > 28


@given(st.dates(date(2020, 3, 1), date(2040, 12, 31)), st.integers(1, 36), st.integers(0, 60))
def test_fixed_cycle_is_the_first_due_date_the_completion_meets(done, months, grace):
    from datetime import timedelta

    rule = Rule(due_on=date(2020, 2, 29), recurrence_months=months, basis="fixed", grace_days=grace)
    cycle = rules.fixed_cycle(rule, done)
    assert cycle is not None
    due, next_due = cycle
    assert done <= due + timedelta(days=grace) < next_due + timedelta(days=grace)
    k = next(k for k in range(1000) if rules.add_months(rule.due_on, k * months) == due)
    if k > 0:
        assert done > rules.add_months(rule.due_on, (k - 1) * months) + timedelta(days=grace)
