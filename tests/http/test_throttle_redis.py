"""Login throttling with Flask-Limiter's Redis storage, as production runs it."""

import uuid

from itsdangerous import URLSafeTimedSerializer

import pytest

from tests.conftest import base_config, redis_url, upgrade_database

pytestmark = pytest.mark.redis


def test_login_throttle_uses_redis_storage_shared_by_app_processes(tmp_path):
    from lms import create_app

    redis = redis_url()
    config = base_config(tmp_path, f"sqlite:///{tmp_path}/t.db") | {
        "RATELIMIT_STORAGE_URI": redis, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    # Two app instances stand for two gunicorn processes sharing one Redis.
    first, second = create_app(config), create_app(config)
    upgrade_database(first)
    email = f"{uuid.uuid4().hex}@example.org"
    statuses = []
    for i in range(12):
        app = (first, second)[i % 2]
        client = app.test_client()
        with client.session_transaction() as session:
            session["csrf_token"] = "a" * 40
        token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("a" * 40)
        statuses.append(client.post("/auth/login", data={"email": email, "password": "wrong wrong wrong",
                                                          "csrf_token": token}).status_code)
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    # The counters live in Redis, where every app process and machine sees them.
    from redis import Redis

    prefix = config["RATELIMIT_KEY_PREFIX"]
    keys = Redis.from_url(redis).keys(f"*{prefix}*")
    assert any(b"login-account" in key for key in keys), keys
    Redis.from_url(redis).delete(*keys)
    # Flask-Limiter keeps one storage per process: give it back its in-memory one for the other tests.
    create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/t.db"))
