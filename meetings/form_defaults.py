"""Sensible defaults for the scheduling form."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_HOUR = 9
EARLY_HOURS_END = 6  # opened before 06:00: today's morning is the next one


def default_start(now: datetime, tz: str) -> datetime:
    """09:00 on the next working day in the host's zone (today's, when the form is opened in the
    small hours), as naive local time, as the form shows it: never a 01:00 start because the form
    was opened late at night or read the server's UTC clock."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=0 if local.hour < EARLY_HOURS_END else 1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, DEFAULT_HOUR)
