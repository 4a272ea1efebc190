"""Bad input is answered 400 or 404 before it can reach the database as a 500.

- URL integers are bounded to the database's INTEGER range (PostgreSQL refuses 2^31 with
  "integer out of range", SQLite's driver 2^63 with OverflowError): ``<int:...>`` is replaced
  app-wide by a converter that answers 404 above 2^31 - 1.
- Form fields and query arguments lose bidi and control characters as they are parsed (see
  ``lms.text``), so nothing typed stores a right-to-left override; passwords are left as typed.
- NUL bytes in the path, query arguments or form fields answer 400 (PostgreSQL text cannot
  hold them, and no legitimate form sends one).
- A JSON body must be an object (every JSON endpoint takes one, and Flask-WTF would hand an array
  to a form); JSON too deep for the parser is refused like any malformed JSON (400).
"""

from __future__ import annotations

import builtins
import json
import re
from typing import Any

from flask import Flask, Request, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from lms.text import clean_text

MAX_DB_INT = 2**31 - 1  # INTEGER primary keys on PostgreSQL; SQLite's are wider, so this bounds both
MAX_JSON_DEPTH = 64


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that never matches a number the database cannot hold (404 instead of a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        bound = MAX_DB_INT if max is None else builtins.min(max, MAX_DB_INT)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)


def json_depth_ok(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when no array/object in ``text`` nests deeper than ``limit`` (strings are skipped)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def loads(text: str | bytes, **kwargs) -> Any:
    """``json.loads`` that raises ValueError (never RecursionError) on absurdly nested input."""
    if not json_depth_ok(text):
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


class SafeJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)


def json_object() -> dict:
    """The request's JSON body as an object; 400 for anything else (an array, a number, bad JSON)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


def _json_has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_json_has_nul(k) or _json_has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_nul(v) for v in value)
    return False


def refuse_malformed_input() -> None:
    """400 for a NUL byte in the path or a JSON body, and for a JSON body that is not an object
    (Flask-WTF would hand an array to the form). Query arguments and form fields are checked as
    they are parsed (``CleanedMultiDict``), when the view reads them: an upload route sets its own
    size cap before the body is read."""
    if "\x00" in request.path:
        abort(400)
    # A JSON content type on a request without a body (a SCIM client's GET or DELETE) is no JSON body.
    if request.is_json and request.get_data(cache=True):
        data = request.get_json(silent=True)  # cached: a view reading the raw body still gets it
        if not isinstance(data, dict) or _json_has_nul(data):
            abort(400)


_SECRET_FIELD = re.compile(r"password|secret|token", re.IGNORECASE)


class CleanedMultiDict(ImmutableMultiDict):
    """Form fields and query arguments without bidi or control characters (secrets left as typed);
    a NUL byte in a name, a value or an upload's file name is a 400."""

    def __init__(self, mapping=None):
        if mapping is not None:
            items = mapping.items(multi=True) if isinstance(mapping, MultiDict) else \
                mapping.items() if isinstance(mapping, dict) else mapping
            mapping = [(key, value if _SECRET_FIELD.search(str(key)) else clean_text(value, keep_nul=True))
                       for key, value in items]
            for key, value in mapping:
                if "\x00" in str(key) or "\x00" in (value if isinstance(value, str) else
                                                     getattr(value, "filename", None) or ""):
                    abort(400)
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = CleanedMultiDict


def init_app(app: Flask) -> None:
    """Call before blueprints are registered, so every ``<int:...>`` rule uses the bounded converter."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = CleanRequest
    app.json = SafeJSONProvider(app)
    app.before_request(refuse_malformed_input)
