"""Certificates: issued PDFs (by content hash, with their snapshot and verification code hash),
provider templates with versions and uploaded images, Ed25519 signing keys, bulk runs.

Revision ID: f3d8b4a5e6c7
Revises: e2c7a3f4d5b6
Create Date: 2026-11-27 17:20:00

Written by hand. A series (learner, kind, activity) has one row per version: the unique
constraint is what makes a retried or duplicated issuing job harmless.
"""
import sqlalchemy as sa
from alembic import op

revision = 'f3d8b4a5e6c7'
down_revision = 'e2c7a3f4d5b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificate_asset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_certificate_asset_org_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_asset')),
        sa.UniqueConstraint('org_id', 'sha256', name=op.f('uq_certificate_asset_org_id_sha256')),
    )
    op.create_index(op.f('ix_certificate_asset_org_id'), 'certificate_asset', ['org_id'])
    op.create_table(
        'certificate_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'],
                                name=op.f('fk_certificate_template_org_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_template')),
    )
    op.create_index(op.f('ix_certificate_template_org_id'), 'certificate_template', ['org_id'])
    op.create_table(
        'certificate_template_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('template_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('css', sa.Text(), nullable=False),
        sa.Column('page_size', sa.String(length=8), nullable=False),
        sa.Column('signatory_name', sa.String(length=200), nullable=False),
        sa.Column('signatory_title', sa.String(length=200), nullable=False),
        sa.Column('logo_asset_id', sa.Integer(), nullable=True),
        sa.Column('signature_asset_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['template_id'], ['certificate_template.id'],
                                name=op.f('fk_certificate_template_version_template_id_certificate_template')),
        sa.ForeignKeyConstraint(['logo_asset_id'], ['certificate_asset.id'],
                                name=op.f('fk_certificate_template_version_logo_asset_id_certificate_asset')),
        sa.ForeignKeyConstraint(['signature_asset_id'], ['certificate_asset.id'],
                                name=op.f('fk_certificate_template_version_signature_asset_id_certificate_asset')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_certificate_template_version_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_template_version')),
        sa.UniqueConstraint('template_id', 'number', name=op.f('uq_certificate_template_version_template_id_number')),
    )
    op.create_index(op.f('ix_certificate_template_version_template_id'), 'certificate_template_version',
                    ['template_id'])
    op.create_table(
        'certificate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('activity_kind', sa.String(length=16), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('provider_org_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('template_version_id', sa.Integer(), nullable=True),
        sa.Column('template_ref', sa.String(length=60), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['user.id'], name=op.f('fk_certificate_learner_id_user')),
        sa.ForeignKeyConstraint(['provider_org_id'], ['organisation.id'],
                                name=op.f('fk_certificate_provider_org_id_organisation')),
        sa.ForeignKeyConstraint(['supersedes_id'], ['certificate.id'], name=op.f('fk_certificate_supersedes_id_certificate')),
        sa.ForeignKeyConstraint(['template_version_id'], ['certificate_template_version.id'],
                                name=op.f('fk_certificate_template_version_id_certificate_template_version')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_certificate_code_hash')),
        sa.UniqueConstraint('learner_id', 'kind', 'activity_kind', 'activity_id', 'version',
                            name='uq_certificate_series'),
    )
    op.create_index(op.f('ix_certificate_learner_id'), 'certificate', ['learner_id'])
    op.create_index(op.f('ix_certificate_provider_org_id'), 'certificate', ['provider_org_id'])
    op.create_index('ix_certificate_activity', 'certificate', ['activity_kind', 'activity_id'])
    op.create_table(
        'certificate_signing_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('public_key', sa.String(length=64), nullable=False),
        sa.Column('private_key_encrypted', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'],
                                name=op.f('fk_certificate_signing_key_org_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_signing_key')),
        sa.UniqueConstraint('org_id', name=op.f('uq_certificate_signing_key_org_id')),
    )
    op.create_table(
        'certificate_bulk_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('activity_kind', sa.String(length=16), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'],
                                name=op.f('fk_certificate_bulk_run_org_id_organisation')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_certificate_bulk_run_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_bulk_run')),
    )
    op.create_index(op.f('ix_certificate_bulk_run_org_id'), 'certificate_bulk_run', ['org_id'])


def downgrade():
    op.drop_table('certificate_bulk_run')
    op.drop_table('certificate_signing_key')
    op.drop_table('certificate')
    op.drop_table('certificate_template_version')
    op.drop_table('certificate_template')
    op.drop_table('certificate_asset')
