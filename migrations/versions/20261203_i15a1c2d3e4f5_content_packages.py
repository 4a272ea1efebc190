"""Content packages (cmi5, SCORM), cmi5 registrations and sessions, the embedded LRS's statements and
documents, SCORM attempts; a package lesson points at its package.

Revision ID: i15a1c2d3e4f5
Revises: i16b_webhooks
Create Date: 2026-12-03 08:17:39

Reviewed by hand. ``lesson.package_id`` is a plain column, added with ALTER TABLE on both
databases: a foreign key would need batch mode's table copy on SQLite, which drops and recreates
``lesson`` under the tables that refer to it (and SQLite does not reflect an inline REFERENCES
added by ALTER TABLE faithfully). Packages are never deleted, only marked, so nothing dangles.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i15a1c2d3e4f5'
down_revision = 'i16b_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('xapi_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('agent_key', sa.String(length=300), nullable=False),
    sa.Column('activity_id', sa.String(length=500), nullable=False),
    sa.Column('registration', sa.String(length=36), nullable=False),
    sa.Column('doc_id', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_document')),
    sa.UniqueConstraint('kind', 'agent_key', 'activity_id', 'registration', 'doc_id', name=op.f('uq_xapi_document_kind_agent_key_activity_id_registration_doc_id'))
    )
    op.create_table('xapi_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=36), nullable=False),
    sa.Column('registration', sa.String(length=36), nullable=True),
    sa.Column('verb_id', sa.String(length=300), nullable=False),
    sa.Column('activity_id', sa.String(length=500), nullable=True),
    sa.Column('agent_key', sa.String(length=300), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_statement')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_xapi_statement_statement_id'))
    )
    with op.batch_alter_table('xapi_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xapi_statement_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statement_agent_key'), ['agent_key'], unique=False)
        batch_op.create_index('ix_xapi_statement_registration_id', ['registration', 'id'], unique=False)

    op.create_table('content_package',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('standard', sa.String(length=12), nullable=False),
    sa.Column('schema_version', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=True),
    sa.Column('lms_iri', sa.String(length=300), nullable=False),
    sa.Column('structure', sa.JSON(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_content_package_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_content_package_org_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_package')),
    sa.UniqueConstraint('uuid', name=op.f('uq_content_package_uuid'))
    )
    with op.batch_alter_table('content_package', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_package_org_id'), ['org_id'], unique=False)

    op.create_table('cmi5_registration',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('actor', sa.JSON(), nullable=False),
    sa.Column('au_state', sa.JSON(), nullable=False),
    sa.Column('satisfied_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('satisfied_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_cmi5_registration_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_cmi5_registration_lesson_id_lesson'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['package_id'], ['content_package.id'], name=op.f('fk_cmi5_registration_package_id_content_package'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_cmi5_registration_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cmi5_registration'))
    )
    with op.batch_alter_table('cmi5_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cmi5_registration_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index('ix_cmi5_registration_package_user', ['package_id', 'user_id'], unique=False)

    op.create_table('scorm_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('sco_index', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('cmi', sa.JSON(), nullable=False),
    sa.Column('completion_status', sa.String(length=20), nullable=False),
    sa.Column('success_status', sa.String(length=20), nullable=False),
    sa.Column('score_scaled', sa.Double(), nullable=True),
    sa.Column('total_seconds', sa.Integer(), nullable=False),
    sa.Column('commits', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.Column('interactions', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_scorm_attempt_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_scorm_attempt_lesson_id_lesson'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['package_id'], ['content_package.id'], name=op.f('fk_scorm_attempt_package_id_content_package'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_scorm_attempt_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_attempt'))
    )
    with op.batch_alter_table('scorm_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorm_attempt_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index('ix_scorm_attempt_package_user', ['package_id', 'user_id'], unique=False)

    op.create_table('cmi5_session',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('registration_id', sa.String(length=36), nullable=False),
    sa.Column('au_index', sa.Integer(), nullable=False),
    sa.Column('launch_mode', sa.String(length=10), nullable=False),
    sa.Column('fetch_token_hash', sa.String(length=64), nullable=False),
    sa.Column('fetch_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('auth_token_hash', sa.String(length=64), nullable=True),
    sa.Column('launched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('initialized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('terminated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('abandoned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('passed_or_failed', sa.String(length=10), nullable=True),
    sa.Column('prefs_read', sa.Boolean(), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['cmi5_registration.id'], name=op.f('fk_cmi5_session_registration_id_cmi5_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cmi5_session')),
    sa.UniqueConstraint('auth_token_hash', name=op.f('uq_cmi5_session_auth_token_hash')),
    sa.UniqueConstraint('fetch_token_hash', name=op.f('uq_cmi5_session_fetch_token_hash'))
    )
    with op.batch_alter_table('cmi5_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cmi5_session_registration_id'), ['registration_id'], unique=False)

    op.add_column('lesson', sa.Column('package_id', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('lesson', 'package_id')

    with op.batch_alter_table('cmi5_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cmi5_session_registration_id'))

    op.drop_table('cmi5_session')
    with op.batch_alter_table('scorm_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_scorm_attempt_package_user')
        batch_op.drop_index(batch_op.f('ix_scorm_attempt_enrolment_id'))

    op.drop_table('scorm_attempt')
    with op.batch_alter_table('cmi5_registration', schema=None) as batch_op:
        batch_op.drop_index('ix_cmi5_registration_package_user')
        batch_op.drop_index(batch_op.f('ix_cmi5_registration_enrolment_id'))

    op.drop_table('cmi5_registration')
    with op.batch_alter_table('content_package', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_package_org_id'))

    op.drop_table('content_package')
    with op.batch_alter_table('xapi_statement', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_statement_registration_id')
        batch_op.drop_index(batch_op.f('ix_xapi_statement_agent_key'))
        batch_op.drop_index(batch_op.f('ix_xapi_statement_activity_id'))

    op.drop_table('xapi_statement')
    op.drop_table('xapi_document')
