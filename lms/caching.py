"""The one cache: shared, expensive page fragments under explicit keys, on Flask-Caching.

What is kept, and what changes its key:

=====================================  ========================================  ==============================
fragment                               key                                       changed by
=====================================  ========================================  ==============================
catalog result pages, filter menus     ``generation("catalog")``, the filters,   ``courses.workflow`` publish
                                       the day                                   and archive: ``bump("catalog")``
a published course version's parts     the version id (and its course's          nothing: a published version
(description, disclosures, credit,     creation time)                            is never edited
outline)
an organisation's compliance matrix    ``generation("training", org id)``, the   the services that change what
(rendered, per filter and page)        day, the filters and the page             it counts: ``bump_training``
=====================================  ========================================  ==============================

``bump_training(org_ids)`` is called by the training services (assignments, recorded completions,
roster imports), the organisation services (joiners, leavers, teams), and the few services of other
packages that change an input of the matrix: a course completion and a minutes sign-off
(``bump_training_of_people``), a newly published course title or edited minutes (the organisations
assigning them). Lesson progress, heartbeats and everything else leave every key alone.

A *generation* is a row of ``cache_generation`` (name -> value), read with one primary-key query.
``bump(name)`` gives it a new random value in the same transaction as the change, so every process
sees the new key the moment the change commits, and a rolled-back change leaves the old key (a value
is random rather than counted up, so one read inside a transaction that rolled back is never handed
out again).

Nothing per user is kept: a learner's dashboard, course page, transcript and meeting page, and the
seats behind every permission check, are read from the database on every request, so no heartbeat,
progress write or raw SQL can leave anyone a stale page. Everything else is made fast instead.

Backend: ``RedisCache`` when ``REDIS_URL`` is set (one cache for every process), else a ``SimpleCache``
in each process (the embedded default). Tests get a fresh ``SimpleCache`` per app.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_caching import Cache
from sqlalchemy import BigInteger, String, bindparam, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db

cache = Cache()

# Kept entries are garbage once their key moves on; these bound how long they linger.
FRAGMENT_TIMEOUT = 24 * 3600


class CacheGeneration(db.Model):
    """The current value of one named generation (``catalog``)."""

    __tablename__ = "cache_generation"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    settings = {"CACHE_DEFAULT_TIMEOUT": FRAGMENT_TIMEOUT, "CACHE_KEY_PREFIX": "continuum:fragment:"}
    if app.config.get("CACHE_TYPE"):
        settings["CACHE_TYPE"] = app.config["CACHE_TYPE"]
    elif redis_url:
        settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    else:
        settings.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=2000)
    cache.init_app(app, config=settings)


@functools.cache  # built once (``cache`` here is the fragment cache)
def _generation_statement():
    return select(CacheGeneration.value).where(CacheGeneration.name == bindparam("name"))


def generation(name: str, object_id: int | None = None) -> int:
    """The generation's current value, as this transaction sees it (0 before its first bump)."""
    name = name if object_id is None else f"{name}:{object_id}"
    return db.session.scalar(_generation_statement(), {"name": name}) or 0


def generations(*names: str) -> tuple[int, ...]:
    """Several generations' current values (as ``generation``, 0 before a first bump), read in one query."""
    found = dict(db.session.execute(
        select(CacheGeneration.name, CacheGeneration.value).where(CacheGeneration.name.in_(names))).all())
    return tuple(found.get(name) or 0 for name in names)


def bump_training(org_ids) -> None:
    """The organisations' compliance changed: their matrices are rebuilt once this commits."""
    for org_id in sorted(set(org_ids)):
        bump(f"training:{org_id}")


def bump_training_of_people(user_ids) -> None:
    """Something that counts towards compliance changed for these people (a completion, a sign-off):
    the organisations they belong to."""
    from lms.orgs.models import Membership

    user_ids = list(set(user_ids))
    if user_ids:
        bump_training(db.session.scalars(select(Membership.org_id).where(Membership.user_id.in_(user_ids))))


def bump(name: str) -> None:
    """A new value for ``name``, in the caller's transaction: every fragment keyed by it is rebuilt
    once the change commits. Called by the one service that changes those fragments."""
    value = secrets.randbits(62) + 1
    done = db.session.execute(update(CacheGeneration).where(CacheGeneration.name == name).values(value=value))
    if not done.rowcount:
        db.session.execute(insert(CacheGeneration).values(name=name, value=value))


def key_name(key: tuple) -> str:
    """The cache key for a tuple of plain values that names everything a fragment depends on."""
    return ":".join(repr(part) if not isinstance(part, (str, int)) else str(part) for part in key)


def kept(key: tuple, make: Callable[[], Any]) -> Any:
    """``make()``, kept under ``key`` (a tuple of plain values that names everything the value depends on)."""
    name = key_name(key)
    found = cache.get(name)
    if found is None:
        found = make()
        cache.set(name, found)
    return found
