"""Cursor pagination and the query parameters every list shares.

A cursor is an opaque token naming the last row of the previous page; the next page starts strictly after it, so rows added meanwhile are neither skipped
nor repeated, unlike page numbers.
"""

from __future__ import annotations

import re

import marshmallow as ma
from urllib.parse import urlencode

from flask import g, request

from lms.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


CURSOR_PATTERN = r"^c1\.[0-9a-f]{1,8}$"
MAX_ID = 2**31 - 1  # ids are database INTEGERs: a cursor past the last possible one is an empty page


def encode_cursor(last_id: int) -> str:
    return f"c1.{last_id:x}"


def decode_cursor(raw: str) -> int:
    if not re.fullmatch(CURSOR_PATTERN, raw or ""):
        raise ma.ValidationError("Not a cursor from this API.")
    return min(int(raw[3:], 16), MAX_ID)


class CursorField(ma.fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return decode_cursor(super()._deserialize(value, attr, data, **kwargs))


class ListArgs(ma.Schema):
    """Query parameters of every list."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT),
                              metadata={"description": f"Items per page (1-{MAX_LIMIT})."})
    cursor = CursorField(metadata={"description": "The `next_cursor` of the previous page.",
                                   "pattern": CURSOR_PATTERN})


class UpdatedSinceArgs(ListArgs):
    updated_since = ma.fields.AwareDateTime(
        default_timezone=None, metadata={"description": "Only items changed at or after this instant (RFC 3339)."})


def page_schema(item_schema, name: str):
    """``{"data": [...], "next_cursor": str | null}`` around ``item_schema``."""
    return ma.Schema.from_dict({
        "data": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "next_cursor": ma.fields.String(required=True, allow_none=True,
                                        metadata={"description": "Pass as `cursor` for the next page; null on the last."}),
    }, name=name)


def paginate(query, id_column, args: dict, *, transform=None, key=lambda row: row.id):
    """One page of ``query`` ordered by ``id_column``, after ``args['cursor']``; adds a ``Link`` header."""
    limit = args["limit"]
    if args.get("cursor") is not None:
        query = query.where(id_column > args["cursor"])
    rows = list(db.session.scalars(query.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(key(rows[-1])) if more and rows else None
    if next_cursor:
        _link_next(next_cursor)
    items = [transform(r) for r in rows] if transform else rows
    return {"data": items, "next_cursor": next_cursor}


def paginate_list(items: list, key, args: dict) -> dict:
    """The same contract over an already computed list (``key(item)`` is a unique increasing int)."""
    items = sorted(items, key=key)
    if args.get("cursor") is not None:
        items = [i for i in items if key(i) > args["cursor"]]
    limit = args["limit"]
    page, more = items[:limit], len(items) > limit
    next_cursor = encode_cursor(key(page[-1])) if more and page else None
    if next_cursor:
        _link_next(next_cursor)
    return {"data": page, "next_cursor": next_cursor}


def _link_next(cursor: str) -> None:
    args = request.args.to_dict()
    args["cursor"] = cursor
    g.api_link_next = f"<{request.base_url}?{urlencode(args)}>; rel=\"next\""
