"""The dashboard's parts per role: credit to claim and licence requirements (every learner), the
practice (managers), teaching (educators) and the site (administrators). Each part is a few
aggregate queries, uncached."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, timedelta

from flask import g, get_template_attribute, has_request_context, render_template, request
from markupsafe import Markup
from sqlalchemy import (Date, Integer, String, and_, bindparam, case, exists, func, literal_column, null, select,
                        union_all)

from courses.models import Course, CourseCompletion, CourseVersion, CreditDesignation, Enrolment
from lms import unit_of_work
from lms.audit.models import AuditEvent
from lms.credits.models import CreditEntry, Requirement
from lms.credits.services import fmt, has_claimed, requirement_progress
from lms.extensions import db
from lms.main.dashboard import register_part, register_profile_check
from lms.orgs.models import ROLE_RANK, Organisation
from lms.permissions import active_memberships, is_admin
from lms.training import compliance, rules
from lms.users.models import Licence, User
from meetings.models import ActionItem, AttendanceInterval, Meeting

UPCOMING_LIMIT = 5
LIST_LIMIT = 8


# --- every learner: credit to claim, licence requirements, a licence on file ---------------------
# Every learner's dashboard needs all three: they are read in one statement (one round trip instead
# of three), and a GET keeps the answer for the rest of the request, so the "Credit to claim" part,
# the requirements card and the "a licence" profile check share it.


@dataclass(frozen=True)
class Unclaimed:
    activity_id: int
    title: str
    completed_at: datetime
    deadline: date | None  # credit can be claimed until the activity expires
    credit: str  # "up to 1.5 credits" (the largest designation, or what the attendance earned)
    kind: str = "course"  # or "meeting": a live activity attended


@dataclass(frozen=True)
class LearnerCredit:
    unclaimed: list[Unclaimed]  # the nearest deadline first, then live activities, the latest first
    requirement_ids: list[int]  # the requirements the learner tracks (their rows are read only if any)
    has_licence: bool


LIVE_LOOK_BACK = timedelta(days=365)
LIVE_CANDIDATES = 10


@cache
def _statement():
    """One round trip, built once (every dashboard runs it), as one row shape for four kinds of row.

    ``course``: a course the learner completed, with the version they first completed (else the
    current enrolment's), its designations, and no claim in the ledger for the course. ``meeting``:
    an ended, accredited meeting of the past year with the learner's attendance on record and no
    claim. ``requirement``: a requirement the learner tracks. ``licence``: always one row, whose last
    column says whether a licence is on file."""
    user_id = bindparam("user_id")
    when = Meeting.ends_at.type
    first_version = (select(CourseCompletion.version_id).where(CourseCompletion.enrolment_id == Enrolment.id)
                     .order_by(CourseCompletion.round).limit(1).correlate(Enrolment).scalar_subquery())
    version_id = func.coalesce(first_version, Enrolment.version_id)
    courses = (select(literal_column("'course'").label("kind"), Enrolment.course_id.label("id"), CourseVersion.title,
                      func.min(CourseCompletion.completed_at).label("completed_at"), CourseVersion.expires_on,
                      func.max(CreditDesignation.max_amount).label("top"),
                      func.count(CreditDesignation.id).label("designations"))
               .join(CourseCompletion, CourseCompletion.enrolment_id == Enrolment.id)
               .join(CourseVersion, CourseVersion.id == version_id)
               .join(CreditDesignation, CreditDesignation.version_id == CourseVersion.id)
               .where(Enrolment.user_id == user_id, ~has_claimed(user_id, "course", Enrolment.course_id))
               .group_by(Enrolment.course_id, CourseVersion.title, CourseVersion.expires_on))
    # Driven from the learner's own attendance (an IN list, not EXISTS: SQLite would scan every meeting).
    attended = Meeting.id.in_(select(AttendanceInterval.meeting_id).where(AttendanceInterval.user_id == user_id,
                                                                         AttendanceInterval.voided_at.is_(None)))
    live = (select(Meeting.id, Meeting.title, Meeting.ends_at)
            .where(Meeting.category == "education", Meeting.is_accredited.is_(True), Meeting.cancelled_at.is_(None),
                   Meeting.ends_at >= bindparam("since", type_=when),
                   (Meeting.ends_at <= bindparam("now", type_=when)) | Meeting.ended_at.is_not(None),
                   attended, ~has_claimed(user_id, "meeting", Meeting.id))
            .order_by(Meeting.ends_at.desc()).limit(LIVE_CANDIDATES).subquery())
    no_date, no_amount, no_count = null().cast(Date), null().cast(CreditDesignation.max_amount.type), null().cast(Integer)
    meetings = select(literal_column("'meeting'"), live.c.id, live.c.title, live.c.ends_at, no_date, no_amount, no_count)
    requirements = select(literal_column("'requirement'"), Requirement.id, null().cast(String), null().cast(when),
                          no_date, no_amount, no_count).where(Requirement.learner_id == user_id)
    licence = select(literal_column("'licence'"), null().cast(Integer), null().cast(String), null().cast(when), no_date,
                     no_amount, case((exists().where(Licence.user_id == user_id), 1), else_=0))
    return union_all(courses, meetings, requirements, licence)


def learner_credit(user_id: int, now: datetime) -> LearnerCredit:
    """The learner's credit to claim, tracked requirements and licence on file (kept for the rest of a GET).

    For the few live activities found, the credits contract (``lms.activities.participation``)
    decides whether the credible minutes earn credit and how much."""
    memo = g.setdefault("_learner_credit", {}) if has_request_context() and request.method in ("GET", "HEAD") else {}
    if user_id not in memo:
        memo[user_id] = _read(user_id, now)
    return memo[user_id]


def _read(user_id: int, now: datetime) -> LearnerCredit:
    from lms import activities

    today = now.date()
    courses, live, requirement_ids, has_licence = [], [], [], False
    for kind, activity_id, title, completed, expires, top, n in unit_of_work.read(
            _statement(), {"user_id": user_id, "now": now, "since": now - LIVE_LOOK_BACK}):
        if kind == "course":
            if expires is None or expires >= today:
                courses.append(Unclaimed(activity_id, title, completed, expires, f"up to {fmt(top)} credit"
                                         f"{'s' if top != 1 else ''}" + (f" ({n} credit types)" if n > 1 else "")))
        elif kind == "meeting":
            part = activities.participation("meeting", user_id, activity_id)
            if part.completed_at is None or part.max_claimable <= 0:
                continue
            top = part.max_claimable
            live.append((completed, Unclaimed(activity_id, title, part.completed_at, None,
                                              f"attended {part.minutes_attended} min · up to {fmt(top)} "
                                              f"credit{'s' if top != 1 else ''}", kind="meeting")))
        elif kind == "requirement":
            requirement_ids.append(activity_id)
        else:
            has_licence = bool(n)
    courses.sort(key=lambda u: (u.deadline or date.max, u.title))
    live.sort(key=lambda pair: pair[0], reverse=True)  # the most recent meeting first
    return LearnerCredit(courses + [u for _, u in live], requirement_ids, has_licence)


def credit_to_claim(user_id: int, now: datetime) -> list[Unclaimed]:
    """What the learner can claim: completed courses whose credit they have not claimed (the nearest
    deadline first), then live activities they attended long enough for credit and have not claimed."""
    return learner_credit(user_id, now).unclaimed


def lacks_a_licence(user) -> bool:
    """The dashboard's profile check: a health professional with no licence on file."""
    from lms.types import utcnow

    return user.profession != "other" and not learner_credit(user.id, utcnow()).has_licence


# --- managers: the practice ---------------------------------------------------------------------


@dataclass
class PracticeSummary:
    org: Organisation
    overall_pct: int | None
    counts: dict
    item_pct: list[tuple[str, int | None]]
    team_pct: list[tuple[str, int | None]]
    overdue: list  # (person, [item titles])
    overdue_total: int


def practice_summary(org: Organisation, now: datetime) -> PracticeSummary:
    today = compliance.local_today(org.timezone, now)
    m = compliance.matrix(org, today)
    titles = {i.key: i.title for i in m.items}
    bad = (rules.OVERDUE, rules.EXPIRED)
    overdue = []
    for p in m.people:
        late = [titles[k] for k in titles if (c := m.cells.get((p.membership_id, k))) is not None
                and c.state.status in bad]
        if late:
            overdue.append((p, late))
    return PracticeSummary(org, m.overall_pct, m.counts, [(titles[k], m.item_pct.get(k)) for k in titles],
                           [(t.name, m.team_pct.get(t.id)) for t in m.teams if m.team_pct.get(t.id) is not None],
                           overdue[:LIST_LIMIT], len(overdue))


def upcoming_meetings(org_ids: list[int], now: datetime) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting).where(Meeting.org_id.in_(org_ids), Meeting.cancelled_at.is_(None),
                              Meeting.ended_at.is_(None), Meeting.series_ends_at >= now)
        .order_by(Meeting.starts_at).limit(UPCOMING_LIMIT)))


