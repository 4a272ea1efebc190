"""Who must do what, and how they stand: the compliance matrix, built from a handful of queries.

Scope is computed at read time from memberships (see ``models``), so the number of queries does
not grow with people or items: memberships, team memberships, assignments (with their courses
and meetings), course completions and minutes acknowledgements, each one set-based query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses.models import Course, Enrolment
from lms.extensions import db
from lms.orgs.models import Membership, Organisation, Team, TeamMember
from lms.training import rules
from lms.training.models import Assignment, TrainingRecord
from lms.users.models import User
from meetings.models import MinutesAcknowledgement


@dataclass
class Person:
    membership_id: int
    user_id: int
    org_id: int
    name: str
    email: str
    job_title: str
    joined_on: date
    active: bool
    team_ids: set[int] = field(default_factory=set)
    team_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Item:
    key: str  # "course:12" or "minutes:7"
    kind: str
    object_id: int
    title: str


@dataclass(frozen=True)
class Cell:
    item: Item
    state: rules.ItemStatus
    assignment: Assignment


def local_today(tz: str | None, now: datetime) -> date:
    """The date in ``tz``: an item falls due at midnight where the practice (or the learner) is."""
    try:
        return now.astimezone(ZoneInfo(tz or "UTC")).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def item_key(a: Assignment) -> str:
    return f"{a.item_kind}:{a.course_id if a.item_kind == 'course' else a.meeting_id}"


def rule_for(a: Assignment) -> rules.Rule:
    return rules.Rule(due_on=a.due_on, recurrence_months=a.recurrence_months, basis=a.recurrence_basis,
                      grace_days=a.grace_days, assigned_on=a.created_at.date())


def in_scope(a: Assignment, p: Person) -> bool:
    if a.target_kind == "org":
        return True
    if a.target_kind == "team":
        return a.target_team_id in p.team_ids
    if a.target_kind == "job_title":
        return (a.target_job_title or "").strip().casefold() == (p.job_title or "").strip().casefold()
    return a.target_user_id == p.user_id


# --- loading ---------------------------------------------------------------------------------------


def load_assignments(org_ids) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.org_id.in_(list(org_ids)), Assignment.removed_at.is_(None))
        .options(selectinload(Assignment.course).selectinload(Course.current_version),
                 selectinload(Assignment.course).selectinload(Course.draft_version),
                 selectinload(Assignment.meeting), selectinload(Assignment.target_team),
                 selectinload(Assignment.target_user))
        .order_by(Assignment.id)))


def _people(rows, team_rows) -> list[Person]:
    people = {m.id: Person(m.id, u.id, m.org_id, u.full_name, u.email, m.job_title or "", m.created_at.date(),
                           m.deactivated_at is None) for m, u in rows}
    for membership_id, team_id, team_name in team_rows:
        p = people.get(membership_id)
        if p is not None:
            p.team_ids.add(team_id)
            p.team_names.append(team_name)
    return list(people.values())


def load_people(org: Organisation, *, include_leavers: bool = False) -> list[Person]:
    query = (select(Membership, User).join(User, User.id == Membership.user_id)
             .where(Membership.org_id == org.id).order_by(User.last_name, User.first_name, User.id))
    if not include_leavers:
        query = query.where(Membership.deactivated_at.is_(None))
    team_rows = db.session.execute(
        select(TeamMember.membership_id, Team.id, Team.name).join(Team, Team.id == TeamMember.team_id)
        .where(Team.org_id == org.id).order_by(Team.name)).all()
    return _people(db.session.execute(query).all(), team_rows)


def load_user_people(user: User) -> list[Person]:
    """The user's active memberships, as people to evaluate (for their own dashboard)."""
    rows = db.session.execute(select(Membership, User).join(User, User.id == Membership.user_id).where(
        Membership.user_id == user.id, Membership.deactivated_at.is_(None))).all()
    ids = [m.id for m, _ in rows]
    team_rows = db.session.execute(
        select(TeamMember.membership_id, Team.id, Team.name).join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.membership_id.in_(ids))).all() if ids else []
    return _people(rows, team_rows)


def load_completions(user_filter, assignments: list[Assignment]) -> dict[tuple[int, str], list[date]]:
    """``(user_id, item key) -> completion dates`` for the assigned courses and minutes: course
    completions (any version), minutes acknowledgements, and completions recorded by a manager.

    ``user_filter`` is a list of user ids or a subquery selecting them (one query either way).
    """
    from courses.models import CourseCompletion

    course_ids = {a.course_id for a in assignments if a.item_kind == "course"}
    meeting_ids = {a.meeting_id for a in assignments if a.item_kind == "minutes"}
    done: dict[tuple[int, str], list[date]] = defaultdict(list)
    if course_ids:
        # Every completed round counts: a retake renews a recurring assignment.
        for user_id, course_id, completed_at in db.session.execute(
                select(CourseCompletion.user_id, CourseCompletion.course_id, CourseCompletion.completed_at).where(
                    CourseCompletion.course_id.in_(course_ids), CourseCompletion.user_id.in_(user_filter))):
            done[(user_id, f"course:{course_id}")].append(completed_at.date())
    if meeting_ids:
        for user_id, meeting_id, at in db.session.execute(
                select(MinutesAcknowledgement.user_id, MinutesAcknowledgement.meeting_id,
                       MinutesAcknowledgement.acknowledged_at).where(
                    MinutesAcknowledgement.meeting_id.in_(meeting_ids),
                    MinutesAcknowledgement.user_id.in_(user_filter))):
            done[(user_id, f"minutes:{meeting_id}")].append(at.date())
    if course_ids or meeting_ids:
        for record in db.session.scalars(select(TrainingRecord).where(
                TrainingRecord.voided_at.is_(None), TrainingRecord.user_id.in_(user_filter),
                TrainingRecord.course_id.in_(course_ids) | TrainingRecord.meeting_id.in_(meeting_ids))):
            done[(record.user_id, record.item_key)].append(record.completed_on)
    return done


