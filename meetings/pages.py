"""What the meeting page reads beyond the meeting itself: the learner's own part and the action items,
one statement each, read fresh on every request (nothing is kept). The statements are built once and
take the ids as parameters."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, bindparam, exists, select

from lms.extensions import db
from lms.users.models import User, full_name_of
from meetings.models import ActionItem, AttendanceInterval, Meeting, MeetingEvaluation, MinutesAcknowledgement
from meetings.tracking import is_credible_interval_of, merged_spans


class LearnerState(NamedTuple):
    acknowledged_at: datetime | None
    intervals: tuple  # credible intervals (rows with what ``tracking.span`` reads)
    evaluated: bool


class ActionRow(NamedTuple):
    id: int
    text: str
    owner_id: int | None
    owner_name: str | None
    due_on: object
    done_at: datetime | None


@functools.cache
def _learner_state() -> Select:
    """One row per credible interval (or one row of nulls), each with the sign-off and the evaluation."""
    meeting_id, user_id = bindparam("meeting_id"), bindparam("user_id")
    mine = select(
        select(MinutesAcknowledgement.acknowledged_at).where(
            MinutesAcknowledgement.meeting_id == meeting_id, MinutesAcknowledgement.user_id == user_id)
        .scalar_subquery().label("acknowledged_at"),
        exists().where(MeetingEvaluation.meeting_id == meeting_id, MeetingEvaluation.user_id == user_id)
        .label("evaluated"),
    ).subquery("mine")
    return (select(mine.c.acknowledged_at, mine.c.evaluated, AttendanceInterval.joined_at,
                   AttendanceInterval.left_at, AttendanceInterval.last_seen_at, AttendanceInterval.source)
            .select_from(mine).outerjoin(AttendanceInterval, is_credible_interval_of(meeting_id, user_id)))


def learner_state(meeting: Meeting, user: User) -> LearnerState:
    """The learner's minutes sign-off, credible attendance intervals and evaluation."""
    rows = db.session.execute(_learner_state(), {"meeting_id": meeting.id, "user_id": user.id}).all()
    return LearnerState(rows[0].acknowledged_at, tuple(row for row in rows if row.joined_at is not None),
                        bool(rows[0].evaluated))


def attended(meeting: Meeting, state: LearnerState, now: datetime) -> bool:
    return bool(merged_spans(state.intervals, meeting, now))


@functools.cache
def _action_items() -> Select:
    return (select(ActionItem.id, ActionItem.text, ActionItem.owner_id, User.first_name, User.last_name, User.email,
                   ActionItem.due_on, ActionItem.done_at)
            .outerjoin(User, User.id == ActionItem.owner_id)
            .where(ActionItem.meeting_id == bindparam("meeting_id")).order_by(ActionItem.id))


def action_items(meeting: Meeting) -> list[ActionRow]:
    """The meeting's action items with their owners' names, in the order they were added."""
    rows = db.session.execute(_action_items(), {"meeting_id": meeting.id})
    return [ActionRow(r.id, r.text, r.owner_id,
                      full_name_of(r.first_name, r.last_name, r.email) if r.owner_id else None, r.due_on, r.done_at)
            for r in rows]
