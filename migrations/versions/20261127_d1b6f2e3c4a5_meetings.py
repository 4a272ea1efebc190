"""Meetings: scheduling, invitees, attendance intervals, minutes and action items.

Revision ID: d1b6f2e3c4a5
Revises: c0a5e1d2b3f4
Create Date: 2026-11-27 16:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'd1b6f2e3c4a5'
down_revision = 'c0a5e1d2b3f4'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
