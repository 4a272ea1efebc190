"""``flask db upgrade`` from empty gives exactly the models' schema, and downgrade/upgrade works."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from lms.types import alembic_render_item
from tests.conftest import base_config, require_postgres


def schema_diff(db) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_item": alembic_render_item})
        return compare_metadata(context, db.metadata)


def check_round_trip(database_url: str, tmp_path) -> None:
    from lms import create_app
    from lms.extensions import db

    app = create_app(base_config(tmp_path, database_url))
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert schema_diff(db) == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "organisation", "membership", "audit_event"} <= tables

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}

        upgrade()
        assert schema_diff(db) == []
        assert set(inspect(db.engine).get_table_names()) == tables
        db.engine.dispose()


@pytest.mark.slow
def test_migrations_on_sqlite(tmp_path):
    check_round_trip(f"sqlite:///{tmp_path / 'migrations.db'}", tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_migrations_on_postgresql(tmp_path):
    check_round_trip(require_postgres("migrations"), tmp_path)


def test_the_diff_check_can_fail(tmp_path):
    """Guard against a comparison that always says "no difference"."""
    from lms import create_app
    from lms.extensions import db

    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'partial.db'}"))
    with app.app_context():
        db.metadata.tables["user"].create(db.engine)
        assert schema_diff(db) != []
        db.engine.dispose()
