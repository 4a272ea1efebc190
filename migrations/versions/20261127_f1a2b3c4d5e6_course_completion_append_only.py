"""The completion history is append-only in the database, like the credit ledger.

Revision ID: f1a2b3c4d5e6
Revises: e8c3a9b0d1f2
Create Date: 2026-11-27 23:35:00

Reviewed by hand. ``course_completion`` is compliance evidence (a dated record that a person
completed a round of a course): the application only ever inserts rows, and now the database
refuses UPDATE, DELETE (so also the ON DELETE CASCADE of a course, enrolment or account with
completions) and, on PostgreSQL, TRUNCATE: a trigger function on PostgreSQL, BEFORE triggers on
SQLite. Accounts are anonymised, never deleted, so the history outlives its learner's name.
"""
from alembic import op

revision = 'f1a2b3c4d5e6'
down_revision = 'e8c3a9b0d1f2'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION course_completion_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'course_completion is append-only: % refused; a completion is never changed or removed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER course_completion_no_change BEFORE UPDATE OR DELETE ON course_completion "
                   "FOR EACH ROW EXECUTE FUNCTION course_completion_append_only()")
        op.execute("CREATE TRIGGER course_completion_no_truncate BEFORE TRUNCATE ON course_completion "
                   "FOR EACH STATEMENT EXECUTE FUNCTION course_completion_append_only()")
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER course_completion_no_{operation.lower()} BEFORE {operation} "
                       "ON course_completion BEGIN SELECT RAISE(ABORT, 'course_completion is append-only: "
                       "a completion is never changed or removed'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS course_completion_no_truncate ON course_completion")
        op.execute("DROP TRIGGER IF EXISTS course_completion_no_change ON course_completion")
        op.execute("DROP FUNCTION IF EXISTS course_completion_append_only()")
    else:
        for operation in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS course_completion_no_{operation}")
