"""Fixtures for the API tests: tokens per role and a client that sends them."""

from __future__ import annotations

import contextvars
import json

import pytest

from lms.api import tokens
from lms.types import utcnow


class ApiClient:
    def __init__(self, app, secret: str | None = None):
        self.http = app.test_client()
        self.secret = secret

    def _headers(self, headers=None):
        out = dict(headers or {})
        if self.secret:
            out.setdefault("Authorization", f"Bearer {self.secret}")
        return out

    def _run(self, verb, url, headers=None, **kwargs):
        from lms.extensions import db

        response = contextvars.Context().run(getattr(self.http, verb), url, headers=self._headers(headers), **kwargs)
        db.session.expire_all()
        return response

    def get(self, url, headers=None, **kwargs):
        return self._run("get", url, headers, **kwargs)

    def post(self, url, body=None, headers=None, **kwargs):
        return self._run("post", url, headers, data=json.dumps(body if body is not None else {}),
                         content_type="application/json", **kwargs)

    def open(self, url, method, headers=None, **kwargs):
        return self._run("open", url, headers, method=method, **kwargs)


def personal_token(user, scopes=tokens.SCOPES, **kw) -> str:
    return tokens.create_personal_token(user, name="test", scopes=list(scopes), now=utcnow(), **kw).secret


def service_token(manager, org, scopes=None, **kw) -> str:
    scopes = scopes or [s for s in tokens.SCOPES if s.split(":")[0] in tokens.ORG_FAMILIES]
    return tokens.create_service_token(manager, org, name="service", scopes=scopes, now=utcnow(), **kw).secret


@pytest.fixture
def api(app, db):
    """``api(secret)`` gives a client sending that bearer token (or none)."""
    return lambda secret=None: ApiClient(app, secret)
