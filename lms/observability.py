"""Logs, metrics and health checks that operations can run.

- Logs: one JSON object per line (``LOG_FORMAT=json``, the production default) with the time, level,
  logger, message and the request's ID, which comes from a well-formed ``X-Request-ID`` set by the
  proxy or is generated, and is echoed in the response. Third-party INFO chatter (weasyprint,
  fontTools) is quiet unless ``LOG_LEVEL=DEBUG``.
- ``/metrics``: Prometheus text (prometheus-client): request latency by endpoint, method and status,
  server errors, the job queue's depth and failed jobs. Served to loopback, or with
  ``Authorization: Bearer $METRICS_TOKEN``. With several gunicorn workers set
  ``PROMETHEUS_MULTIPROC_DIR`` so the numbers are summed across processes.
- ``/healthz`` answers while the process can serve (liveness, no dependencies); ``/readyz`` checks
  the database, Redis and that at least one worker is registered (readiness), 503 otherwise.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid

from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy import text

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
QUIET_LOGGERS = ("weasyprint", "fontTools", "fontTools.subset", "fontTools.ttLib", "PIL", "urllib3")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def request_id() -> str | None:
    from flask import has_request_context

    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields passed to the logger are kept."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                 "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "request_id": getattr(record, "request_id", "-")}
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and k not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


JsonFormatter.converter = time.gmtime


def configure_logging(app: Flask) -> None:
    root = logging.getLogger()
    level = app.config.get("LOG_LEVEL", "INFO").upper()
    handler = next((h for h in root.handlers if getattr(h, "_continuum", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._continuum = True
        root.addHandler(handler)
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))
    if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
        handler.addFilter(RequestIdFilter())
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)


# --- metrics ------------------------------------------------------------------------------------

_metrics = None


def _build_metrics():
    from prometheus_client import CollectorRegistry, Counter, Histogram

    registry = CollectorRegistry(auto_describe=True)
    return {
        "registry": registry,
        "latency": Histogram("continuum_request_seconds", "Request latency", ["endpoint", "method", "status"],
                             registry=registry, buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)),
        "errors": Counter("continuum_server_errors", "Responses with a 5xx status", ["endpoint", "status"],
                          registry=registry),
    }


def metrics():
    global _metrics
    if _metrics is None:
        _metrics = _build_metrics()
    return _metrics


class QueueCollector:
    """Queue depth and failed jobs, read from Redis at scrape time."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        depth = GaugeMetricFamily("continuum_job_queue_depth", "Jobs waiting in the queue", labels=["queue"])
        failed = GaugeMetricFamily("continuum_jobs_failed", "Jobs in the failed registry", labels=["queue"])
        workers = GaugeMetricFamily("continuum_workers", "Registered RQ workers", labels=["queue"])
        if self.app.config.get("REDIS_URL"):
            try:
                from rq import Worker

                from lms.jobs import get_queue

                queue = get_queue(self.app)
                depth.add_metric([queue.name], queue.count)
                failed.add_metric([queue.name], queue.failed_job_registry.count)
                workers.add_metric([queue.name], Worker.count(queue=queue))
            except Exception:  # noqa: BLE001 - a scrape never fails because Redis is down; readyz says so
                log.warning("queue metrics unavailable", exc_info=True)
        yield depth
        yield failed
        yield workers


def _metrics_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.remote_addr in ("127.0.0.1", "::1")


@bp.route("/metrics")
def metrics_view():
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client import multiprocess

    if not _metrics_allowed():
        return jsonify(error="Not found"), 404
    registry = metrics()["registry"]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    body = generate_latest(registry) + generate_latest(_queue_registry(current_app._get_current_object()))
    return current_app.response_class(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                                      headers={"Cache-Control": "no-store"})


def _queue_registry(app: Flask):
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(app))
    return registry


# --- health ---------------------------------------------------------------------------------------

@bp.route("/healthz")
def healthz():
    """Liveness: this process answers. No dependency is checked (a database outage must not restart it)."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Readiness: the database answers, Redis answers and a worker is registered (when jobs are queued)."""
    from lms.extensions import db

    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        checks["database"] = f"error: {exc.__class__.__name__}"
    if current_app.config.get("REDIS_URL"):
        try:
            from rq import Worker

            from lms.jobs import get_queue

            queue = get_queue()
            queue.connection.ping()
            checks["redis"] = "ok"
            checks["workers"] = "ok" if Worker.count(queue=queue) > 0 else "error: no worker is registered"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
    else:
        checks["redis"] = checks["workers"] = "not used (jobs run inline)"
    ready = all(not value.startswith("error") for value in checks.values())
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.register_blueprint(bp)
    from lms.extensions import csrf

    csrf.exempt(bp)

    @app.before_request
    def _start():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started_at = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        started = g.get("started_at")
        if started is not None and request.endpoint != "ops.metrics_view":
            endpoint = request.endpoint or "unmatched"
            elapsed = time.perf_counter() - started
            m = metrics()
            m["latency"].labels(endpoint, request.method, str(response.status_code)).observe(elapsed)
            if response.status_code >= 500:
                m["errors"].labels(endpoint, str(response.status_code)).inc()
            log.info("request", extra={"method": request.method, "path": request.path, "endpoint": endpoint,
                                       "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})
        return response
