"""Certificate designs: a seal image and the chosen design (font pair, accent colour) on each template
version, and template versions made unchangeable in the database.

Revision ID: i21d1_certificate_design
Revises: i21c_images_captions
Create Date: 2026-12-03 12:40:00

Reviewed by hand. A certificate names the template version that rendered it
(``certificate.template_version_id``); that version holds the whole HTML, CSS, images and design
it was made with. Saving a design only ever adds a version, and from here the database refuses
UPDATE and DELETE of ``certificate_template_version`` rows (a trigger function on PostgreSQL,
BEFORE triggers on SQLite), so the design behind an issued certificate is never changed in place.
"""
import sqlalchemy as sa
from alembic import op

revision = 'i21d1_certificate_design'
down_revision = 'i21c_images_captions'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION certificate_template_version_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'certificate_template_version is never changed: % refused; save a new version', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    with op.batch_alter_table('certificate_template_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal_asset_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('design', sa.JSON(), nullable=True))
        batch_op.create_foreign_key('fk_certificate_template_version_seal', 'certificate_asset',
                                    ['seal_asset_id'], ['id'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER certificate_template_version_no_change BEFORE UPDATE OR DELETE "
                   "ON certificate_template_version FOR EACH ROW EXECUTE FUNCTION certificate_template_version_frozen()")
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER certificate_template_version_no_{operation.lower()} BEFORE {operation} "
                       "ON certificate_template_version BEGIN SELECT RAISE(ABORT, 'certificate_template_version "
                       "is never changed: save a new version'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS certificate_template_version_no_change ON certificate_template_version")
        op.execute("DROP FUNCTION IF EXISTS certificate_template_version_frozen()")
    else:
        for operation in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS certificate_template_version_no_{operation}")
    with op.batch_alter_table('certificate_template_version', schema=None) as batch_op:
        batch_op.drop_constraint('fk_certificate_template_version_seal', type_='foreignkey')
        batch_op.drop_column('design')
        batch_op.drop_column('seal_asset_id')
