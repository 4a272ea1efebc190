"""Structured logs with request IDs, Prometheus metrics, liveness and readiness, quiet third-party logs."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from lms.observability import JsonFormatter, RequestIdFilter
from tests.conftest import base_config, redis_url
from tests.factories import make_user


def test_every_response_carries_a_request_id_and_a_good_one_is_kept(client, db):
    generated = client.get("/policy").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/policy", headers={"X-Request-ID": "proxy-1234abcd"}).headers["X-Request-ID"] == "proxy-1234abcd"
    forged = client.get("/policy", headers={"X-Request-ID": "<script>alert(1)</script>"}).headers["X-Request-ID"]
    assert "<" not in forged and len(forged) == 32


def test_log_lines_are_json_with_the_request_id(app):
    with app.test_request_context("/policy", headers={"X-Request-ID": "req-abcdef12"}):
        app.preprocess_request()
        record = logging.LogRecord("lms.test", logging.WARNING, __file__, 1, "claim %s refused", ("42",), None)
        record.learner_id = 7
        RequestIdFilter().filter(record)
        entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "req-abcdef12" and entry["message"] == "claim 42 refused"
    assert entry["level"] == "WARNING" and entry["logger"] == "lms.test" and entry["learner_id"] == 7
    assert entry["time"].endswith("Z")


def test_production_logs_json_by_default(tmp_path, monkeypatch):
    import secrets

    from lms import create_app

    monkeypatch.setenv("CONTINUUM_ENV", "production")
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/j.db") | {"SECRET_KEY": secrets.token_urlsafe(48)})
    assert app.config["LOG_FORMAT"] == "json"
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_continuum", False))
    assert isinstance(handler.formatter, JsonFormatter)
    handler.setFormatter(logging.Formatter("%(message)s"))  # leave the other tests' output readable


def test_metrics_show_request_latency_and_errors(client, db):
    client.get("/policy")
    client.get("/orgs/2147483648")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'continuum_request_seconds_bucket{endpoint="main.policy",le="0.01",method="GET",status="200"}' in body \
        or 'continuum_request_seconds_count{endpoint="main.policy",method="GET",status="200"}' in body
    assert "continuum_job_queue_depth" in body


def test_metrics_are_private(client, db, app, monkeypatch):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.1"}).status_code == 404
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "t0ken-for-scrapes")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer t0ken-for-scrapes"},
                      environ_base={"REMOTE_ADDR": "203.0.113.1"}).status_code == 200


def test_healthz_is_liveness_and_readyz_checks_the_database(client, db):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"


def test_with_the_database_down_healthz_lives_and_readyz_says_unavailable(tmp_path):
    from lms import create_app

    down = create_app(base_config(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"))
    assert down.test_client().get("/healthz").status_code == 200
    response = down.test_client().get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json()["checks"]["database"].startswith("error")


@pytest.mark.redis
def test_readyz_needs_a_worker_and_metrics_count_the_queue(tmp_path, client, db):
    from redis import Redis
    from rq import Queue, Worker

    from lms import create_app

    url = redis_url()
    name = f"test-{uuid.uuid4().hex}"
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/r.db") | {"REDIS_URL": url, "RQ_QUEUE": name})
    queue = Queue(name, connection=Redis.from_url(url))
    try:
        queue.enqueue("lms.jobs:run_job", "x:y")
        queue.enqueue("lms.jobs:run_job", "x:y")
        web = app.test_client()
        response = web.get("/readyz")
        assert response.status_code == 503 and response.get_json()["checks"]["workers"].startswith("error")
        assert f'continuum_job_queue_depth{{queue="{name}"}} 2.0' in web.get("/metrics").get_data(as_text=True)
        worker = Worker([queue], connection=queue.connection)
        worker.register_birth()
        try:
            assert web.get("/readyz").status_code == 200
        finally:
            worker.register_death()
    finally:
        queue.delete(delete_jobs=True)


@pytest.mark.slow
def test_a_transcript_pdf_does_not_flood_the_log(client, db, caplog):
    caplog.set_level(logging.INFO)
    client.login(make_user())
    assert client.get("/credits/transcript.pdf").status_code == 200
    noisy = [r for r in caplog.records if r.name.split(".")[0] in ("weasyprint", "fontTools") and r.levelno < 30]
    assert noisy == []
