"""Server-side sign-in sessions (issue 14, part A).

Revision ID: i14a1_user_sessions
Revises: i15a1c2d3e4f5
Create Date: 2026-12-03 08:30:00

Reviewed by hand. Every cookie now names a ``user_session`` row; cookies made before this
revision name none, so everyone signs in once more after the deploy.
"""
import sqlalchemy as sa
from alembic import op

revision = 'i14a1_user_sessions'
down_revision = 'i15a1c2d3e4f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('user_agent', sa.String(length=400), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_reason', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash')),
    )
    op.create_index('ix_user_session_user_id_ended_at', 'user_session', ['user_id', 'ended_at'], unique=False)


def downgrade():
    op.drop_index('ix_user_session_user_id_ended_at', table_name='user_session')
    op.drop_table('user_session')
