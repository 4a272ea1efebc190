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
    op.create_table('calendar_feed',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_feed_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('recurrence', sa.String(length=10), nullable=False),
    sa.Column('recurrence_count', sa.Integer(), nullable=False),
    sa.Column('series_ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('room_name', sa.String(length=64), nullable=False),
    sa.Column('ical_uid', sa.String(length=120), nullable=False),
    sa.Column('ical_sequence', sa.Integer(), nullable=False),
    sa.Column('open_to_org', sa.Boolean(), nullable=False),
    sa.Column('recording_enabled', sa.Boolean(), nullable=False),
    sa.Column('lobby_enabled', sa.Boolean(), nullable=False),
    sa.Column('passcode', sa.String(length=12), nullable=True),
    sa.Column('ack_counts_as_attendance', sa.Boolean(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('minutes_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes_updated_by_id', sa.Integer(), nullable=True),
    sa.Column('is_accredited', sa.Boolean(), nullable=False),
    sa.Column('accredited_start_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accredited_end_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('min_credit_minutes', sa.Integer(), nullable=False),
    sa.Column('accreditation_statement', sa.Text(), nullable=False),
    sa.Column('acpe_uan', sa.String(length=40), nullable=True),
    sa.Column('topics', sa.String(length=300), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('administrative', 'training', 'education')", name=op.f('ck_meeting_category_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_meeting_ends_after_start')),
    sa.ForeignKeyConstraint(['host_id'], ['user.id'], name=op.f('fk_meeting_host_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['minutes_updated_by_id'], ['user.id'], name=op.f('fk_meeting_minutes_updated_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_meeting_org_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('ical_uid', name=op.f('uq_meeting_ical_uid')),
    sa.UniqueConstraint('room_name', name=op.f('uq_meeting_room_name'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_series_ends_at'), ['series_ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)

    op.create_table('action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_action_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_action_item_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item'))
    )
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('attendance_interval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('participant_key', sa.String(length=200), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evidence', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_attendance_interval_confirmed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_attendance_interval_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_attendance_interval_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voided_by_id'], ['user.id'], name=op.f('fk_attendance_interval_voided_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_interval'))
    )
    with op.batch_alter_table('attendance_interval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_interval_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_interval_user_id'), ['user_id'], unique=False)

    op.create_table('jitsi_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('participant_key', sa.String(length=200), nullable=False),
    sa.Column('person_key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_jitsi_event_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_jitsi_event_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jitsi_event')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_jitsi_event_idempotency_key'))
    )
    with op.batch_alter_table('jitsi_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jitsi_event_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_cohost',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_cohost_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_cohost_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_meeting_cohost'))
    )
    with op.batch_alter_table('meeting_cohost', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_cohost_user_id'), ['user_id'], unique=False)

    op.create_table('meeting_credit',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('credit_type_code', sa.String(length=32), nullable=False),
    sa.Column('max_credits', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.CheckConstraint('max_credits > 0', name=op.f('ck_meeting_credit_max_positive')),
    sa.ForeignKeyConstraint(['credit_type_code'], ['credit_type.code'], name=op.f('fk_meeting_credit_credit_type_code_credit_type')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_credit_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'credit_type_code', name=op.f('pk_meeting_credit'))
    )
    op.create_table('meeting_evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('change_practice', sa.SmallInteger(), nullable=False),
    sa.Column('met_objectives', sa.SmallInteger(), nullable=False),
    sa.Column('free_of_bias', sa.SmallInteger(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('change_practice BETWEEN 1 AND 5', name=op.f('ck_meeting_evaluation_change_practice_range')),
    sa.CheckConstraint('free_of_bias BETWEEN 1 AND 5', name=op.f('ck_meeting_evaluation_free_of_bias_range')),
    sa.CheckConstraint('met_objectives BETWEEN 1 AND 5', name=op.f('ck_meeting_evaluation_met_objectives_range')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_evaluation_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_evaluation_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_evaluation')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_meeting_evaluation_meeting_id_user_id'))
    )
    with op.batch_alter_table('meeting_evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_evaluation_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_invitee',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_invitee_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_invitee_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_meeting_invitee'))
    )
    with op.batch_alter_table('meeting_invitee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_invitee_user_id'), ['user_id'], unique=False)

    op.create_table('meeting_team',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_team_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_meeting_team_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'team_id', name=op.f('pk_meeting_team'))
    )
    with op.batch_alter_table('meeting_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_team_team_id'), ['team_id'], unique=False)

    op.create_table('minutes_acknowledgement',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_minutes_acknowledgement_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_minutes_acknowledgement_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_minutes_acknowledgement'))
    )


def downgrade():
    op.drop_table('minutes_acknowledgement')
    with op.batch_alter_table('meeting_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_team_team_id'))

    op.drop_table('meeting_team')
    with op.batch_alter_table('meeting_invitee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_invitee_user_id'))

    op.drop_table('meeting_invitee')
    with op.batch_alter_table('meeting_evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_evaluation_meeting_id'))

    op.drop_table('meeting_evaluation')
    op.drop_table('meeting_credit')
    with op.batch_alter_table('meeting_cohost', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_cohost_user_id'))

    op.drop_table('meeting_cohost')
    with op.batch_alter_table('jitsi_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jitsi_event_meeting_id'))

    op.drop_table('jitsi_event')
    with op.batch_alter_table('attendance_interval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_interval_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_interval_meeting_id'))

    op.drop_table('attendance_interval')
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_item_meeting_id'))

    op.drop_table('action_item')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_series_ends_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_org_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_host_id'))

    op.drop_table('meeting')
    op.drop_table('calendar_feed')
