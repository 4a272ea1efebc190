"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, inline otherwise.

Job functions take IDs, never ORM objects, and are called through ``run_job`` so that a
worker process gets an application context and one commit at the edge, like a request.
"""

from __future__ import annotations

import importlib
import logging
from typing import Callable

from flask import Flask, current_app, has_app_context, has_request_context

from lms import unit_of_work

log = logging.getLogger(__name__)

_worker_app: Flask | None = None


def _path(func: Callable) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def get_queue(app: Flask | None = None):
    from redis import Redis
    from rq import Queue

    app = app or current_app
    return Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))


def enqueue(func: Callable, *args, job_timeout: int = 300, retries: int = 3):
    """Run ``func(*args)`` in a worker, or now in this process when no Redis is configured.

    Inside a request the job is handed to the commit point and queued once the request's work
    is committed (a worker must find the rows the job names); a rolled-back request queues nothing.
    """
    if has_request_context():
        unit_of_work.after_commit(_enqueue_now, func, args, job_timeout, retries)
        return None
    return _enqueue_now(func, args, job_timeout, retries)


def _enqueue_now(func: Callable, args: tuple, job_timeout: int, retries: int):
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        try:
            _execute(app, func, args)
        except Exception:  # logged in _run; like a queued job, a failure does not fail the request
            if app.config.get("JOBS_RAISE"):
                raise
        return None
    from rq import Retry

    return get_queue(app).enqueue(
        run_job, _path(func), *args, job_timeout=job_timeout, retry=Retry(max=retries, interval=[10, 30, 60])
    )


def _execute(app: Flask, func: Callable, args: tuple):
    # Inline jobs run in the caller's context and session: a second session would wait on the
    # first one's SQLite write lock (a request that read after its commit still holds it).
    if has_app_context() and current_app._get_current_object() is app:
        return _run(func, args)
    with app.app_context():
        return _run(func, args)


def _run(func: Callable, args: tuple):
    try:
        unit_of_work.commit()  # the caller's work is already committed; this only ends its transaction
        result = func(*args)
        unit_of_work.commit()
        return result
    except Exception:
        unit_of_work.rollback()
        log.exception("job %s%r failed", _path(func), args)
        raise


def run_job(path: str, *args):
    """Entry point in an ``rq worker``: build the app once per process and run the job."""
    global _worker_app
    if _worker_app is None:
        from lms import create_app

        _worker_app = create_app()
    return _execute(_worker_app, _resolve(path), args)
