"""Column types shared by every package."""

from __future__ import annotations

from datetime import datetime, timezone

from collections.abc import Iterable

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored
    as naive UTC and made aware again when read. Naive input is refused: a naive
    datetime is a bug that would silently shift times by the server's offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC datetimes")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_type(values: Iterable[str], name: str, length: int = 20) -> Enum:
    """A status or kind from a closed list: stored as text, refused by a CHECK constraint in the
    database (``ck_<table>_<name>``) and by SQLAlchemy before it gets there."""
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=length, validate_strings=True)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def alembic_render_item(type_, obj, autogen_context):
    """Render ``UTCDateTime`` as a plain ``sa.DateTime(timezone=True)`` in migration scripts."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


