from __future__ import annotations

from flask import Flask, jsonify, render_template, request

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
