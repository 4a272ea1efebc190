"""Attendance arithmetic: pure functions over intervals, no database.

An interval is a ``(start, end)`` pair of aware datetimes with ``start <= end``. Live credit
follows the AMA rules for live activities (ACCREDITATION.md, "Credit rules"): 60 minutes make
one credit, awarded in 0.25 increments, non-CME segments excluded, parallel presence counted once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

Interval = tuple[datetime, datetime]
QUARTER = Decimal("0.25")


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering exactly the union of ``intervals``.

    Touching intervals are joined; empty or inverted ones are dropped.
    """
    merged: list[list[datetime]] = []
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def intersect(intervals: Iterable[Interval], windows: Iterable[Interval]) -> list[Interval]:
    """The parts of ``intervals`` inside ``windows`` (both merged first), sorted."""
    a, b = merge_intervals(intervals), merge_intervals(windows)
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def total_seconds(intervals: Iterable[Interval]) -> int:
    return int(sum((e - s).total_seconds() for s, e in merge_intervals(intervals)))


def total_minutes(intervals: Iterable[Interval]) -> int:
    """Whole minutes of the union (seconds are truncated, never rounded up)."""
    return total_seconds(intervals) // 60


def round_down_quarter(hours: Decimal) -> Decimal:
    return (hours / QUARTER).to_integral_value(rounding=ROUND_FLOOR) * QUARTER


def live_credit_hours(intervals: Iterable[Interval], accredited_windows: Iterable[Interval],
                      designation: Decimal) -> Decimal:
    """Credit the attendance supports: minutes inside the accredited schedule, counted once,
    as hours rounded DOWN to 0.25 and capped at the designated maximum."""
    minutes = total_minutes(intersect(intervals, accredited_windows))
    hours = round_down_quarter(Decimal(minutes) / Decimal(60))
    return max(Decimal("0.00"), min(hours, Decimal(designation))).quantize(Decimal("0.01"))


def clip(interval: tuple[datetime, datetime | None], *, until: datetime) -> Interval:
    """Close an open interval at ``until`` (and never let it run past it)."""
    start, end = interval
    end = until if end is None else min(end, until)
    return (start, max(start, end))


def first_and_last(intervals: Iterable[Interval]) -> tuple[datetime | None, datetime | None]:
    merged = merge_intervals(intervals)
    return (merged[0][0], merged[-1][1]) if merged else (None, None)


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start) / timedelta(minutes=1)))
