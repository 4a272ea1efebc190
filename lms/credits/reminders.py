"""Reminders before a requirement's cycle ends, sent by ``flask lms send-reminders``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import mail
from lms import unit_of_work
from lms.credits import services as credits
from lms.credits.models import ReminderLog, Requirement
from lms.credits.services import rule_for
from lms.credits.requirements import progress
from lms.extensions import db
from lms.security import external_url
from lms.users.models import User

# Days before the cycle ends on which an unmet requirement is mentioned.
REMINDER_DAYS = (90, 30, 7)


def log_once(user_id: int, kind: str, object_id: int, today: date) -> bool:
    """Record that a reminder goes out today; False if it already did (a unique constraint decides)."""
    try:
        with db.session.begin_nested():
            db.session.add(ReminderLog(user_id=user_id, kind=kind, object_id=object_id, sent_on=today))
    except IntegrityError:
        return False
    return True


def send_requirement_reminders(now: datetime) -> int:
    """Email each learner whose unmet requirement ends in 90, 30 or 7 days. Returns how many were sent."""
    today = now.date()
    candidates = db.session.scalars(select(Requirement).where(
        Requirement.cycle_end.in_([date.fromordinal(today.toordinal() + d) for d in REMINDER_DAYS]))).all()
    sent = 0
    for requirement in candidates:
        learner = db.session.get(User, requirement.learner_id)
        if learner is None or not learner.is_active:
            continue
        p = progress(rule_for(requirement), credits.ledger_lines(credits.transcript(learner.id)), today)
        if p.met or not log_once(learner.id, "requirement", requirement.id, today):
            continue
        unit_of_work.commit()  # the log line first: a crash after it never sends twice
        mail.send(learner.email, f"{p.days_left} days left: {requirement.name}", "requirement_reminder",
                  user=learner, requirement=requirement, progress=p, fmt=credits.fmt,
                  link=external_url("credits.requirements"))
        sent += 1
    return sent
