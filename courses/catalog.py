"""The catalog: published, released, unexpired courses, searched and filtered in SQL.

Its pages and filter menus are the same for every reader, so they are kept in the shared cache
(``lms.caching``) under the ``catalog`` generation, which ``courses.workflow.publish`` and
``archive`` bump: nothing else changes what the catalog lists (a published version is never edited).

Search is a case-insensitive ``LIKE`` over a lower-cased copy of the title, summary, description
and objectives (``CourseVersion.search_text``), so it behaves the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from sqlalchemy import exists, func, select

from courses.models import Course, CourseTag, CourseVersion, CreditDesignation
from lms import caching
from lms.extensions import db
from lms.orgs.models import Organisation


@dataclass(frozen=True)
class CatalogFilters:
    q: str = ""
    specialty: str = ""
    topic: str = ""
    credit_type: str = ""
    format: str = ""
    profession: str = ""
    min_credit: Decimal | None = None


def parse_credit(value: str | None) -> Decimal | None:
    try:
        amount = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and 0 <= amount <= 1000 else None


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query, filters: CatalogFilters, today: date):
    """``query`` (over ``CourseVersion`` joined to its ``Course``) narrowed to the catalog and to ``filters``."""
    query = query.where(Course.archived_at.is_(None),
                        (CourseVersion.release_on.is_(None)) | (CourseVersion.release_on <= today),
                        (CourseVersion.expires_on.is_(None)) | (CourseVersion.expires_on >= today))
    if filters.q:
        for word in filters.q.split()[:8]:
            query = query.where(CourseVersion.search_text.like(_like(word), escape="\\"))
    # IN (subquery) rather than a correlated EXISTS: SQLite then starts from the few tagged versions
    # (an index search) instead of testing every published version; PostgreSQL plans both alike.
    for kind, value in (("specialty", filters.specialty), ("topic", filters.topic)):
        if value:
            query = query.where(CourseVersion.id.in_(select(CourseTag.version_id).where(
                CourseTag.kind == kind, CourseTag.value == value.lower())))
    if filters.profession:
        # A course with no target professions is for everyone.
        query = query.where(exists().where(CourseTag.version_id == CourseVersion.id, CourseTag.kind == "profession",
                                           CourseTag.value == filters.profession)
                            | ~exists().where(CourseTag.version_id == CourseVersion.id,
                                              CourseTag.kind == "profession"))
    if filters.credit_type:
        query = query.where(CourseVersion.id.in_(select(CreditDesignation.version_id).where(
            CreditDesignation.credit_type_code == filters.credit_type)))
    if filters.format:
        query = query.where(CourseVersion.format == filters.format)
    if filters.min_credit is not None:
        query = query.where(CourseVersion.max_credit >= filters.min_credit)
    return query


_NEWEST_FIRST = (CourseVersion.published_at.desc(), CourseVersion.id.desc())


def catalog_query(filters: CatalogFilters, today: date):
    """Published, released, unexpired and unarchived current versions matching ``filters``."""
    return _filtered(select(CourseVersion).join(Course, Course.current_version_id == CourseVersion.id),
                     filters, today).order_by(*_NEWEST_FIRST)


@dataclass(frozen=True)
class CatalogCard:
    """What the catalog shows of one course, as plain values (so that a page can be kept)."""

    course_id: int
    title: str
    summary: str
    org_name: str
    format: str
    estimated_minutes: int
    expires_on: date | None
    credits: tuple[str, ...]  # "1.00 AMA PRA CATEGORY 1", by credit type
    topics: tuple[str, ...]


def catalog_page(filters: CatalogFilters, today: date, page: int, per_page: int) -> tuple[list[CatalogCard], int]:
    """One page of ``catalog_query``'s courses, newest first, and how many match in all."""
    query = _filtered(
        select(CourseVersion.id, CourseVersion.course_id, CourseVersion.title, CourseVersion.summary,
               Organisation.name, CourseVersion.format, CourseVersion.estimated_minutes, CourseVersion.expires_on,
               func.count().over())
        .join(Course, Course.current_version_id == CourseVersion.id).join(Organisation, Organisation.id == Course.org_id),
        filters, today)
    rows = db.session.execute(query.order_by(*_NEWEST_FIRST).limit(per_page).offset((page - 1) * per_page)).all()
    if not rows:  # past the last page the window count has no row to ride on
        total = page > 1 and db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        return [], total
    ids = [row[0] for row in rows]
    topics: dict[int, list[str]] = {i: [] for i in ids}
    credits: dict[int, list[str]] = {i: [] for i in ids}
    for version_id, value in db.session.execute(select(CourseTag.version_id, CourseTag.value).where(
            CourseTag.version_id.in_(ids), CourseTag.kind == "topic").order_by(CourseTag.value)):
        topics[version_id].append(value)
    for version_id, code, amount in db.session.execute(
            select(CreditDesignation.version_id, CreditDesignation.credit_type_code, CreditDesignation.max_amount)
            .where(CreditDesignation.version_id.in_(ids)).order_by(CreditDesignation.credit_type_code)):
        credits[version_id].append(f"{amount} {code.replace('_', ' ').upper()}")
    cards = [CatalogCard(course_id=course_id, title=title, summary=summary, org_name=org_name, format=format_,
                         estimated_minutes=minutes, expires_on=expires_on, credits=tuple(credits[version_id]),
                         topics=tuple(topics[version_id]))
             for version_id, course_id, title, summary, org_name, format_, minutes, expires_on, _ in rows]
    return cards, rows[0][-1]


def tag_choices_by_kind(*kinds: str) -> dict[str, list[str]]:
    """``tag_choices`` for several kinds in one query."""
    found: dict[str, list[str]] = {kind: [] for kind in kinds}
    for kind, value in db.session.execute(
            select(CourseTag.kind, CourseTag.value).join(Course, Course.current_version_id == CourseTag.version_id)
            .where(CourseTag.kind.in_(kinds), Course.archived_at.is_(None)).distinct()
            .order_by(CourseTag.kind, CourseTag.value)):
        found[kind].append(value)
    return found


@dataclass(frozen=True)
class CatalogView:
    cards: list[CatalogCard]
    total: int
    specialties: list[str]
    topics: list[str]


def generation() -> int:
    """The catalog's generation (``lms.caching``): ``publish`` and ``archive`` bump it."""
    return caching.generation("catalog")


def browse(filters: CatalogFilters, *, today: date, page: int, per_page: int,
           generation_: int | None = None) -> CatalogView:
    """A page of the catalog with its filter menus, kept in the shared cache for the catalog's generation."""
    gen = generation() if generation_ is None else generation_
    choices = caching.kept(("catalog", gen, "menus"), lambda: tag_choices_by_kind("specialty", "topic"))
    cards, total = caching.kept(("catalog", gen, "page", filters, today, page, per_page),
                                lambda: catalog_page(filters, today, page, per_page))
    return CatalogView(cards=cards, total=total, specialties=choices["specialty"], topics=choices["topic"])


def tag_choices(kind: str) -> list[str]:
    """Values of one tag kind used by some published course, for the catalog's filter menus."""
    return list(db.session.scalars(
        select(CourseTag.value).join(Course, Course.current_version_id == CourseTag.version_id)
        .where(CourseTag.kind == kind, Course.archived_at.is_(None)).distinct().order_by(CourseTag.value)))
