"""Error pages and problem+json (RFC 9457) for every error, including the ones raised by the database.

A value the database refuses (out of range, a NUL byte) is the client's fault: 400. A database
that cannot be reached or is locked answers 503 with ``Retry-After``, on a page that needs no
database (the layout would load the signed-in user). Whatever happens, a response leaves with the
security headers: ``SafetyNet`` answers a last-resort plain 500 if even the error page fails.
"""

from __future__ import annotations

import logging

from urllib.parse import urlsplit

from flask import Flask, Response, flash, jsonify, redirect, render_template, request, url_for
from flask.globals import request_ctx
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from lms import unit_of_work
from lms.errors import RuleViolation

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The form could not be read. Go back, reload the page and try again."),
    403: ("Not allowed", "Your role does not allow this. Ask a manager of the organisation if you need it."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    409: ("Conflict", "Someone else changed this at the same time. Reload the page and try again."),
    413: ("Too large", "The upload is larger than allowed."),
    422: ("Cannot process", "Some of what you sent is not valid."),
    429: ("Too many attempts", "You have tried this too often. Wait a few minutes, then try again."),
    500: ("Something went wrong", "We could not complete this. Nothing was half-saved; please try again."),
    503: ("Temporarily unavailable", "The service is busy or briefly unavailable. Nothing was saved; "
                                     "please try again in a few seconds."),
}
RETRY_AFTER_SECONDS = 5
# Pages that must not touch the database or the session: the layout would load the signed-in user.
STANDALONE = {503}

FALLBACK_HTML = ("<!doctype html><html lang=en><meta charset=utf-8><title>Error · Continuum</title>"
                 "<h1>{title}</h1><p>{message}</p><p><a href=\"/\">Go to the start page</a></p></html>")


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json" and \
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _database_unavailable(error: BaseException) -> bool:
    """A lost connection, a server that is down or restarting, a pool timeout, a locked SQLite file."""
    return isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)) or (
        isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated)


def status_for(error: BaseException) -> int:
    """The HTTP status an exception deserves: its own for HTTP errors, 400/503 for database ones, else 500."""
    if isinstance(error, InternalServerError) and error.original_exception is not None:
        return status_for(error.original_exception)
    if isinstance(error, HTTPException):
        return error.code or 500
    if _database_unavailable(error):
        return 503
    if isinstance(error, sa_exc.DataError | OverflowError):  # out of range, NUL byte, too large for SQLite
        return 400
    if isinstance(error, sa_exc.IntegrityError):  # a unique constraint lost a race with another request
        return 409
    return 500


def error_response(code: int, error: BaseException | None = None) -> Response:
    title, message = MESSAGES.get(code, (getattr(error, "name", "Error"), ""))
    if code == 400 and str(getattr(error, "description", "")).startswith("The CSRF"):
        message = "Your form expired or came from another site. Reload the page and submit it again."
    if _wants_json():
        response = jsonify(type="about:blank", title=title, status=code, detail=message, error=title, message=message)
        response.mimetype = "application/problem+json"
    elif request_ctx.url_adapter is None:  # an untrusted Host: no URL can be built, so no layout
        response = Response(FALLBACK_HTML.format(title=title, message=message), mimetype="text/html")
    else:
        try:
            template = "errors/standalone.html" if code in STANDALONE else "errors/error.html"
            body = render_template(template, code=code, title=title, message=message)
        except Exception:  # the page itself needs something that is broken (the database, a template)
            log.exception("error page %s could not be rendered", code)
            body = FALLBACK_HTML.format(title=title, message=message)
        response = Response(body, mimetype="text/html")
    response.status_code = code
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if isinstance(error, HTTPException) and error.code == 405:
        for name, value in error.get_headers():
            if name.lower() == "allow":
                response.headers["Allow"] = value
    return response


def problem(status: int, detail: str = "", *, title: str | None = None, headers=None, **extra) -> Response:
    """An RFC 9457 problem details response (``application/problem+json``)."""
    body = {"type": "about:blank", "title": title or HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in headers or ():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _api_problem(error, code: int) -> Response:
    """Every error under /api/ is problem+json, with the exception's headers (Allow, Retry-After, ...)."""
    headers = error.get_headers() if isinstance(error, HTTPException) else []
    extra = {}
    messages = (getattr(error, "data", None) or {}).get("messages")  # webargs' validation errors
    if messages:
        extra["errors"] = messages
    detail = getattr(error, "description", "") if isinstance(error, HTTPException) and code != 500 else ""
    if code >= 500:
        detail = MESSAGES.get(code, MESSAGES[500])[1]
    response = problem(code, detail or "", headers=headers, **extra)
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="continuum"'
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    def handle(error):
        code = status_for(error)
        if request.path.startswith("/api/"):
            return _api_problem(error, code)
        if code >= 500:
            original = getattr(error, "original_exception", None) or error
            if code == 503:
                log.warning("database unavailable: %s", original.__class__.__name__)
        elif not isinstance(error, HTTPException):
            log.warning("refused bad input (%s): %s", code, error.__class__.__name__)
        return error_response(code, error)

    for code in MESSAGES:
        app.register_error_handler(code, handle)
    for cls in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DataError,
                sa_exc.IntegrityError, OverflowError):
        app.register_error_handler(cls, handle)

    @app.errorhandler(HTTPException)
    def other_http_errors(error):
        # Status codes without a page of their own (401, 409, 412, 428, ...): problem+json under
        # /api/, Werkzeug's plain answer elsewhere.
        if request.path.startswith("/api/") and error.code and error.code >= 400:
            return _api_problem(error, error.code)
        return error

    @app.errorhandler(RuleViolation)
    def refused(error: RuleViolation):
        """A rule a view did not catch: nothing is kept, and the person sees why where they were."""
        unit_of_work.rollback()
        if request.path.startswith("/api/"):
            return problem(409, str(error))
        if _wants_json():
            return jsonify(error="Cannot process", message=str(error)), 422
        flash(str(error), "danger")
        return redirect(_back())


class SafetyNet:
    """WSGI middleware: if the application itself fails, answer a plain 500 that still has the security headers."""

    HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("X-Content-Type-Options", "nosniff"),
               ("X-Frame-Options", "SAMEORIGIN"), ("Referrer-Policy", "strict-origin-when-cross-origin"),
               ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
               ("Cache-Control", "no-store")]

    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):
        try:
            return self.wsgi_app(environ, start_response)
        except Exception:
            if self.app.testing or self.app.config.get("PROPAGATE_EXCEPTIONS"):
                raise
            log.exception("unhandled error outside the application's error handling")
            title, message = MESSAGES[500]
            body = FALLBACK_HTML.format(title=title, message=message).encode()
            start_response("500 INTERNAL SERVER ERROR", [*self.HEADERS, ("Content-Length", str(len(body)))])
            return [body]


def _back() -> str:
    """The page the person came from, if it is on this site; else their dashboard."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.dashboard")