# --- evaluating --------------------------------------------------------------------------------------


def items_of(assignments: list[Assignment]) -> list[Item]:
    seen: dict[str, Item] = {}
    for a in assignments:
        key = item_key(a)
        if key not in seen:
            seen[key] = Item(key, a.item_kind, a.course_id if a.item_kind == "course" else a.meeting_id, a.title)
    return sorted(seen.values(), key=lambda i: i.title.casefold())


def evaluate(people: list[Person], assignments: list[Assignment], completions, today: date) -> dict:
    """``(membership_id, item key) -> Cell``. Several assignments of one item: the worst status wins."""
    items = {i.key: i for i in items_of(assignments)}
    rank = {s: n for n, s in enumerate(rules.STATUS_ORDER)}
    cells: dict[tuple[int, str], Cell] = {}
    for p in people:
        for a in assignments:
            if a.org_id != p.org_id or not in_scope(a, p):
                continue
            key = item_key(a)
            state = rules.status(rule_for(a), completions.get((p.user_id, key), ()), today, joined_on=p.joined_on)
            current = cells.get((p.membership_id, key))
            if current is None or rank[state.status] < rank[current.state.status]:
                cells[(p.membership_id, key)] = Cell(items[key], state, a)
    return cells


@dataclass
class Matrix:
    people: list[Person]  # every filtered person (paginate in the view)
    items: list[Item]
    cells: dict
    teams: list[Team]
    item_pct: dict[str, int | None]
    team_pct: dict[int, int | None]
    overall_pct: int | None
    counts: dict[str, int]
    all_items: list[Item]


def _pct(good: int, total: int) -> int | None:
    return round(100 * good / total) if total else None


def matrix(org: Organisation, today: date, *, team_id: int | None = None, item: str | None = None,
           include_leavers: bool = False, status: str | None = None) -> Matrix:
    """The organisation's compliance matrix, filtered by team and item; percentages over the filtered people.

    ``status`` then keeps only the people with at least one item in that status (the percentages
    stay those of the team and item filters: a "who is overdue" view must not read 0% compliant).
    """
    assignments = load_assignments([org.id])
    people = load_people(org, include_leavers=include_leavers)
    user_ids = select(Membership.user_id).where(Membership.org_id == org.id)
    cells = evaluate(people, assignments, load_completions(user_ids, assignments), today)
    all_items = items = items_of(assignments)
    if item:
        items = [i for i in items if i.key == item]
    if team_id:
        people = [p for p in people if team_id in p.team_ids]
    keys = {i.key for i in items}
    people = [p for p in people if any((p.membership_id, k) in cells for k in keys)] if item else people
    teams = list(db.session.scalars(select(Team).where(Team.org_id == org.id).order_by(Team.name)))
    counts: dict[str, int] = defaultdict(int)
    per_item: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_team: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    total = [0, 0]
    for p in people:
        for k in keys:
            cell = cells.get((p.membership_id, k))
            if cell is None:
                continue
            ok = int(cell.state.compliant)
            counts[cell.state.status] += 1
            for bucket in (per_item[k], total, *(per_team[t] for t in p.team_ids)):
                bucket[0] += ok
                bucket[1] += 1
    if status in rules.STATUS_LABELS:
        people = [p for p in people if any((c := cells.get((p.membership_id, k))) is not None
                                           and c.state.status == status for k in keys)]
    return Matrix(people, items, cells, teams, {k: _pct(*per_item[k]) for k in keys},
                  {t.id: _pct(*per_team[t.id]) for t in teams}, _pct(*total), dict(counts), all_items)


def person_cells(person: Person, today: date) -> list[Cell]:
    assignments = load_assignments([person.org_id])
    cells = evaluate([person], assignments, load_completions([person.user_id], assignments), today)
    return sorted(cells.values(), key=lambda c: (rules.STATUS_ORDER.index(c.state.status), c.item.title))


def my_training(user: User, today: date) -> list[tuple[Person, Cell]]:
    """Everything ``user`` is required to do, across their organisations, most urgent first."""
    people = load_user_people(user)
    if not people:
        return []
    assignments = load_assignments({p.org_id for p in people})
    if not assignments:
        return []
    cells = evaluate(people, assignments, load_completions([user.id], assignments), today)
    by_id = {p.membership_id: p for p in people}
    rows = [(by_id[m_id], cell) for (m_id, _), cell in cells.items()]
    return sorted(rows, key=lambda r: (rules.STATUS_ORDER.index(r[1].state.status),
                                       r[1].state.due_on or date.max, r[1].item.title))
