"""Shared fixtures.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` says so.
``CONTINUUM_REQUIRE_SERVICES=1`` (set by ``.ci/run``) turns every "service missing" skip
into a failure, so CI cannot pass without PostgreSQL, Redis and Chromium.
"""

from __future__ import annotations

import contextlib
import contextvars
import email
import email.policy
import os
import re
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, event, orm, text
from sqlalchemy.engine import make_url

REQUIRE_SERVICES = os.environ.get("CONTINUUM_REQUIRE_SERVICES") == "1"
TEST_SECRET = "tSt-kR9v2Qx8WmP4Lb7nC1yH6sJd3fGa0eZu5Yq"  # random-looking: production refuses guessable keys
FAST_HASH = (1, 1024, 1)  # Argon2 parameters for tests only: real ones cost ~50 ms a hash


def service_missing(message: str):
    """Skip locally, fail in CI: a missing service must never pass silently there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {message}", pytrace=False)
    pytest.skip(message)


def worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def postgres_url(suffix: str) -> str | None:
    """A fresh PostgreSQL database named after ``TEST_POSTGRES_URL``'s, with a suffix."""
    base = os.environ.get("TEST_POSTGRES_URL") or (
        os.environ.get("TEST_DATABASE_URL") if (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres") else None)
    if not base:
        return None
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1) if base.startswith("postgresql://") else base)
    name = f"{url.database}_{suffix}_{worker_suffix()}".lower()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def require_postgres(suffix: str) -> str:
    try:
        url = postgres_url(suffix)
    except Exception as exc:  # connection refused, bad credentials
        service_missing(f"PostgreSQL not reachable: {exc}")
    if url is None:
        service_missing("set TEST_POSTGRES_URL to run PostgreSQL tests")
    return url


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        service_missing("set TEST_REDIS_URL to run Redis tests")
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        service_missing(f"Redis not reachable at {url}: {exc}")
    return url


def base_config(tmp: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(tmp / "instance"),
        "MAIL_OUTBOX": str(tmp / "outbox"),
        "MAIL_SERVER": None,
        "REDIS_URL": None,
        "CACHE_TYPE": "SimpleCache",  # each app its own; the db fixture empties it for every test
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_PARAMS": FAST_HASH,
        "JOBS_RAISE": True,  # a failing inline job fails the test instead of only logging
        "PUBLIC_URL": "https://continuum.example.org",
        "JITSI_DOMAIN": "meet.example.org",
    }


def upgrade_database(app) -> None:
    """Build the schema through the real migrations (what production runs)."""
    from flask_migrate import upgrade

    from lms.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured and configured.startswith("postgres"):
        return require_postgres("suite")
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'suite.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory, database_url):
    from lms import create_app

    app = create_app(base_config(tmp_path_factory.mktemp("app"), database_url))
    upgrade_database(app)
    return app


@contextlib.contextmanager
def count_queries(engine):
    """Collect the SQL statements run on ``engine`` (transaction control left out)."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


class _TestSession(orm.Session):
    """Flask-SQLAlchemy's session ignores ``bind``; the plain one joins the test's transaction."""

    def __init__(self, db=None, **kwargs):
        super().__init__(**kwargs)


@pytest.fixture
def db(app):
    """The database, with every change made by the test rolled back afterwards.

    Views commit as usual; their commits release SAVEPOINTs inside the test's transaction.
    """
    from lms.caching import cache
    from lms.extensions import db as _db
    from lms.extensions import limiter

    with app.app_context():
        cache.clear()
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"class_": _TestSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        # The limiter is one object for every app this process made: an app made with rate limiting
        # off (a drill, a deployment test) switches it off for the rest, unless each test sets it back.
        limiter.enabled = bool(app.config.get("RATELIMIT_ENABLED", True))
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


class Client:
    """The Flask test client plus CSRF tokens and logins, as a browser would have them."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def csrf_token(self) -> str:
        def read():
            with self.http.session_transaction() as session:
                return session.setdefault("csrf_token", os.urandom(20).hex())

        raw = contextvars.Context().run(read)
        return URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def _isolated(self, method, *args, **kwargs):
        # Run the request outside the test's app context, so it gets its own app context,
        # ``g`` and session as in production (Flask reuses a pushed app context otherwise,
        # and Flask-Login's cached user would leak from one client to the next).
        response = contextvars.Context().run(method, *args, **kwargs)
        from lms.extensions import db

        db.session.expire_all()  # the test's objects see what the request committed
        return response

    def get(self, *args, **kwargs):
        return self._isolated(self.http.get, *args, **kwargs)

    def post(self, url, data=None, *, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self._isolated(self.http.post, url, data=data, **kwargs)

    def login(self, user):
        """Log in as ``user`` the way a successful sign-in would: a session row and its cookie."""
        from lms.sessions.services import cookie_id, start_session
        from lms.types import utcnow

        _, token = start_session(user, method="test", user_agent="Test client", ip="127.0.0.1", now=utcnow())

        def write():
            with self.http.session_transaction() as session:
                session["_user_id"] = cookie_id(user, token)
                session["_fresh"] = True

        contextvars.Context().run(write)
        return self

    def logout(self):
        return self.post("/auth/logout")

    def session_cookie(self) -> str | None:
        cookie = self.http.get_cookie(self.app.config.get("SESSION_COOKIE_NAME", "session"))
        return cookie.value if cookie else None

    def set_session_cookie(self, value: str) -> None:
        self.http.set_cookie(self.app.config.get("SESSION_COOKIE_NAME", "session"), value)


@pytest.fixture
def client(app, db):
    return Client(app)


@pytest.fixture
def make_client(app, db):
    return lambda: Client(app)


class Outbox:
    def __init__(self, path: Path):
        self.path = path

    def clear(self):
        if self.path.exists():
            for f in self.path.glob("*.eml"):
                f.unlink()

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        if not self.path.exists():
            return []
        files = sorted(self.path.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]

    def last_text(self, to: str | None = None) -> str:
        messages = [m for m in self.messages if to is None or m["To"] == to]
        assert messages, f"no email sent to {to or 'anyone'}"
        return messages[-1].get_body(("plain",)).get_content()

    def last_link(self, to: str | None = None) -> str:
        match = re.search(r"https?://\S+", self.last_text(to))
        assert match, "no link in the email"
        return match.group(0)


@pytest.fixture
def outbox(app):
    box = Outbox(Path(app.config["MAIL_OUTBOX"]))
    box.clear()
    yield box
    box.clear()
