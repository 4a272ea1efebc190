"""Wiring of the API into the application (called once from ``create_app``)."""

from __future__ import annotations

import http
import os
import time
from pathlib import Path

from apispec import BasePlugin
from flask import Flask, abort, current_app, g, render_template, request, send_from_directory
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from lms.api import API_PREFIX
from lms.api.auth import authenticate_request, rate_limit_key
from lms.api.schemas import ProblemSchema
from lms.extensions import csrf, limiter

ROOT = Path(__file__).resolve().parent.parent.parent
SWAGGER_UI_DIR = ROOT / "node_modules" / "swagger-ui-dist"
PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "api_docs.page", "api_docs.asset", "api_certificates.verify"}
PROBLEM = "application/problem+json"
MAX_ID = 2**31 - 1
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")


class ContinuumApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """The application's handlers already answer problem+json under /api/ (lms.main.errors)."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as RFC 9457 problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class CommonResponses(BasePlugin):
    """What every operation can answer besides its own: 401, 403, 429 and, for reads, 304."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            public = operation.get("security") == []
            if not public:
                responses.setdefault("401", "UNAUTHORIZED")
                responses.setdefault("403", "FORBIDDEN")
            responses.setdefault("429", "TOO_MANY_REQUESTS")
            responses.setdefault("405", "METHOD_NOT_ALLOWED")
            if "{" in (path or ""):
                responses.setdefault("404", "NOT_FOUND")
            if method == "get":
                responses.setdefault("304", "NOT_MODIFIED")


def setup(app: Flask) -> None:
    app.config.update({
        "API_TITLE": "Continuum API",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": API_PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {"description": _description()},
            "servers": [{"url": app.config.get("PUBLIC_URL", "/").rstrip("/") or "/"}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                          "description": "A personal or service token (cnt_...)."}}},
            "security": [{"bearer": []}],
        },
    })
    app.config.setdefault("API_RATE_LIMIT", os.environ.get("API_RATE_LIMIT", "600 per minute"))
    app.config.setdefault("API_RATE_LIMIT_PER_IP", os.environ.get("API_RATE_LIMIT_PER_IP", "1200 per minute"))
    api = ContinuumApi(app, spec_kwargs={"extra_plugins": [CommonResponses()]})

    from lms.api.views import ALL

    for blp in ALL:
        csrf.exempt(blp)  # bearer tokens, never cookies: nothing for another site to forge
        # The blueprints are module-level objects shared by every app this process makes: decorating
        # them again for each app would count every request once per app made (four apps, four hits).
        if not getattr(blp, "_continuum_rate_limited", False):
            limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(blp)
            limiter.limit(lambda: current_app.config["API_RATE_LIMIT_PER_IP"], key_func=_ip_key)(blp)
            blp._continuum_rate_limited = True
        api.register_blueprint(blp)
    _register_docs(app)
    _register_hooks(app)
    from lms.api.views.pages import bp as pages_bp

    app.register_blueprint(pages_bp)
    from lms.api.cli import create_token_command
    from lms.cli import lms_cli

    lms_cli.add_command(create_token_command)
    app.extensions["continuum_api"] = api


def _ip_key() -> str:
    from flask_limiter.util import get_remote_address

    return "api-any:" + (get_remote_address() or "")


def _description() -> str:
    return ("Continuum's public API. Authenticate with `Authorization: Bearer <token>` (make a token on your "
            "profile, or an organisation's service token in its settings). Lists use cursor pagination "
            "(`limit`, `cursor`; the next page's cursor is in `next_cursor` and the `Link` header). Reads carry "
            "an `ETag`; send it back in `If-None-Match` for a `304`. Errors are RFC 9457 problem details. "
            "Every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`. "
            "Creating POSTs accept an `Idempotency-Key` header: a retry returns the first answer.")


def _register_docs(app: Flask) -> None:
    from flask import Blueprint

    docs = Blueprint("api_docs", __name__)

    @docs.route(f"{API_PREFIX}/docs")
    def page():
        response = app.make_response(render_template("api/docs.html", spec_url=f"{API_PREFIX}/openapi.json"))
        response.headers["Content-Security-Policy"] = DOCS_CSP  # Swagger UI sets inline styles
        return response

    @docs.route(f"{API_PREFIX}/docs/assets/<path:filename>")
    def asset(filename: str):
        if filename not in {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}:
            abort(404)
        return send_from_directory(SWAGGER_UI_DIR, filename, max_age=86400)

    app.register_blueprint(docs)


def _register_hooks(app: Flask) -> None:
    @app.before_request
    def _api_authenticate():
        if not request.path.startswith(API_PREFIX + "/") or request.endpoint is None:
            return None
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint == "static":
            return None
        authenticate_request()
        return None

    @app.url_value_preprocessor
    def _api_ids_in_range(endpoint, values):
        # Ids in paths are database integers: a larger number names nothing (and must not reach the driver).
        if request.path.startswith(API_PREFIX + "/") and values:
            if any(isinstance(v, int) and v > MAX_ID for v in values.values()):
                abort(404)

    @app.after_request
    def _api_headers(response):
        if not request.path.startswith("/api/"):
            return response
        current = limiter.current_limit
        if current is not None:
            response.headers["RateLimit-Limit"] = str(current.limit.amount)
            response.headers["RateLimit-Remaining"] = str(max(0, current.remaining))
            response.headers["RateLimit-Reset"] = str(max(0, int(current.reset_at - time.time())))
            response.headers["RateLimit-Policy"] = f"{current.limit.amount};w={current.limit.get_expiry()}"
        link = g.pop("api_link_next", None)
        if link and response.status_code == 200:
            response.headers["Link"] = link
        if request.method in ("GET", "HEAD") and response.status_code == 200 and response.is_json:
            response.headers["Cache-Control"] = "private, no-cache"
            response.vary.add("Authorization")
            response.add_etag()
            response.make_conditional(request)
        return response
