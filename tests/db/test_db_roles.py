"""The audit log and the ledger cannot be rewritten: by triggers for every role, and on PostgreSQL by
an application role that only has INSERT on them while a separate owner role migrates."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from lms.audit.services import record
from lms.types import utcnow
from tests.conftest import base_config, require_postgres
from tests.factories import make_user


def test_the_audit_log_refuses_update_and_delete(db):
    user = make_user()
    event = record(user, "test.event", user, now=utcnow())
    db.session.flush()
    for statement in ("UPDATE audit_event SET action = 'forged' WHERE id = :id", "DELETE FROM audit_event WHERE id = :id"):
        with pytest.raises((IntegrityError, DBAPIError)):
            with db.session.begin_nested():
                db.session.execute(text(statement), {"id": event.id})
    assert db.session.execute(text("SELECT action FROM audit_event WHERE id = :id"), {"id": event.id}).scalar() \
        == "test.event"


def _refused(conn, statement: str) -> bool:
    savepoint = conn.begin_nested()
    try:
        conn.execute(text(statement))
    except DBAPIError:
        savepoint.rollback()
        return True
    savepoint.rollback()
    return False


@pytest.fixture
def roles_database(tmp_path):
    """A fresh database owned by an owner role, migrated as that role, with the app role granted."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.db_roles import create_roles, grant_app_role
    from lms.extensions import db

    admin_url = make_url(require_postgres("roles"))
    # CI creates continuum_owner and continuum_app (.ci/run); locally roles are named after the database.
    owner = os.environ.get("TEST_OWNER_ROLE") or f"{admin_url.database}_owner"[:60]
    app_role = os.environ.get("TEST_APP_ROLE") or f"{admin_url.database}_app"[:60]
    name = admin_url.database
    admin = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        create_roles(conn, owner, app_role)
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    owner_url = admin_url.set(username=owner).render_as_string(hide_password=False)
    app_url = admin_url.set(username=app_role).render_as_string(hide_password=False)

    migrating = create_app(base_config(tmp_path / "owner", owner_url))
    with migrating.app_context():
        upgrade()  # as the owner: it owns every table, sequence and trigger
        with db.engine.begin() as conn:
            grant_app_role(conn, app_role)
        db.engine.dispose()
    yield owner_url, app_url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_the_app_role_only_inserts_into_the_ledger_and_the_audit_log(roles_database, tmp_path):
    from lms import create_app
    from lms.extensions import db

    owner_url, app_url = roles_database
    app = create_app(base_config(tmp_path / "app", app_url) | {"WTF_CSRF_ENABLED": False})
    with app.app_context():
        assert db.session.execute(text("SELECT current_user")).scalar() == make_url(app_url).username
        # The app works as the restricted role: a registration through HTTP writes a user and an audit event.
        client = app.test_client()
        response = client.post("/auth/register", data={
            "email": "nia@example.org", "password": "a sturdy passphrase for tests 42",
            "confirm": "a sturdy passphrase for tests 42", "first_name": "Nia", "last_name": "Okafor",
            "profession": "physician_md", "accept": "y"})
        assert response.status_code == 302
        user = make_user()
        record(user, "test.event", user, now=utcnow())
        db.session.commit()

        with db.engine.connect() as conn, conn.begin():
            assert not _refused(conn, "UPDATE \"user\" SET first_name = 'Ada'")  # ordinary tables: read and write
            for statement in ("UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event",
                              "TRUNCATE audit_event", "UPDATE credit_entry SET amount = 99", "DELETE FROM credit_entry",
                              "TRUNCATE credit_entry", "DELETE FROM course_completion",
                              "UPDATE certificate_template_version SET css = ''",
                              "DELETE FROM certificate_template_version", "TRUNCATE certificate_template_version",
                              "ALTER TABLE audit_event DISABLE TRIGGER ALL", "DROP TABLE credit_entry",
                              "DROP TRIGGER audit_event_no_change ON audit_event", "CREATE TABLE extra (id int)"):
                assert _refused(conn, statement), statement
            assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() >= 1
        db.engine.dispose()

    owner = create_engine(owner_url)
    with owner.connect() as conn, conn.begin():  # the owner may alter tables, but the triggers still refuse
        assert _refused(conn, "UPDATE audit_event SET action = 'forged'")
        assert _refused(conn, "DELETE FROM audit_event")
        assert _refused(conn, "TRUNCATE credit_entry")
    owner.dispose()
