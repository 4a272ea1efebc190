"""Who must do what, and how they stand: the compliance matrix, built from a handful of queries.

Scope is computed at read time from memberships (see ``models``), so the number of queries does
not grow with people or items: memberships, team memberships, assignments (with their titles),
course completions and minutes acknowledgements, each one set-based query returning plain columns
(a matrix of 10,000 people builds no ORM objects).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Date, bindparam, case, literal_column, null, select, union_all
from sqlalchemy.orm import aliased, selectinload

from courses.models import Course, CourseCompletion, CourseVersion
from lms import unit_of_work
from lms.extensions import db
from lms.orgs.models import Membership, Organisation, Team, TeamMember
from lms.training import rules
from lms.training.models import Assignment, TrainingRecord, recurrence_label, target_label
from lms.users.models import User
from meetings.models import Meeting, MinutesAcknowledgement


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


@dataclass(frozen=True, slots=True)
class Requirement:
    """An assignment as the matrix reads it: its columns, title and target, without ORM objects."""

    id: int
    org_id: int
    item_kind: str
    course_id: int | None
    meeting_id: int | None
    target_kind: str
    target_user_id: int | None
    target_team_id: int | None
    target_job_title: str | None
    due_on: date
    recurrence_months: int | None
    recurrence_basis: str
    grace_days: int
    is_mandatory: bool
    created_at: datetime
    created_by_id: int | None
    title: str
    target_label: str

    @property
    def recurrence_label(self) -> str:
        return recurrence_label(self.recurrence_months, self.recurrence_basis)


@dataclass(frozen=True)
class Cell:
    item: Item
    state: rules.ItemStatus
    assignment: Requirement


def local_today(tz: str | None, now: datetime) -> date:
    """The date in ``tz``: an item falls due at midnight where the practice (or the learner) is."""
    try:
        return now.astimezone(ZoneInfo(tz or "UTC")).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def item_key(a) -> str:
    return f"{a.item_kind}:{a.course_id if a.item_kind == 'course' else a.meeting_id}"


def rule_for(a) -> rules.Rule:
    return rules.Rule(due_on=a.due_on, recurrence_months=a.recurrence_months, basis=a.recurrence_basis,
                      grace_days=a.grace_days, assigned_on=a.created_at.date())


def in_scope(a, p: Person) -> bool:
    if a.target_kind == "org":
        return True
    if a.target_kind == "team":
        return a.target_team_id in p.team_ids
    if a.target_kind == "job_title":
        return (a.target_job_title or "").strip().casefold() == (p.job_title or "").strip().casefold()
    return a.target_user_id == p.user_id


# --- loading ---------------------------------------------------------------------------------------


def load_assignments(org_ids) -> list[Assignment]:
    """The ORM assignments, for the pages that edit them."""
    return list(db.session.scalars(
        select(Assignment).where(Assignment.org_id.in_(list(org_ids)), Assignment.removed_at.is_(None))
        .options(selectinload(Assignment.course).selectinload(Course.current_version),
                 selectinload(Assignment.course).selectinload(Course.draft_version),
                 selectinload(Assignment.meeting), selectinload(Assignment.target_team),
                 selectinload(Assignment.target_user))
        .order_by(Assignment.id)))


def _requirement_columns(a=Assignment, *, targets: bool = True):
    """The columns of a ``Requirement`` (then its titles and target names) and the joins that find them.
    Without ``targets`` the target's team and person names are left out (NULL), and so are their joins."""
    current, draft, person = aliased(CourseVersion), aliased(CourseVersion), aliased(User)
    names = (Team.name, person.first_name, person.last_name, person.email) if targets else (null(),) * 4
    columns = (a.id, a.org_id, a.item_kind, a.course_id, a.meeting_id, a.target_kind, a.target_user_id,
               a.target_team_id, a.target_job_title, a.due_on, a.recurrence_months, a.recurrence_basis,
               a.grace_days, a.is_mandatory, a.created_at, a.created_by_id,
               current.title, draft.title, Meeting.title, *names)

    def joined(query):
        query = (query.outerjoin(Course, Course.id == a.course_id)
                 .outerjoin(current, current.id == Course.current_version_id)
                 .outerjoin(draft, draft.id == Course.draft_version_id)
                 .outerjoin(Meeting, Meeting.id == a.meeting_id))
        if targets:
            query = (query.outerjoin(Team, Team.id == a.target_team_id)
                     .outerjoin(person, person.id == a.target_user_id))
        return query
    return columns, joined


_REQUIREMENT_WIDTH = 23  # how many of a row's columns ``_requirement`` reads