def open_action_items(org_ids: list[int]) -> tuple[list, int]:
    where = and_(Meeting.org_id.in_(org_ids), ActionItem.done_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(ActionItem).join(Meeting).where(where))
    rows = db.session.execute(
        select(ActionItem.text, ActionItem.due_on, ActionItem.meeting_id, Meeting.title, User.first_name,
               User.last_name).join(Meeting, Meeting.id == ActionItem.meeting_id)
        .outerjoin(User, User.id == ActionItem.owner_id).where(where)
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id).limit(LIST_LIMIT)).all()
    return rows, total or 0


# --- educators: their activities ----------------------------------------------------------------


@dataclass(frozen=True)
class ActivityRow:
    kind: str
    id: int
    org_id: int
    title: str
    status: str
    enrolled: int
    completed: int
    claimed: int
    evaluations: int

    @property
    def pending_claims(self) -> int:
        """Learners who completed and have not claimed (yet)."""
        return max(self.completed - self.claimed, 0)


def course_rows(org_ids: list[int], *, limit: int | None = LIST_LIMIT, course_id: int | None = None) -> list[ActivityRow]:
    """Each course with its enrolment, completion, claim and evaluation counts: one query."""
    def count(*where, of=Enrolment.id):
        return select(func.count(func.distinct(of))).where(*where).correlate(Course).scalar_subquery()

    title = func.coalesce(
        select(CourseVersion.title).where(CourseVersion.id == func.coalesce(Course.draft_version_id,
                                                                            Course.current_version_id))
        .correlate(Course).scalar_subquery(), "Untitled")
    query = (select(Course, title,
                    count(Enrolment.course_id == Course.id),
                    count(Enrolment.course_id == Course.id, Enrolment.id == CourseCompletion.enrolment_id,
                          of=CourseCompletion.enrolment_id),
                    count(CreditEntry.activity_kind == "course", CreditEntry.activity_id == Course.id,
                          CreditEntry.kind == "claim", of=CreditEntry.learner_id),
                    count(Enrolment.course_id == Course.id, Enrolment.evaluation_submitted_at.is_not(None)))
             .order_by(Course.id.desc()))
    query = query.where(Course.id == course_id) if course_id else query.where(Course.org_id.in_(org_ids))
    if limit:
        query = query.limit(limit)
    return [ActivityRow("course", c.id, c.org_id, t, c.status_label, e, done, claimed, ev)
            for c, t, e, done, claimed, ev in db.session.execute(query)]


