"""A version stamp for a meeting's action items, kept by each process for the meeting page.

Revision ID: e8c3a9b0d1f2
Revises: d7b2f8e9a0c1
Create Date: 2026-11-27 22:45:00

Reviewed by hand. ``meeting.page_version`` is replaced by a random value whenever the meeting's
action items (or their owners' names) change (``lms.invalidation``). Existing rows start at 0 and
nothing is cached across a deploy, so no backfill is needed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e8c3a9b0d1f2'
down_revision = 'd7b2f8e9a0c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_version', sa.BigInteger(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('page_version')