@cache
def _requirements_statement():
    """Built once (every compliance page runs it; building it costs more Python than running it):
    current assignments of the organisations ``org_ids`` with titles and targets."""
    columns, joined = _requirement_columns()
    return (joined(select(*columns))
            .where(Assignment.org_id.in_(bindparam("org_ids", expanding=True)), Assignment.removed_at.is_(None))
            .order_by(Assignment.id))


def _requirement(row) -> Requirement:
    cols, (current_title, draft_title, meeting_title, team_name, first, last, email) = row[:16], row[16:23]
    kind, course_id = cols[2], cols[3]
    if kind == "course":
        title = current_title or draft_title or f"Course {course_id}"
    else:
        title = f"Minutes: {meeting_title}"
    person_name = (f"{first} {last}".strip() or email) if email is not None else None
    return Requirement(*cols, title=title, target_label=target_label(
        cols[5], team_name=team_name, person_name=person_name, job_title=cols[8]))


def load_requirements(org_ids) -> list[Requirement]:
    """The organisations' current assignments with their titles and targets, in one query."""
    return [_requirement(row) for row in db.session.execute(_requirements_statement(), {"org_ids": list(org_ids)})]


def _people(rows, team_rows) -> list[Person]:
    people = {m_id: Person(m_id, user_id, org_id, f"{first} {last}".strip() or email, email, job_title or "",
                           created_at.date(), deactivated_at is None)
              for m_id, user_id, org_id, first, last, email, job_title, created_at, deactivated_at in rows}
    for membership_id, team_id, team_name in team_rows:
        p = people.get(membership_id)
        if p is not None:
            p.team_ids.add(team_id)
            p.team_names.append(team_name)
    return list(people.values())


_PERSON_COLUMNS = (Membership.id, User.id, Membership.org_id, User.first_name, User.last_name, User.email,
                   Membership.job_title, Membership.created_at, Membership.deactivated_at)


def load_people(org: Organisation, *, include_leavers: bool = False) -> list[Person]:
    query = (select(*_PERSON_COLUMNS).join(User, User.id == Membership.user_id)
             .where(Membership.org_id == org.id).order_by(User.last_name, User.first_name, User.id))
    if not include_leavers:
        query = query.where(Membership.deactivated_at.is_(None))
    team_rows = db.session.execute(
        select(TeamMember.membership_id, Team.id, Team.name).join(Team, Team.id == TeamMember.team_id)
        .where(Team.org_id == org.id).order_by(Team.name)).all()
    return _people(db.session.execute(query).all(), team_rows)


def _completions_union(user_ids, course_ids, meeting_ids):
    """One statement (a round trip each costs more than the rows): every completed round counts (a
    retake renews a recurring assignment), sign-offs, and completions recorded by a manager."""
    return union_all(
        select(CourseCompletion.user_id, literal_column("'course'"), CourseCompletion.course_id,
               CourseCompletion.completed_at, null().cast(Date))
        .where(CourseCompletion.course_id.in_(course_ids), CourseCompletion.user_id.in_(user_ids)),
        select(MinutesAcknowledgement.user_id, literal_column("'minutes'"), MinutesAcknowledgement.meeting_id,
               MinutesAcknowledgement.acknowledged_at, null().cast(Date))
        .where(MinutesAcknowledgement.meeting_id.in_(meeting_ids), MinutesAcknowledgement.user_id.in_(user_ids)),
        select(TrainingRecord.user_id, TrainingRecord.item_kind,
               case((TrainingRecord.item_kind == "course", TrainingRecord.course_id), else_=TrainingRecord.meeting_id),
               null().cast(CourseCompletion.completed_at.type), TrainingRecord.completed_on)
        .where(TrainingRecord.voided_at.is_(None), TrainingRecord.user_id.in_(user_ids),
               TrainingRecord.course_id.in_(course_ids) | TrainingRecord.meeting_id.in_(meeting_ids)))


@cache
def _completions_of_listed_users():
    """The same statement for a list of user ids (each dashboard), built once."""
    return _completions_union(*(bindparam(name, expanding=True) for name in ("user_ids", "course_ids", "meeting_ids")))


