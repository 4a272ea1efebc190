"""Accreditor reporting: joint accreditation of a provider, and each activity's PARS registration.

Revision ID: i17a1b2c3d4e5
Revises: i14b2c3d4e5f
Create Date: 2026-12-03 09:00:00

Reviewed by hand. ``organisation.joint_accreditation`` chooses the Joint Accreditation statement and
JA-PARS; existing providers are not jointly accredited (false). ``pars_activity`` holds the activity ID
PARS assigned and the facts PARS asks for to close an activity that nothing else records (providership,
commercial support, outcomes, location). It holds no learner data.
"""
import sqlalchemy as sa
from alembic import op

revision = 'i17a1b2c3d4e5'
down_revision = 'i14b2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joint_accreditation', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table(
        'pars_activity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_kind', sa.String(length=16), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('pars_activity_id', sa.String(length=40), nullable=False),
        sa.Column('providership', sa.String(length=8), nullable=False),
        sa.Column('joint_providers', sa.Text(), nullable=False),
        sa.Column('commercial_support', sa.Boolean(), nullable=False),
        sa.Column('commercial_supporters', sa.Text(), nullable=False),
        sa.Column('changes_competence', sa.Boolean(), nullable=False),
        sa.Column('changes_performance', sa.Boolean(), nullable=False),
        sa.Column('changes_outcomes', sa.Boolean(), nullable=False),
        sa.Column('moc_boards', sa.JSON(), nullable=False),
        sa.Column('location_city', sa.String(length=120), nullable=False),
        sa.Column('location_state', sa.String(length=2), nullable=False),
        sa.Column('location_country', sa.String(length=3), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_pars_activity_updated_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pars_activity')),
        sa.UniqueConstraint('activity_kind', 'activity_id', name=op.f('uq_pars_activity_activity_kind_activity_id')),
    )


def downgrade():
    op.drop_table('pars_activity')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('joint_accreditation')
