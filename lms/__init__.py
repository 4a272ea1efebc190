"""Continuum: continuing medical education and staff training.

``create_app`` builds the application; nothing happens at import time.
"""

from __future__ import annotations

import importlib
import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms import caching, unit_of_work
from lms.config import Config, finalise
from lms.extensions import bootstrap, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    settings = Config().as_dict()
    settings.update(config or {})
    app.config.update(finalise(settings))
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    from lms import observability

    observability.init_app(app)  # first: its after_request runs last, so latency includes the commit

    _init_database(app)
    caching.init_app(app)
    unit_of_work.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    from lms import inputs

    inputs.init_app(app)  # before the blueprints: their <int:...> rules take the bounded converter
    _register_blueprints(app)
    _init_templates(app)
    _init_features(app)

    from lms.main.errors import SafetyNet, register_error_handlers
    from lms.security import init_security_headers

    register_error_handlers(app)
    init_security_headers(app)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly PROXY_COUNT hops of X-Forwarded-For/-Proto: the client's real address keys the rate limits.
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    app.wsgi_app = SafetyNet(app)

    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    return app


def _init_database(app: Flask) -> None:
    import lms.models  # noqa: F401  (the core's models; each feature registers its own)

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        timeout = app.config["SQLITE_BUSY_TIMEOUT_MS"]
        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                # Let SQLAlchemy, not the sqlite3 module, issue BEGIN: otherwise SAVEPOINTs
                # and rollbacks of reads-then-writes do not behave as on PostgreSQL.
                dbapi_connection.isolation_level = None
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()

            @event.listens_for(db.engine, "begin")
            def _sqlite_begin(connection):
                # A deferred transaction that reads and then writes fails at once with "database
                # is locked" when another writer got there first (SQLite cannot wait for the
                # upgrade). Writes therefore take the write lock up front and wait their turn
                # (busy_timeout); reads stay deferred so they run side by side.
                if _writing_apart():
                    # Bookkeeping after a page's commit (lms.unit_of_work.write_apart) waits
                    # for the write lock a moment at most, then gives way to real work.
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={APART_WAIT_MS}")
                    try:
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                    finally:
                        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout)}")
                    return
                connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")


APART_WAIT_MS = 50


def _may_write() -> bool:
    from flask import current_app, has_request_context, request

    if not has_request_context() or request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    # a GET view that records something (lms.unit_of_work.writes)
    return getattr(current_app.view_functions.get(request.endpoint), "writes_on_get", False)


def _writing_apart() -> bool:
    from flask import has_request_context

    from lms.unit_of_work import writing_apart

    return has_request_context() and writing_apart()


def _init_login(app: Flask) -> None:
    from lms.users.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from flask import g, session
    from flask_login import user_logged_in

    @user_logged_in.connect_via(app)
    def _rotate_csrf_token(_app, user=None, **_):
        # A CSRF token planted in a pre-login session (a shared computer, a fixed cookie) dies at login.
        session.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)

    @login_manager.user_loader
    def load_user(value: str):
        # The cookie holds "<id>.<nonce>.<session token>"; a rotated nonce (password change,
        # disabled account) or an ended session row makes the cookie load nobody.
        from flask import g, request

        from lms.sessions.services import load_session
        from lms.types import utcnow

        found = load_session(value, now=utcnow(), ip=request.remote_addr)
        if found is None:
            return None
        user, g.user_session_id = found
        user.session_token = value.rsplit(".", 1)[1]
        return user


def _register_blueprints(app: Flask) -> None:
    from lms.admin import bp as admin_bp
    from lms.admin import views as _admin_views  # noqa: F401
    from lms.auth import bp as auth_bp
    from lms.auth import views as _auth_views  # noqa: F401
    from lms.main import bp as main_bp
    from lms.mfa import bp as mfa_bp
    from lms.mfa import views as _mfa_views  # noqa: F401
    from lms.scim import bp as scim_bp
    from lms.scim import views as _scim_views  # noqa: F401
    from lms.main import views as _main_views  # noqa: F401
    from lms.orgs import bp as orgs_bp
    from lms.orgs import views as _orgs_views  # noqa: F401
    from lms.sessions import bp as sessions_bp
    from lms.sessions import views as _sessions_views  # noqa: F401
    from lms.users import bp as users_bp
    from lms.users import views as _users_views  # noqa: F401

    for bp in (main_bp, auth_bp, sessions_bp, users_bp, orgs_bp, admin_bp, mfa_bp, scim_bp):
        app.register_blueprint(bp)


def _init_features(app: Flask) -> None:
    """Load the features named in ``FEATURES`` (dotted package names), each through its ``init_app``.

    The core never imports a feature by name: a feature registers its own models, routes,
    template helpers, dashboard parts, commands and signal receivers.
    """
    for name in app.config["FEATURES"]:
        importlib.import_module(name).init_app(app)


def format_datetime(value: datetime | None, tz: str | None = None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Show an aware datetime in ``tz`` with the zone's abbreviation, e.g. 'Tue 01 Dec 2026, 09:00 EST'."""
    if value is None:
        return ""
    try:
        zone = ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = value.astimezone(zone)
    return f"{local.strftime(fmt)} {local.tzname()}"


def _init_templates(app: Flask) -> None:
    from flask import has_request_context, request
    from flask_login import current_user

    from lms.permissions import managed_orgs, template_helpers
    from lms.text import output_text

    app.jinja_env.finalize = output_text  # no printed name can read backwards (bidi controls removed)

    app.jinja_env.globals.update(template_helpers())
    app.jinja_env.globals["managed_orgs"] = managed_orgs

    from lms.markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    from lms.phi import highlight as phi_highlight

    app.jinja_env.filters["phi_highlight"] = phi_highlight

    @app.template_filter("datetime")
    def _datetime_filter(value, tz=None, fmt="%a %d %b %Y, %H:%M"):
        if tz is None:
            user = current_user._get_current_object() if has_request_context() else None
            tz = user.timezone if user is not None and user.is_authenticated else None
        return format_datetime(value, tz, fmt)

    # Every page's layout prints the same two dozen links. A link to an endpoint without arguments (or
    # to a static file) is the same string on every request under one mount point, so the URL map is
    # asked once per process; anything with arguments, a blueprint-relative endpoint or no request
    # is built as usual.
    build, built = app.url_for, {}

    def url_for(endpoint: str, **values) -> str:
        if endpoint[:1] == "." or not has_request_context() or (
                values and (endpoint != "static" or len(values) != 1 or "filename" not in values)):
            return build(endpoint, **values)
        key = (endpoint, values.get("filename"), request.root_path)
        url = built.get(key)
        if url is None:
            url = built[key] = build(endpoint, **values)
        return url

    app.jinja_env.globals["url_for"] = url_for