def load_completions(user_filter, assignments: list[Assignment]) -> dict[tuple[int, str], list[date]]:
    """``(user_id, item key) -> completion dates`` for the assigned courses and minutes: course
    completions (any version), minutes acknowledgements, and completions recorded by a manager.

    ``user_filter`` is a list of user ids or a subquery selecting them (one query either way).
    """
    course_ids = sorted({a.course_id for a in assignments if a.item_kind == "course"})
    meeting_ids = sorted({a.meeting_id for a in assignments if a.item_kind == "minutes"})
    done: dict[tuple[int, str], list[date]] = defaultdict(list)
    if not (course_ids or meeting_ids):
        return done
    if isinstance(user_filter, (list, tuple, set, frozenset)):
        rows = db.session.execute(_completions_of_listed_users(), {
            "user_ids": list(user_filter), "course_ids": course_ids, "meeting_ids": meeting_ids})
    else:
        rows = db.session.execute(_completions_union(user_filter, course_ids, meeting_ids))
    for user_id, kind, item_id, at, on in rows:
        done[(user_id, f"{kind}:{item_id}")].append(on if at is None else at.date())
    return done


# --- evaluating --------------------------------------------------------------------------------------


def items_of(assignments) -> list[Item]:
    seen: dict[str, Item] = {}
    for a in assignments:
        key = item_key(a)
        if key not in seen:
            seen[key] = Item(key, a.item_kind, a.course_id if a.item_kind == "course" else a.meeting_id, a.title)
    return sorted(seen.values(), key=lambda i: i.title.casefold())


def evaluate(people: list[Person], assignments, completions, today: date) -> dict:
    """``(membership_id, item key) -> Cell``. Several assignments of one item: the worst status wins."""
    items = {i.key: i for i in items_of(assignments)}
    rank = {s: n for n, s in enumerate(rules.STATUS_ORDER)}
    by_org: dict[int, list] = defaultdict(list)
    for n, a in enumerate(assignments):
        by_org[a.org_id].append((n, a, item_key(a), rule_for(a)))
    cells: dict[tuple[int, str], Cell] = {}
    # A status depends only on the rule, the completions and the person's first due date: most
    # people of a large organisation share one, and it is worked out once for all of them.
    known: dict[tuple, rules.ItemStatus] = {}
    for p in people:
        for n, a, key, rule in by_org.get(p.org_id, ()):
            if not in_scope(a, p):
                continue
            done = tuple(completions.get((p.user_id, key), ()))
            inputs = (n, done, rules.first_due(rule, p.joined_on))
            state = known.get(inputs)
            if state is None:
                state = known[inputs] = rules.status(rule, done, today, joined_on=p.joined_on)
            current = cells.get((p.membership_id, key))
            if current is None or rank[state.status] < rank[current.state.status]:
                cells[(p.membership_id, key)] = Cell(items[key], state, a)
    return cells


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str


@dataclass
class Matrix:
    people: list[Person]  # every filtered person (paginate in the view)
    items: list[Item]
    cells: dict
    teams: list[TeamRow]
    item_pct: dict[str, int | None]
    team_pct: dict[int, int | None]
    overall_pct: int | None
    counts: dict[str, int]
    all_items: list[Item]


@dataclass
class _Evaluation:
    """One organisation's evaluated matrix for one day and version, before filters."""

    people: list[Person]
    items: list[Item]
    cells: dict
    teams: list[TeamRow]


def _pct(good: int, total: int) -> int | None:
    return round(100 * good / total) if total else None


def _evaluation(org: Organisation, today: date, include_leavers: bool) -> _Evaluation:
    assignments = load_requirements([org.id])
    people = load_people(org, include_leavers=include_leavers)
    user_ids = select(Membership.user_id).where(Membership.org_id == org.id)
    cells = evaluate(people, assignments, load_completions(user_ids, assignments), today)
    teams = [TeamRow(i, n) for i, n in db.session.execute(
        select(Team.id, Team.name).where(Team.org_id == org.id).order_by(Team.name))]
    return _Evaluation(people, items_of(assignments), cells, teams)


def matrix(org: Organisation, today: date, *, team_id: int | None = None, item: str | None = None,
           include_leavers: bool = False, status: str | None = None) -> Matrix:
    """The organisation's compliance matrix, filtered by team and item; percentages over the filtered people.

    ``status`` then keeps only the people with at least one item in that status (the percentages
    stay those of the team and item filters: a "who is overdue" view must not read 0% compliant).
    """
    ev = _evaluation(org, today, include_leavers)
    status = status if status in rules.STATUS_LABELS else None
    cells, people, items = ev.cells, ev.people, ev.items
    if item:
        items = [i for i in items if i.key == item]
    if team_id:
        people = [p for p in people if team_id in p.team_ids]
    keys = {i.key for i in items}
    people = [p for p in people if any((p.membership_id, k) in cells for k in keys)] if item else people
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
    if status:
        people = [p for p in people if any((c := cells.get((p.membership_id, k))) is not None
                                           and c.state.status == status for k in keys)]
    return Matrix(people, items, cells, ev.teams, {k: _pct(*per_item[k]) for k in keys},
                  {t.id: _pct(*per_team[t.id]) for t in ev.teams}, _pct(*total), dict(counts), ev.items)


