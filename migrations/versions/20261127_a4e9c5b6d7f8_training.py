"""Practice management: training assignments, roster imports, completions recorded by hand, mail preferences.

Revision ID: a4e9c5b6d7f8
Revises: f3d8b4a5e6c7
Create Date: 2026-11-27 16:35:14

Reviewed by hand. Who an assignment applies to is not stored per person (it is computed from
memberships when read); reminders reuse the existing ``reminder_log`` table.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4e9c5b6d7f8'
down_revision = 'f3d8b4a5e6c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_roster_import_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_roster_import_org_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_import'))
    )
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_import_org_id'), ['org_id'], unique=False)

    op.create_table('training_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('non_mandatory_mail_opt_out', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_training_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_training_preference'))
    )
    op.create_table('training_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.String(length=16), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('target_team_id', sa.Integer(), nullable=True),
    sa.Column('target_job_title', sa.String(length=120), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('recurrence_months', sa.SmallInteger(), nullable=True),
    sa.Column('recurrence_basis', sa.String(length=16), nullable=False),
    sa.Column('grace_days', sa.SmallInteger(), nullable=False),
    sa.Column('is_mandatory', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(item_kind = 'course' AND course_id IS NOT NULL) OR (item_kind = 'minutes' AND meeting_id IS NOT NULL)", name=op.f('ck_training_assignment_item_present')),
    sa.CheckConstraint("item_kind IN ('course', 'minutes')", name=op.f('ck_training_assignment_item_kind')),
    sa.CheckConstraint("target_kind IN ('org', 'team', 'job_title', 'person')", name=op.f('ck_training_assignment_target_kind')),
    sa.CheckConstraint('grace_days BETWEEN 0 AND 365', name=op.f('ck_training_assignment_grace_range')),
    sa.CheckConstraint('recurrence_months IS NULL OR recurrence_months BETWEEN 1 AND 120', name=op.f('ck_training_assignment_recurrence_range')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_training_assignment_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_training_assignment_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_training_assignment_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_training_assignment_org_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_team_id'], ['team.id'], name=op.f('fk_training_assignment_target_team_id_team'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_user_id'], ['user.id'], name=op.f('fk_training_assignment_target_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_assignment'))
    )
    with op.batch_alter_table('training_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_assignment_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_assignment_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_assignment_org_id'), ['org_id'], unique=False)

    op.create_table('training_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.String(length=16), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(item_kind = 'course' AND course_id IS NOT NULL) OR (item_kind = 'minutes' AND meeting_id IS NOT NULL)", name=op.f('ck_training_record_item_present')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_training_record_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_training_record_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_training_record_org_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_training_record_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_training_record_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_record'))
    )
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_record_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_record_user_id'), ['user_id'], unique=False)


def downgrade():
    # training_record joined this revision after it was first committed: a development database
    # upgraded before that lacks it, and "downgrade f3d8b4a5e6c7 && upgrade" must still work there.
    if sa.inspect(op.get_bind()).has_table('training_record'):
        with op.batch_alter_table('training_record', schema=None) as batch_op:
            batch_op.drop_index(batch_op.f('ix_training_record_user_id'))
            batch_op.drop_index(batch_op.f('ix_training_record_org_id'))

        op.drop_table('training_record')
    with op.batch_alter_table('training_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_assignment_org_id'))
        batch_op.drop_index(batch_op.f('ix_training_assignment_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_training_assignment_course_id'))

    op.drop_table('training_assignment')
    op.drop_table('training_preference')
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_import_org_id'))

    op.drop_table('roster_import')
