"""Status and kind columns as enums: a CHECK constraint refuses any value outside the list.

(``credit_entry.kind`` and ``training_assignment.item_kind`` have had theirs since they were made.)

PostgreSQL gets real CHECK constraints. SQLite cannot add one without rebuilding the table,
and rebuilding ``course_version`` or the ledger would drop their triggers and cascade into the
rows that reference them, so there the same rule is a pair of BEFORE INSERT / UPDATE triggers
named like the constraint.

Revision ID: a13e5c7d9b01
Revises: f1a2b3c4d5e6
Create Date: 2026-12-03
"""
from alembic import op

revision = "a13e5c7d9b01"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None

# table, column, constraint name (as the models' enum_type names it), allowed values
ENUMS = [
    ("certificate", "status", "certificate_status", ("valid", "superseded", "revoked")),
    ("certificate_bulk_run", "status", "run_status", ("queued", "running", "finished")),
    ("roster_import", "status", "import_status", ("preview", "applied", "discarded")),
    ("training_record", "item_kind", "item_kind", ("course", "minutes")),
    ("course_version", "state", "version_state", ("draft", "in_review", "published", "superseded")),
    ("course_tag", "kind", "tag_kind", ("specialty", "topic", "profession")),
    ("course_file", "kind", "file_kind", ("video", "attachment")),
]


def _condition(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, name, values in ENUMS:
        if not sqlite:
            op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, _condition(column, values))
            continue
        for event, when in (("INSERT", "BEFORE INSERT"), ("UPDATE", f"BEFORE UPDATE OF {column}")):
            op.execute(
                f'CREATE TRIGGER ck_{table}_{name}_{event.lower()} {when} ON "{table}" '
                f"WHEN NOT (NEW.{_condition(column, values)}) "
                f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ck_{table}_{name}'); END"
            )


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, name, values in reversed(ENUMS):
        if not sqlite:
            op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
            continue
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS ck_{table}_{name}_{event}")
