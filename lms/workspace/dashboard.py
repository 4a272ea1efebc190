"""The dashboard's parts per role: credit to claim (every learner), the practice (managers), teaching
(educators) and the site (administrators). Each part is a few aggregate queries, uncached."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, timedelta

from flask import get_template_attribute, render_template
from markupsafe import Markup
from sqlalchemy import Date, Integer, and_, bindparam, func, literal_column, null, select, union_all

from courses.models import Course, CourseCompletion, CourseVersion, CreditDesignation, Enrolment
from lms.audit.models import AuditEvent
from lms.credits.models import CreditEntry
from lms.credits.services import has_claimed
from lms import unit_of_work
from lms.extensions import db
from lms.main.dashboard import register_part
from lms.orgs.models import ROLE_RANK, Organisation
from lms.permissions import active_memberships, is_admin
from lms.training import compliance, rules
from lms.users.models import User
from meetings.models import ActionItem, Meeting

UPCOMING_LIMIT = 5
LIST_LIMIT = 8


# --- every learner: credit to claim -------------------------------------------------------------


@dataclass(frozen=True)
class Unclaimed:
    activity_id: int
    title: str
    completed_at: datetime
    deadline: date | None  # credit can be claimed until the activity expires
    credit: str  # "up to 1.5 credits" (the largest designation, or what the attendance earned)
    kind: str = "course"  # or "meeting": a live activity attended


LIVE_LOOK_BACK = timedelta(days=365)
LIVE_CANDIDATES = 10


@cache
def _credit_to_claim_statement():
    """Both halves of the credit to claim, in one round trip (built once: every dashboard runs it).

    Courses: those the learner completed, with the version they first completed (else the current
    enrolment's), its designations, and no claim in the ledger for the course. Live activities: the
    ended, accredited meetings of the past year with the learner's attendance on record and no claim."""
    from meetings.models import AttendanceInterval

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
    meetings = select(literal_column("'meeting'"), live.c.id, live.c.title, live.c.ends_at, null().cast(Date),
                      null().cast(CreditDesignation.max_amount.type), null().cast(Integer))
    return union_all(courses, meetings)


def credit_to_claim(user_id: int, now: datetime) -> list[Unclaimed]:
    """What the learner can claim: completed courses whose credit they have not claimed (the nearest
    deadline first), then live activities they attended long enough for credit and have not claimed.

    One query finds both; for the few meetings it finds, the credits contract
    (``lms.activities.participation``) decides whether the credible minutes earn credit and how much."""
    from lms import activities
    from lms.credits.services import fmt

    today = now.date()
    courses, live = [], []
    for kind, activity_id, title, completed, expires, top, n in unit_of_work.read(
            _credit_to_claim_statement(), {"user_id": user_id, "now": now, "since": now - LIVE_LOOK_BACK}):
        if kind == "course":
            if expires is None or expires >= today:
                courses.append(Unclaimed(activity_id, title, completed, expires, f"up to {fmt(top)} credit"
                                         f"{'s' if top != 1 else ''}" + (f" ({n} credit types)" if n > 1 else "")))
            continue
        part = activities.participation("meeting", user_id, activity_id)
        if part.completed_at is None or part.max_claimable <= 0:
            continue
        top = part.max_claimable
        live.append((completed, Unclaimed(activity_id, title, part.completed_at, None,
                                          f"attended {part.minutes_attended} min · up to {fmt(top)} "
                                          f"credit{'s' if top != 1 else ''}", kind="meeting")))
    courses.sort(key=lambda u: (u.deadline or date.max, u.title))
    live.sort(key=lambda pair: pair[0], reverse=True)  # the most recent meeting first, as before
    return courses + [u for _, u in live]


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
    """The role parts go at the top of the dashboard, most personal first."""
    for name, receiver in (("credit-to-claim", credit_section), ("practice", manager_section),
                           ("activities", educator_section), ("site", admin_section)):
        register_part("top", name, receiver)
