"""The assignment and recurrence rules, as pure functions over dates (no database, no clock).

The rules, as shown to managers:

* **One-off** (no recurrence): any completion ever satisfies it, including one made before the
  assignment existed (the person has done the training; asking again proves nothing).
* **Every N months from completion** ("rolling"): a completion is valid for N months; it is
  due again on ``completion + N months``. A completion made before the assignment existed
  counts while it is still valid.
* **Every N months on fixed dates**: the due dates are ``first due + k × N months``. A completion
  counts for the first due date it is not later than (allowing the grace period), provided it is
  at most N months before that date; it is then valid until the next due date.
* Month arithmetic never overflows: 29 February + 12 months is 28 February; each fixed due date
  is computed from the first one, so a 29 February anchor comes back on 29 February in leap years.
* A person who joins after the assignment was made gets ``NEW_STARTER_DAYS`` to complete it.
* Statuses: *complete* (valid completion), *due soon* (due within ``DUE_SOON_DAYS``, or past the
  due date but inside the grace period), *overdue* (never done, past due + grace), *expired*
  (done before, lapsed, past due + grace), *not started* (not done and not yet due soon).
  Only a valid completion counts as compliant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

DUE_SOON_DAYS = 30
NEW_STARTER_DAYS = 30

COMPLETE, DUE_SOON, OVERDUE, EXPIRED, NOT_STARTED = "complete", "due_soon", "overdue", "expired", "not_started"
STATUS_LABELS = {COMPLETE: "Complete", DUE_SOON: "Due soon", OVERDUE: "Overdue", EXPIRED: "Expired",
                 NOT_STARTED: "Not started"}
# Worst first: the order in which a manager must act.
STATUS_ORDER = (EXPIRED, OVERDUE, DUE_SOON, NOT_STARTED, COMPLETE)


@dataclass(frozen=True)
class Rule:
    due_on: date
    recurrence_months: int | None = None
    basis: str = "completion"  # or "fixed"
    grace_days: int = 0
    assigned_on: date | None = None


@dataclass(frozen=True)
class ItemStatus:
    status: str
    due_on: date | None  # when the next (or missed) completion is due
    expires_on: date | None  # when the current completion stops counting (recurring only)
    completed_on: date | None  # the completion that counts, or the latest one

    @property
    def compliant(self) -> bool:
        """Holds a valid completion (a renewal may be due soon)."""
        return self.status == COMPLETE or self.expires_on is not None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    return day + relativedelta(months=months)


def first_due(rule: Rule, joined_on: date | None) -> date:
    """The first due date for one person: new starters get ``NEW_STARTER_DAYS`` to do it."""
    if joined_on is not None and rule.assigned_on is not None and joined_on > rule.assigned_on:
        return max(rule.due_on, joined_on + timedelta(days=NEW_STARTER_DAYS))
    return rule.due_on


def fixed_cycle(rule: Rule, completed_on: date) -> tuple[date, date] | None:
    """For a fixed-date rule: (the due date a completion satisfies, the next due date), or None
    when the completion is too old to count for the first due date."""
    n, grace = rule.recurrence_months, timedelta(days=rule.grace_days)
    k = 0
    if completed_on > rule.due_on + grace:
        # Jump close to the right cycle, then step: months between dates, without iterating years one by one.
        delta = relativedelta(completed_on, rule.due_on)
        slack = rule.grace_days // 28 + 1  # months the grace period can span
        k = max((delta.years * 12 + delta.months - slack) // n - 1, 0)
        while completed_on > add_months(rule.due_on, k * n) + grace:
            k += 1
    due = add_months(rule.due_on, k * n)
    if k == 0 and completed_on <= add_months(due, -n):
        return None
    return due, add_months(rule.due_on, (k + 1) * n)


def expiry(rule: Rule, completed_on: date) -> date | None:
    """When a completion stops counting; ``date.max`` for one-off rules; None if it never counted."""
    if not rule.recurrence_months:
        return date.max
    if rule.basis == "fixed":
        cycle = fixed_cycle(rule, completed_on)
        return cycle[1] if cycle else None
    return add_months(completed_on, rule.recurrence_months)


def status(rule: Rule, completions: Iterable[date], today: date, *, joined_on: date | None = None,
           soon_days: int = DUE_SOON_DAYS) -> ItemStatus:
    """The status of one required item for one person on ``today``."""
    grace = timedelta(days=rule.grace_days)
    done = sorted(set(completions))
    best: tuple[date, date] | None = None  # (expires_on, completed_on) with the latest expiry
    for completed_on in done:
        expires = expiry(rule, completed_on)
        if expires is not None and (best is None or expires >= best[0]):
            best = (expires, completed_on)
    if best is not None and best[0] == date.max:
        return ItemStatus(COMPLETE, None, None, best[1])
    if best is not None:
        expires, completed_on = best
        if today < expires:
            state = DUE_SOON if (expires - today).days <= soon_days else COMPLETE
            return ItemStatus(state, expires, expires, completed_on)
        state = DUE_SOON if today <= expires + grace else EXPIRED
        return ItemStatus(state, expires, None, completed_on)
    due = first_due(rule, joined_on)
    last = done[-1] if done else None
    if today > due + grace:
        return ItemStatus(OVERDUE, due, None, last)
    if (due - today).days <= soon_days:
        return ItemStatus(DUE_SOON, due, None, last)
    return ItemStatus(NOT_STARTED, due, None, last)
