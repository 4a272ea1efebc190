"""Images in course Markdown and WebVTT captions for video lessons.

Revision ID: i21c_images_captions
Revises: i21b_external_lrs
Create Date: 2026-12-03 12:25:18

Reviewed by hand. Two new tables, nothing existing changes:
- ``course_image``: an image belongs to the course (not a version), so every version's text that
  refers to it keeps working; the stored name is random and unique.
- ``lesson_caption``: one captions track per lesson and language; a new version copies the rows
  and shares the stored file, as ``course_file`` does.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i21c_images_captions'
down_revision = 'i21b_external_lrs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('alt', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_image_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_course_image_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_image')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_course_image_stored_name'))
    )
    with op.batch_alter_table('course_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_image_course_id'), ['course_id'], unique=False)

    op.create_table('lesson_caption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_lesson_caption_lesson_id_lesson'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_caption')),
    sa.UniqueConstraint('lesson_id', 'language', name=op.f('uq_lesson_caption_lesson_id_language'))
    )
    with op.batch_alter_table('lesson_caption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_caption_lesson_id'), ['lesson_id'], unique=False)



def downgrade():
    with op.batch_alter_table('lesson_caption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_caption_lesson_id'))

    op.drop_table('lesson_caption')
    with op.batch_alter_table('course_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_image_course_id'))

    op.drop_table('course_image')
