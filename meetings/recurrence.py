"""Occurrences of a (possibly recurring) meeting: a pure function, the same rule as the .ics RRULE."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule

from meetings.attendance import Interval

FREQUENCIES = {"weekly": WEEKLY, "monthly": MONTHLY}
MAX_OCCURRENCES = 52


def occurrences(starts_at: datetime, ends_at: datetime, tz: str, recurrence: str = "none",
                count: int = 1) -> list[Interval]:
    """Every (start, end) in UTC. Repeats keep the wall-clock time in the meeting's zone across
    daylight-saving changes; a monthly rule skips months without that day (RFC 5545, as calendars do)."""
    if recurrence not in FREQUENCIES or count <= 1:
        return [(starts_at, ends_at)]
    zone = ZoneInfo(tz)
    local_start = starts_at.astimezone(zone).replace(tzinfo=None)
    duration = ends_at - starts_at
    rule = rrule(FREQUENCIES[recurrence], dtstart=local_start, count=min(count, MAX_OCCURRENCES))
    out = []
    for local in rule:
        start = local.replace(tzinfo=zone).astimezone(timezone.utc)
        out.append((start, start + duration))
    return out


def current_or_next(occ: list[Interval], now: datetime) -> Interval | None:
    """The occurrence running at ``now``, else the next one, else None (the series is over)."""
    for start, end in occ:
        if end > now:
            return (start, end)
    return None

