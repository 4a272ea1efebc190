"""API tokens (stored hashed) and idempotency records for the public API.

Revision ID: i16a_api_tokens
Revises: i19b0a1u2d3t
Create Date: 2026-12-03 08:20:00

Reviewed by hand. ``api_token`` holds personal access tokens (``org_id`` NULL) and organisation
service tokens; only the SHA-256 of the secret is kept. ``api_idempotency`` keeps the first
answer to a creating POST sent with an ``Idempotency-Key``, unique per principal and key.
"""
import sqlalchemy as sa
from alembic import op

revision = 'i16a_api_tokens'
down_revision = 'i19b0a1u2d3t'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=True),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_api_token_org_id_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_api_token_revoked_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    )
    op.create_index(op.f('ix_api_token_user_id'), 'api_token', ['user_id'])
    op.create_index(op.f('ix_api_token_org_id'), 'api_token', ['org_id'])
    op.create_table(
        'api_idempotency',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('principal', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency')),
        sa.UniqueConstraint('principal', 'key', name=op.f('uq_api_idempotency_principal_key')),
    )
    op.create_index('ix_api_idempotency_created_at', 'api_idempotency', ['created_at'])


def downgrade():
    op.drop_table('api_idempotency')
    op.drop_index(op.f('ix_api_token_org_id'), table_name='api_token')
    op.drop_index(op.f('ix_api_token_user_id'), table_name='api_token')
    op.drop_table('api_token')
