"""External LRS per organisation (key and encrypted secret) and the forwarding log of statements.

Revision ID: i21b_external_lrs
Revises: i14a2_sso
Create Date: 2026-12-03 13:00:00

Reviewed by hand. One ``external_lrs`` per organisation; one ``xapi_forward`` row per statement and
LRS (unique), updated by the forwarding job as it tries, retries and delivers.
"""
import sqlalchemy as sa
from alembic import op

revision = 'i21b_external_lrs'
down_revision = 'i14a2_sso'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'external_lrs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('endpoint', sa.String(length=500), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('secret_encrypted', sa.Text(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_external_lrs_org_id_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_external_lrs_updated_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_lrs')),
        sa.UniqueConstraint('org_id', name=op.f('uq_external_lrs_org_id')),
    )
    op.create_table(
        'xapi_forward',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_row_id', sa.Integer(), nullable=False),
        sa.Column('lrs_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['statement_row_id'], ['xapi_statement.id'],
                                name=op.f('fk_xapi_forward_statement_row_id_xapi_statement'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['lrs_id'], ['external_lrs.id'], name=op.f('fk_xapi_forward_lrs_id_external_lrs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_forward')),
        sa.UniqueConstraint('statement_row_id', 'lrs_id', name=op.f('uq_xapi_forward_statement_row_id_lrs_id')),
    )
    op.create_index(op.f('ix_xapi_forward_lrs_id'), 'xapi_forward', ['lrs_id'])


def downgrade():
    op.drop_index(op.f('ix_xapi_forward_lrs_id'), table_name='xapi_forward')
    op.drop_table('xapi_forward')
    op.drop_table('external_lrs')
