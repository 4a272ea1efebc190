"""One commit point per request (and per job), as indico's request handler has.

Services ``add`` and ``flush``; they never commit. When a view returns, the request's work
is committed if the response is a success or a redirect (status < 400) and rolled back
otherwise, so a form refused with 422 leaves nothing half-saved. Any exception rolls back.
Work that must only happen once the rows are durable (email, jobs, certificates) is handed
to ``after_commit`` and runs after the commit, never after a rollback.

A view that must keep its writes while answering with an error (a failed sign-in that
counts against the account) calls ``keep_on_error()``.

Bookkeeping a reader causes (a session's last-seen time) is handed to ``write_apart``: a busy
database skips it rather than failing the page. On SQLite it is written after the commit in its
own short transaction, so a page view stays a read (a read that turns into a write fails at once
when another writer got there first). On PostgreSQL, where a read may turn into a write, it is
written just before the request's own commit, which spares a second transaction (a connection
check-out with its ping, BEGIN and COMMIT) on every page view that records it.
"""

from __future__ import annotations

from typing import Callable

from flask import Flask, Response, g

from sqlalchemy.exc import OperationalError

from lms.extensions import db


def after_commit(func: Callable, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` once this request's (or job's) work is committed."""
    g.setdefault("_after_commit", []).append((func, args, kwargs))


def keep_on_error() -> None:
    """Commit this request's writes even though it answers with an error status."""
    g._keep_on_error = True


def commit() -> None:
    """The commit point: commit the session, then run what waited for it."""
    for func, args in g.pop("_before_commit", ()):
        func(*args)
    db.session.commit()
    pending = g.pop("_after_commit", [])
    while pending:
        func, args, kwargs = pending.pop(0)
        func(*args, **kwargs)
        pending.extend(g.pop("_after_commit", []))  # a callback may schedule more


def read(statement, params: dict | None = None):
    """Run a statement that selects plain columns (no ORM objects) in this request's transaction,
    on the session's own connection: pending changes are flushed first, as the session would, and
    the ORM's execution layer (0.1 to 0.2 ms of Python a statement, measured) is skipped. For the
    reads that every page view runs."""
    db.session.flush()
    return db.session.connection().execute(statement, params or {})


def writes(view: Callable) -> Callable:
    """Mark a GET view that records something (opening a lesson records the learner's progress).

    On SQLite a GET's transaction begins deferred, as a read, so reads run side by side; a read
    that then writes fails at once when another request wrote in the meantime. A marked view's
    transaction takes the write lock up front, as a POST's does, and waits its turn."""
    view.writes_on_get = True
    return view


def write_apart(func: Callable, *args) -> None:
    """Run the bookkeeping write ``func(*args)`` when this request commits: on SQLite after the
    commit, in a transaction of its own; elsewhere just before it, in the request's transaction.

    For bookkeeping only: ``func`` must skip a row another transaction holds (``skip_locked``) or
    the database is busy; the write is then dropped (the next request tries again), and the
    request's answer never depends on it. A request that rolls back drops it too.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        after_commit(_write_apart, func, args)
    else:
        g.setdefault("_before_commit", []).append((func, args))


def _write_apart(func: Callable, args: tuple) -> None:
    g._writing_apart = True  # the SQLite begin hook takes the write lock, waiting only briefly
    try:
        func(*args)
        db.session.commit()
    except OperationalError:
        db.session.rollback()
    finally:
        g.pop("_writing_apart", None)


def writing_apart() -> bool:
    return bool(g.get("_writing_apart"))


def rollback() -> None:
    db.session.rollback()
    g.pop("_after_commit", None)
    g.pop("_before_commit", None)


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
