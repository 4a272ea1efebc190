from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from lms import unit_of_work
from lms.errors import RuleViolation

MESSAGES = {
    400: ("Bad request", "The form could not be read. Go back, reload the page and try again."),
    403: ("Not allowed", "Your role does not allow this. Ask a manager of the organisation if you need it."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "The upload is larger than allowed."),
    422: ("Cannot process", "Some of what you sent is not valid."),
    429: ("Too many attempts", "You have tried this too often. Wait a few minutes, then try again."),
    500: ("Something went wrong", "We could not complete this. Nothing was half-saved; please try again."),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json" and \
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


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
    if code == 500:
        detail = MESSAGES[500][1]
    response = problem(code, detail or "", headers=headers, **extra)
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="continuum"'
    return response


def register_error_handlers(app: Flask) -> None:
    def handle(error):
        code = getattr(error, "code", 500) or 500
        if request.path.startswith("/api/"):
            return _api_problem(error, code)
        title, message = MESSAGES.get(code, (getattr(error, "name", "Error"), ""))
        if code == 400 and getattr(error, "description", "").startswith("The CSRF"):
            message = "Your form expired or came from another site. Reload the page and submit it again."
        if _wants_json():
            return jsonify(error=title, message=message), code
        return render_template("errors/error.html", code=code, title=title, message=message), code

    for code in MESSAGES:
        app.register_error_handler(code, handle)

    @app.errorhandler(HTTPException)
    def other_http_errors(error):
        # Status codes without a page of their own (401, 409, 412, 428, ...): problem+json under
        # /api/, Werkzeug's plain answer elsewhere, as before.
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


def _back() -> str:
    """The page the person came from, if it is on this site; else their dashboard."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.dashboard")