def person_cells(person: Person, today: date) -> list[Cell]:
    assignments = load_requirements([person.org_id])
    cells = evaluate([person], assignments, load_completions([person.user_id], assignments), today)
    return sorted(cells.values(), key=lambda c: (rules.STATUS_ORDER.index(c.state.status), c.item.title))


@cache
def _my_training_statement():
    """Everything ``my_training`` needs in one round trip (every learner's dashboard runs it): each
    assignment that applies to one of the user's active memberships, with its titles, the membership,
    and one row per completion of its item by the user (none: one row with NULLs).

    Targets by person and team are matched here (a team's through the membership's team places);
    targets by job title are matched in Python, with ``in_scope``, which compares case-insensitively
    in every language."""
    user_id = bindparam("user_id")
    a = Assignment
    columns, joined = _requirement_columns(a, targets=False)  # "My required training" shows no target
    orgs = select(Membership.org_id).where(Membership.user_id == user_id, Membership.deactivated_at.is_(None))
    assigned = select(a.course_id, a.meeting_id).where(a.org_id.in_(orgs), a.removed_at.is_(None)).subquery()
    done = union_all(
        select(literal_column("'course'").label("kind"), CourseCompletion.course_id.label("item_id"),
               CourseCompletion.completed_at.label("at"), null().cast(Date).label("on"))
        .where(CourseCompletion.user_id == user_id, CourseCompletion.course_id.in_(select(assigned.c.course_id))),
        select(literal_column("'minutes'"), MinutesAcknowledgement.meeting_id, MinutesAcknowledgement.acknowledged_at,
               null().cast(Date))
        .where(MinutesAcknowledgement.user_id == user_id,
               MinutesAcknowledgement.meeting_id.in_(select(assigned.c.meeting_id))),
        select(TrainingRecord.item_kind,
               case((TrainingRecord.item_kind == "course", TrainingRecord.course_id), else_=TrainingRecord.meeting_id),
               null().cast(CourseCompletion.completed_at.type), TrainingRecord.completed_on)
        .where(TrainingRecord.user_id == user_id, TrainingRecord.voided_at.is_(None))).subquery("done")
    item_id = case((a.item_kind == "course", a.course_id), else_=a.meeting_id)
    in_team = (select(TeamMember.team_id)
               .where(TeamMember.membership_id == Membership.id, TeamMember.team_id == a.target_team_id)
               .correlate(Membership, a).exists())
    applies = ((a.target_kind == "org") | (a.target_kind == "job_title")
               | ((a.target_kind == "person") & (a.target_user_id == user_id)) | ((a.target_kind == "team") & in_team))
    query = (select(*columns, Membership.id, Membership.org_id, Membership.job_title, Membership.created_at,
                    done.c.at, done.c.on)
             .select_from(Membership)
             .join(a, (a.org_id == Membership.org_id) & a.removed_at.is_(None) & applies))
    return (joined(query)
            .outerjoin(done, (done.c.kind == a.item_kind) & (done.c.item_id == item_id))
            .where(Membership.user_id == user_id, Membership.deactivated_at.is_(None))
            .order_by(a.id))


def my_training(user: User, today: date) -> list[tuple[Person, Cell]]:
    """Everything ``user`` is required to do, across their organisations, most urgent first (one query)."""
    assignments: dict[int, Requirement] = {}
    people: dict[int, Person] = {}
    completions: dict[tuple[int, str], list[date]] = defaultdict(list)
    for row in unit_of_work.read(_my_training_statement(), {"user_id": user.id}):
        membership_id, org_id, job_title, joined_at, at, on = row[_REQUIREMENT_WIDTH:]
        a = assignments.get(row[0])
        if a is None:
            a = assignments[row[0]] = _requirement(row)
        p = people.get(membership_id)
        if p is None:
            p = people[membership_id] = Person(membership_id, user.id, org_id, user.full_name,
                                               user.email, job_title or "", joined_at.date(), True)
        if a.target_kind == "team":
            p.team_ids.add(a.target_team_id)  # matched in the query
        if at is not None or on is not None:
            completions[(user.id, item_key(a))].append(on if at is None else at.date())
    if not assignments:
        return []
    cells = evaluate(list(people.values()), list(assignments.values()), completions, today)
    rows = [(people[m_id], cell) for (m_id, _), cell in cells.items()]
    return sorted(rows, key=lambda r: (rules.STATUS_ORDER.index(r[1].state.status),
                                       r[1].state.due_on or date.max, r[1].item.title))
