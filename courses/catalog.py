"""The catalog: published, released, unexpired courses, searched and filtered in SQL.

Search is a case-insensitive ``LIKE`` over a lower-cased copy of the title, summary, description
and objectives (``CourseVersion.search_text``), so it behaves the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, exists, func, select
from sqlalchemy.orm import Session

from courses.models import Course, CourseTag, CourseVersion, CreditDesignation
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


def browse(filters: CatalogFilters, *, today: date, page: int, per_page: int,
           epoch: tuple | None = None) -> CatalogView:
    """A page of the catalog with its filter menus, from this process's copy while the catalog is unchanged
    (``epoch``: ``catalog_epoch()`` if the caller has read it already)."""
    epoch = catalog_epoch() if epoch is None else epoch
    choices = kept(epoch, "menus", lambda: tag_choices_by_kind("specialty", "topic"))
    cards, total = kept(epoch, (filters, today, page, per_page), lambda: catalog_page(filters, today, page, per_page))
    return CatalogView(cards=cards, total=total, specialties=choices["specialty"], topics=choices["topic"])


def kept(epoch: tuple, key, compute):
    """``compute()``, kept by this process for as long as the catalog's ``epoch`` stays the same."""
    return current_app.extensions.setdefault("courses.catalog", _Kept()).get(epoch, key, compute)


def catalog_epoch() -> tuple:
    """Changes whenever what the catalog lists may have: a course published (its current version becomes a
    newer one, so the sum grows), archived, added or removed.

    Nothing else can change the catalog: a published version is never edited (changes go to a new draft
    version) and organisations are not renamed. One small aggregate over ``course``, so every process sees
    a change at its next request.
    """
    return tuple(db.session.execute(select(
        func.count(), func.count(Course.archived_at), func.sum(Course.current_version_id),
        func.max(Course.archived_at))).one())


class _Kept:
    """Values computed from the catalog, kept for as long as ``catalog_epoch`` stays the same (at most 256)."""

    size = 256

    def __init__(self):
        self.lock = threading.Lock()
        self.epoch, self.values = None, OrderedDict()

    def get(self, epoch, key, compute):
        with self.lock:
            if epoch != self.epoch:
                self.epoch, self.values = epoch, OrderedDict()
            elif key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = compute()
        with self.lock:
            if epoch == self.epoch:
                self.values[key] = value
                if len(self.values) > self.size:
                    self.values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.epoch, self.values = None, OrderedDict()


_CATALOG_MODELS = (Course, CourseVersion, CourseTag, CreditDesignation, Organisation)


@event.listens_for(Session, "after_flush")
def _forget_on_change(session, flush_context):
    """This process's own changes are seen at once, even where SQLite reuses the ids of rolled-back rows
    (so that the epoch comes back the same over different courses)."""
    kept = current_app.extensions.get("courses.catalog") if has_app_context() else None
    if kept is not None and any(isinstance(o, _CATALOG_MODELS)
                                for o in chain(session.new, session.dirty, session.deleted)):
        kept.clear()


def tag_choices(kind: str) -> list[str]:
    """Values of one tag kind used by some published course, for the catalog's filter menus."""
    return list(db.session.scalars(
        select(CourseTag.value).join(Course, Course.current_version_id == CourseTag.version_id)
        .where(CourseTag.kind == kind, Course.archived_at.is_(None)).distinct().order_by(CourseTag.value)))
