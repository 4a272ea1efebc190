"""The audit log is append-only in the database, like the credit ledger and the completion history.

Revision ID: i19b0a1u2d3t
Revises: i19a0e1n2p3i
Create Date: 2026-12-03 08:45:00

Reviewed by hand. ``audit_event`` is who changed a role, a credit, a certificate or an attendance
record, and when: the application only inserts rows, and now the database refuses UPDATE, DELETE
and, on PostgreSQL, TRUNCATE (a trigger function on PostgreSQL, BEFORE triggers on SQLite), whatever
the role. Its ``ON DELETE SET NULL`` foreign keys therefore refuse deleting an account or an
organisation that has audit events: accounts are anonymised and organisations kept, never deleted.
On PostgreSQL the application's role is also granted only SELECT and INSERT on it (see
``lms.db_roles`` and the README), so even without the trigger it could not rewrite the log.
"""
from alembic import op

revision = 'i19b0a1u2d3t'
down_revision = 'i19a0e1n2p3i'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused; the audit log is never changed or removed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} "
                       "ON audit_event BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: "
                       "the audit log is never changed or removed'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    else:
        for operation in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{operation}")
