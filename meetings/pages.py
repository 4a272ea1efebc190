"""What the meeting page reads beyond the meeting itself: the learner's own part and the action items,
each in one or two set-based queries, read fresh on every request (nothing is kept)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select

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


def learner_state(meeting: Meeting, user: User) -> LearnerState:
    """The learner's minutes sign-off, credible attendance intervals and evaluation."""
    acknowledged = db.session.scalar(select(MinutesAcknowledgement.acknowledged_at).where(
        MinutesAcknowledgement.meeting_id == meeting.id, MinutesAcknowledgement.user_id == user.id))
    return LearnerState(acknowledged, tuple(credible_intervals(meeting.id, user.id)),
                        has_evaluation(user.id, meeting.id))


def attended(meeting: Meeting, state: LearnerState, now: datetime) -> bool:
    return bool(merged_spans(state.intervals, meeting, now))


def action_items(meeting: Meeting) -> list[ActionRow]:
    """The meeting's action items with their owners' names, in the order they were added."""
    rows = db.session.execute(
        select(ActionItem.id, ActionItem.text, ActionItem.owner_id, User.first_name, User.last_name, User.email,
               ActionItem.due_on, ActionItem.done_at)
        .outerjoin(User, User.id == ActionItem.owner_id)
        .where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.id))
    return [ActionRow(r.id, r.text, r.owner_id,
                      full_name_of(r.first_name, r.last_name, r.email) if r.owner_id else None, r.due_on, r.done_at)
            for r in rows]
