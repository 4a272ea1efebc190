"""Demo meetings: a practice staff meeting and an accredited grand rounds. Running it again changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.extensions import db
from meetings import services
from meetings.models import Meeting


def _next_weekday_at(now: datetime, weekday: int, hour: int, tz: str) -> datetime:
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(tz)).replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)
    local += timedelta(days=(weekday - local.weekday()) % 7 or 7)
    return services.local_to_utc(local, tz)


def seed_meetings(users: dict, practice, provider, now: datetime) -> None:
    manager = users["manager@demo.continuum.test"]
    educator = users["educator@demo.continuum.test"]
    tz = "America/New_York"
    if db.session.scalar(select(Meeting.id).where(Meeting.org_id == practice.id, Meeting.title == "Monthly staff meeting")) is None:
        start = _next_weekday_at(now, 1, 8, tz)
        services.schedule_meeting(manager, practice, services.MeetingData(
            title="Monthly staff meeting", category="administrative", starts_at=start,
            ends_at=start + timedelta(minutes=45), timezone=tz, recurrence="monthly", recurrence_count=6,
            open_to_org=True, agenda="1. Rota for the holidays\n2. Fire drill debrief\n3. New check-in kiosk"),
            now=now)
    if db.session.scalar(select(Meeting.id).where(Meeting.org_id == provider.id, Meeting.title == "Grand rounds: "
                                                  "hypertension update")) is None:
        start = _next_weekday_at(now, 3, 12, tz)
        services.schedule_meeting(educator, provider, services.MeetingData(
            title="Grand rounds: hypertension update", category="education", starts_at=start,
            ends_at=start + timedelta(minutes=75), timezone=tz, open_to_org=True, is_accredited=True,
            accredited_start_at=start + timedelta(minutes=5), accredited_end_at=start + timedelta(minutes=65),
            designations={"ama_pra_1": Decimal("1.00"), "ancc": Decimal("1.00"), "participation": Decimal("1.00")},
            accreditation_statement="Northbridge CME Institute designates this live activity for a maximum of 1.0 "
                                    "AMA PRA Category 1 Credit\u2122. Physicians should claim only the credit "
                                    "commensurate with the extent of their participation in the activity.",
            topics="Hypertension, Cardiology",
            agenda="A case-based update on the 2025 guideline. De-identified cases only."), now=now)
