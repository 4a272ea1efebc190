"""The credit ledger (append-only, enforced by the database), external credit, requirements
and the reminder log.

Revision ID: e2c7a3f4d5b6
Revises: d1b6f2e3c4a5
Create Date: 2026-11-27 16:10:00

Reviewed by hand. The ledger refuses UPDATE and DELETE in the database itself: a trigger
function on PostgreSQL (rows and TRUNCATE) and BEFORE triggers on SQLite, so no code path,
console session or bug can change a regulated record in place.
"""
import sqlalchemy as sa
from alembic import op

revision = 'e2c7a3f4d5b6'
down_revision = 'd1b6f2e3c4a5'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION credit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'credit_entry is append-only: % refused; add a correction or revocation entry', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table(
        'credit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=True),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('activity_kind', sa.String(length=16), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('activity_version', sa.Integer(), nullable=True),
        sa.Column('activity_title', sa.String(length=300), nullable=False),
        sa.Column('activity_format', sa.String(length=16), nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('provider_org_id', sa.Integer(), nullable=True),
        sa.Column('provider_name', sa.String(length=200), nullable=False),
        sa.Column('topics', sa.JSON(), nullable=False),
        sa.Column('credit_type_code', sa.String(length=32), nullable=False),
        sa.Column('amount', sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('attested', sa.Boolean(), nullable=False),
        sa.Column('self_reported', sa.Boolean(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(kind = 'claim') = (claim_id IS NULL)", name=op.f('ck_credit_entry_claim_link')),
        sa.CheckConstraint("kind != 'claim' OR amount > 0", name=op.f('ck_credit_entry_claim_positive')),
        sa.CheckConstraint("kind IN ('claim', 'correction', 'revocation')", name=op.f('ck_credit_entry_kind')),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_credit_entry_actor_id_user')),
        sa.ForeignKeyConstraint(['claim_id'], ['credit_entry.id'], name=op.f('fk_credit_entry_claim_id_credit_entry')),
        sa.ForeignKeyConstraint(['credit_type_code'], ['credit_type.code'],
                                name=op.f('fk_credit_entry_credit_type_code_credit_type')),
        sa.ForeignKeyConstraint(['learner_id'], ['user.id'], name=op.f('fk_credit_entry_learner_id_user')),
        sa.ForeignKeyConstraint(['provider_org_id'], ['organisation.id'],
                                name=op.f('fk_credit_entry_provider_org_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_entry')),
    )
    with op.batch_alter_table('credit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_credit_entry_activity', ['activity_kind', 'activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_entry_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index('ix_credit_entry_learner_date', ['learner_id', 'activity_date'], unique=False)
        batch_op.create_index('uq_credit_entry_one_claim',
                              ['learner_id', 'activity_kind', 'activity_id', 'credit_type_code'], unique=True,
                              sqlite_where=sa.text("kind = 'claim'"), postgresql_where=sa.text("kind = 'claim'"))

    op.create_table(
        'external_credit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('provider_name', sa.String(length=200), nullable=False),
        sa.Column('activity_title', sa.String(length=300), nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('credit_type_code', sa.String(length=32), nullable=False),
        sa.Column('amount', sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column('topics', sa.JSON(), nullable=False),
        sa.Column('certificate_path', sa.String(length=100), nullable=True),
        sa.Column('certificate_filename', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['credit_type_code'], ['credit_type.code'],
                                name=op.f('fk_external_credit_credit_type_code_credit_type')),
        sa.ForeignKeyConstraint(['learner_id'], ['user.id'], name=op.f('fk_external_credit_learner_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_credit')),
    )
    with op.batch_alter_table('external_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_credit_learner_id'), ['learner_id'], unique=False)

    op.create_table(
        'requirement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('template_code', sa.String(length=40), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('cycle_start', sa.Date(), nullable=True),
        sa.Column('cycle_end', sa.Date(), nullable=True),
        sa.Column('total_required', sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column('credit_types', sa.JSON(), nullable=False),
        sa.Column('topic_minimums', sa.JSON(), nullable=False),
        sa.Column('one_time', sa.Boolean(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['user.id'], name=op.f('fk_requirement_learner_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement')),
    )
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirement_learner_id'), ['learner_id'], unique=False)

    op.create_table(
        'reminder_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_log_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_log')),
        sa.UniqueConstraint('user_id', 'kind', 'object_id', 'sent_on',
                            name=op.f('uq_reminder_log_user_id_kind_object_id_sent_on')),
    )
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_log_user_id'), ['user_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER credit_entry_no_change BEFORE UPDATE OR DELETE ON credit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION credit_entry_append_only()")
        op.execute("CREATE TRIGGER credit_entry_no_truncate BEFORE TRUNCATE ON credit_entry "
                   "FOR EACH STATEMENT EXECUTE FUNCTION credit_entry_append_only()")
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER credit_entry_no_{operation.lower()} BEFORE {operation} ON credit_entry "
                       "BEGIN SELECT RAISE(ABORT, 'credit_entry is append-only: add a correction or revocation "
                       "entry'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS credit_entry_no_truncate ON credit_entry")
        op.execute("DROP TRIGGER IF EXISTS credit_entry_no_change ON credit_entry")
        op.execute("DROP FUNCTION IF EXISTS credit_entry_append_only()")
    op.drop_table('reminder_log')
    op.drop_table('requirement')
    op.drop_table('external_credit')
    op.drop_table('credit_entry')
