"""Version stamps for cached pages: per organisation (training compliance) and per user (dashboard).

Revision ID: d7b2f8e9a0c1
Revises: b5f0d6c7e8a9
Create Date: 2026-11-27 19:40:00

Reviewed by hand. ``organisation.training_version`` is replaced by a random value whenever
something that moves the organisation's compliance changes (``lms.training.invalidation``);
``user.dashboard_version`` likewise for what a learner's dashboard shows. Existing rows start at
0 and nothing is cached across a deploy, so no backfill is needed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7b2f8e9a0c1'
down_revision = 'b5f0d6c7e8a9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training_version', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dashboard_version', sa.BigInteger(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('dashboard_version')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('training_version')
