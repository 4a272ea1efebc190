from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for

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


def register_error_handlers(app: Flask) -> None:
    def handle(error):
        code = getattr(error, "code", 500) or 500
        title, message = MESSAGES.get(code, (getattr(error, "name", "Error"), ""))
        if code == 400 and getattr(error, "description", "").startswith("The CSRF"):
            message = "Your form expired or came from another site. Reload the page and submit it again."
        if _wants_json():
            return jsonify(error=title, message=message), code
        return render_template("errors/error.html", code=code, title=title, message=message), code

    for code in MESSAGES:
        app.register_error_handler(code, handle)

    @app.errorhandler(RuleViolation)
    def refused(error: RuleViolation):
        """A rule a view did not catch: nothing is kept, and the person sees why where they were."""
        unit_of_work.rollback()
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
