"""What the meeting page reads beyond the meeting itself, kept cheap at scale.

The meeting's action items are kept per ``meeting.page_version``; the learner's own part (their
minutes sign-off, credible attendance intervals and evaluation) per (user, ``dashboard_version``,
meeting). Every write to those rows goes through the ORM and replaces the stamp in the same
transaction (``lms.invalidation``), so a kept entry is never stale. Attendance is kept as the
intervals, not as "attended": an open interval's span depends on the clock, so it is worked out on
every request from the cached rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select

from lms.cache import LocalCache
from lms.extensions import db
from lms.users.models import User, full_name_of
from meetings.models import ActionItem, Meeting, MinutesAcknowledgement
from meetings.services import has_evaluation
from meetings.tracking import credible_intervals, merged_spans


class LearnerState(NamedTuple):
    acknowledged_at: datetime | None
    intervals: tuple  # credible intervals (rows from ``credible_intervals``)
    evaluated: bool


class ActionRow(NamedTuple):
    id: int
    text: str
    owner_id: int | None
    owner_name: str | None
    due_on: object
    done_at: datetime | None


_states = LocalCache(size=20_000)


def _read_state(meeting_id: int, user_id: int) -> LearnerState:
    acknowledged = db.session.scalar(select(MinutesAcknowledgement.acknowledged_at).where(
        MinutesAcknowledgement.meeting_id == meeting_id, MinutesAcknowledgement.user_id == user_id))
    return LearnerState(acknowledged, tuple(credible_intervals(meeting_id, user_id)),
                        has_evaluation(user_id, meeting_id))


def learner_state(meeting: Meeting, user: User) -> LearnerState:
    return _states.get_or_make((user.id, user.dashboard_version, meeting.id),
                               lambda: _read_state(meeting.id, user.id))


def attended(meeting: Meeting, state: LearnerState, now: datetime) -> bool:
    return bool(merged_spans(state.intervals, meeting, now))


_items = LocalCache(size=5_000)


def action_items(meeting: Meeting) -> list[ActionRow]:
    """The meeting's action items with their owners' names, in the order they were added; kept per
    ``meeting.page_version``, which every change to them (or to an owner's name) replaces."""
    return _items.get_or_make((meeting.id, meeting.page_version), lambda: _read_items(meeting.id))


def _read_items(meeting_id: int) -> list[ActionRow]:
    rows = db.session.execute(
        select(ActionItem.id, ActionItem.text, ActionItem.owner_id, User.first_name, User.last_name, User.email,
               ActionItem.due_on, ActionItem.done_at)
        .outerjoin(User, User.id == ActionItem.owner_id)
        .where(ActionItem.meeting_id == meeting_id).order_by(ActionItem.id))
    return [ActionRow(r.id, r.text, r.owner_id,
                      full_name_of(r.first_name, r.last_name, r.email) if r.owner_id else None, r.due_on, r.done_at)
            for r in rows]
