"""The catalog: published, released, unexpired courses, searched and filtered in SQL.

Search is a case-insensitive ``LIKE`` over a lower-cased copy of the title, summary, description
and objectives (``CourseVersion.search_text``), so it behaves the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from courses.models import Course, CourseTag, CourseVersion, CreditDesignation
from lms.extensions import db


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


def catalog_query(filters: CatalogFilters, today: date):
    """Published, released, unexpired and unarchived current versions matching ``filters``."""
    query = (select(CourseVersion).join(Course, Course.current_version_id == CourseVersion.id)
             .where(Course.archived_at.is_(None),
                    (CourseVersion.release_on.is_(None)) | (CourseVersion.release_on <= today),
                    (CourseVersion.expires_on.is_(None)) | (CourseVersion.expires_on >= today)))
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
    # Course and organisation are one row each: joined into the page's query, not fetched separately.
    return query.options(selectinload(CourseVersion.tags), selectinload(CourseVersion.designations),
                         joinedload(CourseVersion.course).joinedload(Course.org)).order_by(
        CourseVersion.published_at.desc(), CourseVersion.id.desc())


def tag_choices_by_kind(*kinds: str) -> dict[str, list[str]]:
    """``tag_choices`` for several kinds in one query."""
    found: dict[str, list[str]] = {kind: [] for kind in kinds}
    for kind, value in db.session.execute(
            select(CourseTag.kind, CourseTag.value).join(Course, Course.current_version_id == CourseTag.version_id)
            .where(CourseTag.kind.in_(kinds), Course.archived_at.is_(None)).distinct()
            .order_by(CourseTag.kind, CourseTag.value)):
        found[kind].append(value)
    return found


def tag_choices(kind: str) -> list[str]:
    """Values of one tag kind used by some published course, for the catalog's filter menus."""
    return list(db.session.scalars(
        select(CourseTag.value).join(Course, Course.current_version_id == CourseTag.version_id)
        .where(CourseTag.kind == kind, Course.archived_at.is_(None)).distinct().order_by(CourseTag.value)))
