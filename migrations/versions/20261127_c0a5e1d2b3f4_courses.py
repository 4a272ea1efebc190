"""Courses: activities, versions, faculty and disclosures, modules, lessons, quizzes, evaluations, enrolments and progress.

Revision ID: c0a5e1d2b3f4
Revises: ecd83dde78c2
Create Date: 2026-11-27 16:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a5e1d2b3f4'
down_revision = 'ecd83dde78c2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
