"""Sessions: a row per sign-in, listed on the sessions page, ended one by one, everywhere, or by an administrator."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.factories import PASSWORD, make_user

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")


def _sign_in(browser, user, agent):
    response = browser.post("/auth/login", {"email": user.email, "password": PASSWORD},
                            headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302
    return browser


def _rows(db, user):
    from lms.sessions.models import UserSession

    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)).all()


def test_each_sign_in_is_a_session_listed_with_device_place_and_this_device(make_client, db):
    user = make_user()
    laptop = _sign_in(make_client(), user, FIREFOX)
    _sign_in(make_client(), user, IPHONE)
    page = laptop.get("/account/sessions", headers={"User-Agent": FIREFOX})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Firefox 133 on Windows" in text and "Safari 17 on iPhone" in text
    assert "Unknown place (203.0.113.7)" in text and text.count("This device") == 1
    rows = _rows(db, user)
    assert [r.method for r in rows] == ["password", "password"]
    assert all(len(r.token_hash) == 64 for r in rows)


def test_signing_out_one_session_voids_its_cookie_at_once_and_keeps_the_other(make_client, db):
    user = make_user()
    laptop, phone = _sign_in(make_client(), user, FIREFOX), _sign_in(make_client(), user, IPHONE)
    captured = phone.session_cookie()
    phone_row = _rows(db, user)[1]
    assert laptop.post(f"/account/sessions/{phone_row.id}/end").status_code == 302
    assert phone.get("/profile").status_code == 302
    thief = make_client()
    thief.set_session_cookie(captured)
    assert thief.get("/profile").status_code == 302
    assert laptop.get("/profile").status_code == 200
    db.session.refresh(phone_row)
    assert phone_row.ended_reason == "signed-out-elsewhere"


def test_sign_out_everywhere_ends_every_session_this_one_too(make_client, db):
    user = make_user()
    laptop, phone = _sign_in(make_client(), user, FIREFOX), _sign_in(make_client(), user, IPHONE)
    response = laptop.post("/account/sessions/end-all")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert laptop.get("/profile").status_code == 302 and phone.get("/profile").status_code == 302
    assert all(r.ended_reason == "everywhere" for r in _rows(db, user))


def test_remember_me_cookie_of_an_ended_session_loads_nobody(make_client, db):
    user = make_user()
    browser = make_client()
    browser.post("/auth/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = browser.http.get_cookie("remember_token")
    other = _sign_in(make_client(), user, IPHONE)
    other.post(f"/account/sessions/{_rows(db, user)[0].id}/end")
    attacker = make_client()
    attacker.http.set_cookie("remember_token", remember.value)
    assert attacker.get("/profile").status_code == 302


def test_nobody_ends_another_persons_session(make_client, db):
    user, stranger = make_user(), make_user()
    _sign_in(make_client(), user, FIREFOX)
    victim_row = _rows(db, user)[0]
    assert make_client().login(stranger).post(f"/account/sessions/{victim_row.id}/end").status_code == 404
    assert make_client().login(stranger).post("/account/sessions/999999/end").status_code == 404
    db.session.refresh(victim_row)
    assert victim_row.ended_at is None


def test_administrator_ends_a_users_sessions_and_it_is_audited(make_client, db):
    from lms.audit.models import AuditEvent

    user, admin = make_user(), make_user(admin=True)
    phone = _sign_in(make_client(), user, IPHONE)
    admin_browser = make_client().login(admin)
    page = admin_browser.get(f"/admin/users/{user.id}/sessions")
    assert page.status_code == 200 and "Safari 17 on iPhone" in page.get_data(as_text=True)
    assert admin_browser.post(f"/admin/users/{user.id}/sessions").status_code == 302
    assert phone.get("/profile").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.end_all"))
    assert (event.actor_id, event.object_id, event.after["reason"]) == (admin.id, str(user.id), "administrator")
    assert make_client().login(user).post(f"/admin/users/{admin.id}/sessions").status_code == 403


def test_last_seen_is_written_at_most_once_a_minute(make_client, db):
    from lms.types import utcnow

    user = make_user()
    browser = _sign_in(make_client(), user, FIREFOX)
    row = _rows(db, user)[0]
    first_seen = row.last_seen_at
    browser.get("/profile")
    db.session.refresh(row)
    assert row.last_seen_at == first_seen
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        browser.get("/profile", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    db.session.refresh(row)
    assert row.last_seen_at > first_seen and row.ip == "198.51.100.9"


def test_the_last_seen_write_is_bookkeeping_beside_the_page_s_reads(make_client, db):
    """A page view's own work is reads only. On SQLite the last-seen UPDATE runs in its own
    transaction after the page's commit (a read that became a write could fail on SQLite); on
    PostgreSQL it is the page transaction's last statement, just before the commit, which spares a
    second transaction."""
    from sqlalchemy import event

    from lms.types import utcnow

    user = make_user()
    browser = _sign_in(make_client(), user, FIREFOX)
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper() + " " + " ".join(statement.split()[1:3]))

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=2)):
            assert browser.get("/profile").status_code == 200
    finally:
        event.remove(connection, "before_cursor_execute", record)
    touch = next(i for i, s in enumerate(statements) if s.startswith("UPDATE user_session"))
    page_commit = next(i for i, s in enumerate(statements) if s.startswith("RELEASE SAVEPOINT"))
    writes = [s for s in statements if s.startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == [statements[touch]], statements
    if db.session.get_bind().dialect.name == "sqlite":
        assert page_commit < touch, statements
    else:
        assert touch == page_commit - 1, statements


@pytest.mark.slow
def test_a_busy_sqlite_database_skips_the_last_seen_write_and_the_page_still_answers(tmp_path):
    """Bookkeeping gives way: with another writer holding SQLite's lock, the page answers 200 and
    the last-seen time is written by a later request instead (before, the page failed with 503)."""
    import sqlite3

    from lms import create_app
    from lms.extensions import db as _db
    from lms.sessions.models import UserSession
    from lms.types import utcnow
    from tests.conftest import base_config, upgrade_database

    path = tmp_path / "busy.db"
    app = create_app(base_config(tmp_path, f"sqlite:///{path}")
                     | {"TESTING": False, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                        "SQLITE_BUSY_TIMEOUT_MS": 300})
    upgrade_database(app)
    with app.app_context():
        email = make_user().email
        _db.session.commit()
    browser = app.test_client()
    assert browser.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302

    def last_seen():
        with app.app_context():
            return _db.session.scalar(select(UserSession.last_seen_at))

    first_seen = last_seen()
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        outsider = sqlite3.connect(path, isolation_level=None)
        outsider.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        try:
            response = browser.get("/profile")
        finally:
            outsider.execute("ROLLBACK")
            outsider.close()
        assert response.status_code == 200
        assert last_seen() == first_seen
        assert browser.get("/profile").status_code == 200
    assert last_seen() > first_seen


@pytest.mark.slow
def test_on_postgresql_a_session_row_another_transaction_holds_is_skipped_not_waited_for(tmp_path):
    """The last-seen write gives way on PostgreSQL too: while another transaction holds the session's
    row (its owner signing out in another tab), the page answers at once without it; a later
    request writes it. Without SKIP LOCKED the page would wait, here until the lock timeout."""
    import psycopg

    from lms import create_app, unit_of_work
    from lms.extensions import db as _db
    from lms.sessions.models import UserSession
    from lms.types import utcnow
    from tests.conftest import base_config, require_postgres, upgrade_database

    url = require_postgres("touch")
    app = create_app(base_config(tmp_path, url)
                     | {"TESTING": False, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-c lock_timeout=3000"}}})
    upgrade_database(app)
    with app.app_context():
        email = make_user().email
        unit_of_work.commit()
    browser = app.test_client()
    assert browser.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302

    def last_seen():
        with app.app_context():
            return _db.session.scalar(select(UserSession.last_seen_at))

    first_seen = last_seen()
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as outsider:
            outsider.execute("SELECT id FROM user_session FOR UPDATE")  # holds the row until the block ends
            response = browser.get("/profile")
            assert response.status_code == 200
            assert last_seen() == first_seen
        assert browser.get("/profile").status_code == 200
    assert last_seen() > first_seen


def test_sign_in_history_records_success_and_failure_with_method(client, db):
    from lms.audit.models import AuditEvent

    user = make_user()
    assert client.post("/auth/login", {"email": user.email, "password": "wrong password!"}).status_code == 401
    assert client.post("/auth/login", {"email": "nobody@example.org", "password": "wrong"}).status_code == 401
    assert client.post("/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("sign_in.%"))
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.after["email"], e.after["method"]) for e in events] == [
        ("sign_in.failure", user.email, "password"), ("sign_in.failure", "nobody@example.org", "password"),
        ("sign_in.success", user.email, "password")]
    assert events[0].actor_id is None and events[2].actor_id == user.id


def test_logout_ends_only_this_session(make_client, db):
    user = make_user()
    laptop, phone = _sign_in(make_client(), user, FIREFOX), _sign_in(make_client(), user, IPHONE)
    laptop.logout()
    assert laptop.get("/profile").status_code == 302 and phone.get("/profile").status_code == 200
    assert [r.ended_reason for r in _rows(db, user)] == ["sign-out", None]


def test_forged_cookie_values_load_nobody(make_client, db, app):
    from lms.sessions.services import load_session
    from lms.types import utcnow

    user = make_user()
    _sign_in(make_client(), user, FIREFOX)
    for value in ("", "1", f"{user.id}.{user.session_nonce}", f"{user.id}.{user.session_nonce}.", "x.y.z",
                  f"{user.id}.{user.session_nonce}.not-a-token", f"{user.id}.wrong-nonce.abc", "1.2.3.4",
                  "99999999999999999999.x.y", "-1.x.y", "１.x.y"):
        assert load_session(value, now=utcnow()) is None, value