def accredited_meetings(org_ids: list[int], *, limit: int | None = LIST_LIMIT) -> list[Meeting]:
    query = (select(Meeting).where(Meeting.org_id.in_(org_ids), Meeting.is_accredited.is_(True),
                                   Meeting.cancelled_at.is_(None)).order_by(Meeting.starts_at.desc()))
    return list(db.session.scalars(query.limit(limit) if limit else query))


# --- administrators ------------------------------------------------------------------------------


def site_figures(now: datetime) -> dict:
    week_ago = now - timedelta(days=7)
    accounts, new_accounts = db.session.execute(
        select(func.count(User.id), func.count(User.id).filter(User.created_at >= week_ago))).one()
    return {"accounts": accounts, "new_accounts": new_accounts,
            "organisations": db.session.scalar(select(func.count(Organisation.id))),
            "recent": db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(5)).all()}


# --- the signal receivers -----------------------------------------------------------------------


def _seats(user, role: str):
    return [s for s in active_memberships(user) if ROLE_RANK.get(s.role, 0) >= ROLE_RANK[role]]


def credit_section(user, now: datetime):
    todo = credit_to_claim(user.id, now)
    if not todo:
        return None
    return get_template_attribute("workspace/_credit_todo.html", "credit_todo")(todo, now.date())


def requirements_section(user, now: datetime):
    """The licence requirements card (only the learner's own requirements are read, and only if any)."""
    ids = learner_credit(user.id, now).requirement_ids
    return get_template_attribute("lms/main/_requirements_card.html", "requirements_card")(
        requirement_progress(user.id, now.date(), ids))


def manager_section(user, now: datetime):
    seats = [s for s in _seats(user, "manager")]
    if not seats:
        return None
    orgs = db.session.scalars(select(Organisation).where(Organisation.id.in_([s.org_id for s in seats]))
                              .order_by(Organisation.name)).all()
    org_ids = [o.id for o in orgs]
    items, items_total = open_action_items(org_ids)
    practices = [p for p in (practice_summary(o, now) for o in orgs) if p.item_pct or p.org.kind == "practice"]
    return Markup(render_template(
        "workspace/_manager.html", practices=practices,
        meetings=upcoming_meetings(org_ids, now), actions=items, actions_total=items_total))


def educator_section(user, now: datetime):
    seats = _seats(user, "educator")
    if not seats:
        return None
    org_ids = [s.org_id for s in seats]
    courses = course_rows(org_ids)
    meetings = accredited_meetings(org_ids, limit=UPCOMING_LIMIT)
    if not courses and not meetings and all(s.role == "manager" for s in seats):
        return None  # a practice manager who teaches nothing: no empty "Teaching" part
    return Markup(render_template("workspace/_educator.html", courses=courses, meetings=meetings, seats=seats))


def admin_section(user, now: datetime):
    if not is_admin(user):
        return None
    return Markup(render_template("workspace/_admin.html", figures=site_figures(now)))


def register() -> None:
    """The role parts go at the top of the dashboard, most personal first; the learner's licence
    requirements at the side, and the "a licence" profile check."""
    for name, receiver in (("credit-to-claim", credit_section), ("practice", manager_section),
                           ("activities", educator_section), ("site", admin_section)):
        register_part("top", name, receiver)
    register_part("side", "requirements", requirements_section)
    register_profile_check("a licence", lacks_a_licence)
