"""The live-credit arithmetic: pure functions, examples and properties (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.attendance import (intersect, live_credit_hours, merge_intervals, round_down_quarter, total_minutes,
                                 total_seconds)
from meetings.recurrence import current_or_next, occurrences

T0 = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def iv(a: float, b: float):
    return (at(a), at(b))


def test_merge_overlapping_touching_and_nested():
    assert merge_intervals([iv(10, 20), iv(0, 5), iv(5, 8), iv(15, 30), iv(16, 17)]) == [iv(0, 8), iv(10, 30)]


def test_merge_drops_empty_and_inverted():
    assert merge_intervals([iv(5, 5), iv(9, 3)]) == []


def test_intersect_with_windows():
    assert intersect([iv(0, 50)], [iv(10, 20), iv(30, 40)]) == [iv(10, 20), iv(30, 40)]
    assert intersect([iv(0, 5)], [iv(10, 20)]) == []


def test_live_credit_rounds_down_and_caps():
    window = [iv(0, 120)]
    assert live_credit_hours([iv(0, 44)], window, Decimal("2")) == Decimal("0.50")   # 44 min → 0.5
    assert live_credit_hours([iv(0, 45)], window, Decimal("2")) == Decimal("0.75")
    assert live_credit_hours([iv(0, 14.9)], window, Decimal("2")) == Decimal("0.00")
    assert live_credit_hours([iv(-30, 200)], window, Decimal("1.5")) == Decimal("1.50")  # capped
    # Outside the accredited window does not count (welcome and breaks are not CME).
    assert live_credit_hours([iv(-60, 0), iv(120, 180)], window, Decimal("2")) == Decimal("0.00")


def test_parallel_presence_counts_once():
    two_tabs = [iv(0, 60), iv(0, 60), iv(30, 60)]
    assert live_credit_hours(two_tabs, [iv(0, 120)], Decimal("2")) == Decimal("1.00")


def test_round_down_quarter():
    assert round_down_quarter(Decimal("1.2499")) == Decimal("1.00")
    assert round_down_quarter(Decimal("1.25")) == Decimal("1.25")


offsets = st.floats(min_value=-120, max_value=600, allow_nan=False, allow_infinity=False)
intervals = st.lists(st.tuples(offsets, offsets).map(lambda p: iv(min(p), max(p))), max_size=12)
designations = st.sampled_from([Decimal("0.25"), Decimal("1"), Decimal("1.5"), Decimal("3"), Decimal("8")])


@settings(max_examples=300, deadline=None)
@given(intervals, st.tuples(st.floats(0, 300), st.floats(1, 300)), designations)
def test_credit_properties(ivs, window, designation):
    start, length = window
    windows = [iv(start, start + length)]
    credit = live_credit_hours(ivs, windows, designation)
    meeting_hours = Decimal((windows[0][1] - windows[0][0]).total_seconds()) / 3600
    assert credit >= 0
    assert credit <= designation
    assert credit <= meeting_hours  # never more than the meeting (accredited) length
    assert (credit * 4) % 1 == 0  # whole quarters
    # Duplicating every interval (overlap) changes nothing.
    assert live_credit_hours(ivs + ivs, windows, designation) == credit
    # Monotone: more attendance never means less credit.
    assert live_credit_hours(ivs + [windows[0]], windows, designation) >= credit


@settings(max_examples=300, deadline=None)
@given(intervals)
def test_merge_properties(ivs):
    merged = merge_intervals(ivs)
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:]))  # sorted and disjoint
    assert merge_intervals(merged) == merged  # idempotent
    assert total_seconds(merged) <= sum(max(0, (e - s).total_seconds()) for s, e in ivs) + 1
    for s, e in ivs:  # every input point is covered
        if e > s:
            assert any(ms <= s and e <= me for ms, me in merged)
    assert total_minutes(ivs) == total_minutes(merged)


def test_weekly_recurrence_keeps_wall_clock_across_dst():
    start = datetime(2026, 10, 20, 13, 0, tzinfo=timezone.utc)  # 09:00 in New York (EDT)
    occ = occurrences(start, start + timedelta(hours=1), "America/New_York", "weekly", 3)
    assert [o[0].hour for o in occ] == [13, 13, 14]  # 09:00 EDT, 09:00 EDT, 09:00 EST (after 1 Nov)
    assert all(e - s == timedelta(hours=1) for s, e in occ)


def test_monthly_recurrence_skips_short_months():
    start = datetime(2027, 1, 31, 15, 0, tzinfo=timezone.utc)
    occ = occurrences(start, start + timedelta(hours=1), "UTC", "monthly", 3)
    assert [o[0].month for o in occ] == [1, 3, 5]


def test_current_or_next():
    occ = [iv(0, 60), iv(100, 160)]
    assert current_or_next(occ, at(30)) == iv(0, 60)
    assert current_or_next(occ, at(70)) == iv(100, 160)
    assert current_or_next(occ, at(200)) is None
    assert occurrences(at(0), at(60), "UTC") == [iv(0, 60)]
