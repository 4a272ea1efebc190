"""One caching design: drop the per-user and per-organisation version stamps; add the named
generations that key the shared fragments (``lms.caching``).

Revision ID: i13c01
Revises: a13e5c7d9b01
Create Date: 2026-12-03 08:40:00

Reviewed by hand. ``user.dashboard_version``, ``organisation.training_version`` and
``meeting.page_version`` were replaced by a flush listener (``lms.invalidation``, deleted) to key
per-process caches of per-user and per-meeting page parts; nothing reads them now. The columns are
dropped with a plain ``ALTER TABLE ... DROP COLUMN`` on both databases (SQLite 3.35+): a batch
copy of ``user`` would cascade through its children. ``cache_generation`` holds one row per named
generation (``catalog``), replaced with a random value by the service that changes it. Downgrade
adds the stamps back at 0 (nothing is cached across a deploy).
"""
import sqlalchemy as sa
from alembic import op

revision = 'i13c01'
down_revision = 'a13e5c7d9b01'
branch_labels = None
depends_on = None

STAMPS = (('user', 'dashboard_version'), ('organisation', 'training_version'), ('meeting', 'page_version'))


def upgrade():
    for table, column in STAMPS:
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN {column}')
    op.create_table(
        'cache_generation',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_generation')),
    )
    op.execute("INSERT INTO cache_generation (name, value) VALUES ('catalog', 1)")


def downgrade():
    op.drop_table('cache_generation')
    for table, column in STAMPS:
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN {column} BIGINT DEFAULT 0 NOT NULL')
