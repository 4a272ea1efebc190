"""Sensible defaults for the scheduling form."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_HOUR = 9


def default_start(now: datetime, tz: str) -> datetime:
    """The next working day at 09:00 in the host's zone (naive local time, as the form shows it):
    never a 01:00 start because the form was opened late at night or from a UTC server."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    day = now.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, DEFAULT_HOUR)
