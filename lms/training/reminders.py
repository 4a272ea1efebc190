"""Training reminders and the weekly manager digest, sent by ``flask lms send-reminders`` (daily, from cron).

* Learners: on ``BEFORE_DAYS`` days before an item is due, and on the first day it is overdue
  or expired then every ``OVERDUE_EVERY_DAYS`` days. Mandatory items always; optional items only
  to people who have not opted out of optional mail.
* Managers: one digest per organisation each week, on ``DIGEST_WEEKDAY`` (Monday), unless opted out.
* Never twice for the same person, item and day: ``log_once`` (a unique constraint) decides, and
  the log line is committed before the mail goes, so a crash can only lose a mail, never double it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lms import mail
from lms import unit_of_work
from lms.credits.reminders import log_once
from lms.extensions import db
from lms.orgs.models import Membership, Organisation
from lms.security import external_url
from lms.training import compliance, rules
from lms.training.models import Assignment, TrainingPreference
from lms.users.models import User

BEFORE_DAYS = (14, 3)
OVERDUE_EVERY_DAYS = 7
DIGEST_WEEKDAY = 0


def reminder_kind(state: rules.ItemStatus, grace_days: int, today) -> str | None:
    """Which reminder (if any) ``state`` calls for today: 'due' before the date, 'overdue' after it."""
    if state.due_on is None or state.status == rules.COMPLETE:
        return None
    if state.status in (rules.DUE_SOON, rules.NOT_STARTED) and (state.due_on - today).days in BEFORE_DAYS:
        return "due"
    if state.status in (rules.OVERDUE, rules.EXPIRED):
        late = (today - (state.due_on + timedelta(days=grace_days))).days
        if late >= 1 and (late - 1) % OVERDUE_EVERY_DAYS == 0:
            return "overdue"
    return None


def _opted_out(user_ids) -> set[int]:
    return set(db.session.scalars(select(TrainingPreference.user_id).where(
        TrainingPreference.user_id.in_(list(user_ids)), TrainingPreference.non_mandatory_mail_opt_out.is_(True))))


def send_training_reminders(now: datetime) -> tuple[int, int]:
    """Send today's learner reminders and, on digest day, the managers' digests. Returns (reminders, digests)."""
    org_ids = set(db.session.scalars(select(Assignment.org_id).where(Assignment.removed_at.is_(None)).distinct()))
    sent = digests = 0
    for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)).order_by(Organisation.id)):
        today = compliance.local_today(org.timezone, now)  # the practice's date: its morning run, its Monday
        m = compliance.matrix(org, today)
        opted = _opted_out(p.user_id for p in m.people)
        people = {p.membership_id: p for p in m.people}
        for (membership_id, _key), cell in sorted(m.cells.items(), key=lambda kv: kv[0]):
            person = people.get(membership_id)
            if person is None:
                continue
            kind = reminder_kind(cell.state, cell.assignment.grace_days, today)
            if kind is None or (not cell.assignment.is_mandatory and person.user_id in opted):
                continue
            if not log_once(person.user_id, f"training_{kind}", cell.assignment.id, today):
                continue
            unit_of_work.commit()
            user = db.session.get(User, person.user_id)
            if user is None or not user.is_active:
                continue
            subject = (f"Due {cell.state.due_on:%d %b %Y}: {cell.item.title}" if kind == "due"
                       else f"Overdue: {cell.item.title}")
            mail.send(user.email, subject, "training_reminder", user=user, org=org, cell=cell, kind=kind,
                      link=external_url("training.mine"), settings=external_url("training.settings"))
            sent += 1
        if today.weekday() == DIGEST_WEEKDAY:
            digests += _send_digests(org, m, people, today)
    return sent, digests


def _send_digests(org: Organisation, m: compliance.Matrix, people: dict, today) -> int:
    managers = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.org_id == org.id, Membership.role == "manager", Membership.deactivated_at.is_(None))).all()
    opted = _opted_out(u.id for u in managers)
    problems = sorted(
        ((people[mid], cell) for (mid, _), cell in m.cells.items()
         if mid in people and cell.state.status in (rules.OVERDUE, rules.EXPIRED, rules.DUE_SOON)),
        key=lambda pc: (rules.STATUS_ORDER.index(pc[1].state.status), pc[1].state.due_on or today, pc[0].name))
    sent = 0
    for manager in managers:
        if manager.id in opted or not manager.is_active or not log_once(manager.id, "training_digest", org.id, today):
            continue
        unit_of_work.commit()
        mail.send(manager.email, f"Training compliance this week: {org.name}", "training_digest", user=manager,
                  org=org, m=m, problems=problems[:100], more=max(len(problems) - 100, 0),
                  link=external_url("training.dashboard", org_id=org.id), settings=external_url("training.settings"))
        sent += 1
    return sent
