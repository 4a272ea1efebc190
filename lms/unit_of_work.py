"""One commit point per request (and per job), as indico's request handler has.

Services ``add`` and ``flush``; they never commit. When a view returns, the request's work
is committed if the response is a success or a redirect (status < 400) and rolled back
otherwise, so a form refused with 422 leaves nothing half-saved. Any exception rolls back.
Work that must only happen once the rows are durable (email, jobs, certificates) is handed
to ``after_commit`` and runs after the commit, never after a rollback.

A view that must keep its writes while answering with an error (a failed sign-in that
counts against the account) calls ``keep_on_error()``.
"""

from __future__ import annotations

from typing import Callable

from flask import Flask, Response, g

from lms.extensions import db


def after_commit(func: Callable, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` once this request's (or job's) work is committed."""
    g.setdefault("_after_commit", []).append((func, args, kwargs))


def keep_on_error() -> None:
    """Commit this request's writes even though it answers with an error status."""
    g._keep_on_error = True


def commit() -> None:
    """The commit point: commit the session, then run what waited for it."""
    db.session.commit()
    pending = g.pop("_after_commit", [])
    while pending:
        func, args, kwargs = pending.pop(0)
        func(*args, **kwargs)
        pending.extend(g.pop("_after_commit", []))  # a callback may schedule more


def rollback() -> None:
    db.session.rollback()
    g.pop("_after_commit", None)


def init_app(app: Flask) -> None:
    @app.after_request
    def _commit_or_roll_back(response: Response) -> Response:
        if response.status_code < 400 or g.pop("_keep_on_error", False):
            commit()
        else:
            rollback()
        return response

    @app.teardown_request
    def _roll_back_on_exception(error: BaseException | None) -> None:
        if error is not None:
            rollback()


def discard(message: str, category: str = "danger") -> None:
    """A rule refused the action: undo the request's work and say why (the view goes on to answer)."""
    from flask import flash

    rollback()
    flash(message, category)


def refuse(message: str, back: str, category: str = "danger"):
    """The one error path of a form post: undo the request's work, say why, and go back."""
    from flask import redirect

    discard(message, category)
    return redirect(back)
