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
    op.create_table('course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('draft_version_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_course_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_course_org_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course'))
    )
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_current_version_id'), ['current_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_org_id'), ['org_id'], unique=False)

    op.create_table('course_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('objectives', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('estimated_minutes', sa.Integer(), nullable=False),
    sa.Column('release_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('accreditation_statement', sa.Text(), nullable=False),
    sa.Column('acpe_uan', sa.String(length=40), nullable=True),
    sa.Column('require_all_lessons', sa.Boolean(), nullable=False),
    sa.Column('video_threshold_pct', sa.SmallInteger(), nullable=False),
    sa.Column('require_quiz_pass', sa.Boolean(), nullable=False),
    sa.Column('require_evaluation', sa.Boolean(), nullable=False),
    sa.Column('max_credit', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('estimated_minutes >= 0', name=op.f('ck_course_version_estimated_minutes_positive')),
    sa.CheckConstraint('video_threshold_pct BETWEEN 0 AND 100', name=op.f('ck_course_version_video_threshold_range')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_version_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_version')),
    sa.UniqueConstraint('course_id', 'number', name=op.f('uq_course_version_course_id_number'))
    )
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_version_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_version_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index('ix_course_version_format', ['format'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_version_max_credit'), ['max_credit'], unique=False)

    # course <-> course_version refer to each other: the course's pointers are added once both exist.
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_course_current_version_id_course_version', 'course_version',
                                    ['current_version_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_course_draft_version_id_course_version', 'course_version',
                                    ['draft_version_id'], ['id'], ondelete='SET NULL')

    op.create_table('course_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_module_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_module'))
    )
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_module_version_id'), ['version_id'], unique=False)

    op.create_table('course_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('credentials', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('attested_none', sa.Boolean(), nullable=False),
    sa.Column('disclosed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_person_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_person'))
    )
    with op.batch_alter_table('course_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_person_version_id'), ['version_id'], unique=False)

    op.create_table('course_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_tag_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_tag')),
    sa.UniqueConstraint('version_id', 'kind', 'value', name=op.f('uq_course_tag_version_id_kind_value'))
    )
    with op.batch_alter_table('course_tag', schema=None) as batch_op:
        batch_op.create_index('ix_course_tag_kind_value', ['kind', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_tag_version_id'), ['version_id'], unique=False)

    op.create_table('credit_designation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('credit_type_code', sa.String(length=32), nullable=False),
    sa.Column('max_amount', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.CheckConstraint('max_amount > 0', name=op.f('ck_credit_designation_max_amount_positive')),
    sa.ForeignKeyConstraint(['credit_type_code'], ['credit_type.code'], name=op.f('fk_credit_designation_credit_type_code_credit_type')),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_credit_designation_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_designation')),
    sa.UniqueConstraint('version_id', 'credit_type_code', name=op.f('uq_credit_designation_version_id_credit_type_code'))
    )
    with op.batch_alter_table('credit_designation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_designation_credit_type_code'), ['credit_type_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_designation_version_id'), ['version_id'], unique=False)

    op.create_table('evaluation_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_evaluation_item_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_item'))
    )
    with op.batch_alter_table('evaluation_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_item_version_id'), ['version_id'], unique=False)

    op.create_table('financial_relationship',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('nature', sa.String(length=20), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('is_relevant', sa.Boolean(), nullable=True),
    sa.Column('mitigation', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['course_person.id'], name=op.f('fk_financial_relationship_person_id_course_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financial_relationship'))
    )
    with op.batch_alter_table('financial_relationship', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financial_relationship_person_id'), ['person_id'], unique=False)

    op.create_table('lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('embed_url', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['module_id'], ['course_module.id'], name=op.f('fk_lesson_module_id_course_module'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_lesson_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson'))
    )
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_version_id'), ['version_id'], unique=False)

    op.create_table('course_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_course_file_lesson_id_lesson'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_file'))
    )
    with op.batch_alter_table('course_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_file_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disclosures_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_lesson_id', sa.Integer(), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seconds_spent', sa.Integer(), nullable=False),
    sa.Column('evaluation_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_enrolment_assigned_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_enrolment_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['last_lesson_id'], ['lesson.id'], name=op.f('fk_enrolment_last_lesson_id_lesson'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_enrolment_user_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_enrolment_version_id_course_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_enrolment_user_id_course_id'))
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_version_id'), ['version_id'], unique=False)

    op.create_table('quiz',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('pass_mark_pct', sa.SmallInteger(), nullable=False),
    sa.Column('max_attempts', sa.SmallInteger(), nullable=False),
    sa.Column('shuffle', sa.Boolean(), nullable=False),
    sa.CheckConstraint('max_attempts >= 1', name=op.f('ck_quiz_max_attempts_positive')),
    sa.CheckConstraint('pass_mark_pct BETWEEN 0 AND 100', name=op.f('ck_quiz_pass_mark_range')),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_quiz_lesson_id_lesson'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz')),
    sa.UniqueConstraint('lesson_id', name=op.f('uq_quiz_lesson_id'))
    )
    op.create_table('evaluation_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating IS NULL OR (rating BETWEEN 1 AND 5)', name=op.f('ck_evaluation_answer_rating_range')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_evaluation_answer_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['evaluation_item.id'], name=op.f('fk_evaluation_answer_item_id_evaluation_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_answer')),
    sa.UniqueConstraint('enrolment_id', 'item_id', name=op.f('uq_evaluation_answer_enrolment_id_item_id'))
    )
    with op.batch_alter_table('evaluation_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_answer_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_answer_item_id'), ['item_id'], unique=False)

    op.create_table('lesson_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('first_viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('position_seconds', sa.Integer(), nullable=False),
    sa.Column('furthest_seconds', sa.Integer(), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_lesson_progress_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_lesson_progress_lesson_id_lesson')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_progress')),
    sa.UniqueConstraint('enrolment_id', 'lesson_id', name=op.f('uq_lesson_progress_enrolment_id_lesson_id'))
    )
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_progress_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_progress_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('quiz_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('shown_order', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score_pct', sa.SmallInteger(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_quiz_attempt_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_quiz_attempt_quiz_id_quiz')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt')),
    sa.UniqueConstraint('enrolment_id', 'quiz_id', 'number', name=op.f('uq_quiz_attempt_enrolment_id_quiz_id_number'))
    )
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempt_quiz_id'), ['quiz_id'], unique=False)

    op.create_table('quiz_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_quiz_question_quiz_id_quiz'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_question'))
    )
    with op.batch_alter_table('quiz_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_question_quiz_id'), ['quiz_id'], unique=False)

    op.create_table('quiz_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['quiz_question.id'], name=op.f('fk_quiz_option_question_id_quiz_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_option'))
    )
    with op.batch_alter_table('quiz_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_option_question_id'), ['question_id'], unique=False)

    op.create_table('quiz_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempt.id'], name=op.f('fk_quiz_response_attempt_id_quiz_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['quiz_question.id'], name=op.f('fk_quiz_response_question_id_quiz_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_response')),
    sa.UniqueConstraint('attempt_id', 'question_id', name=op.f('uq_quiz_response_attempt_id_question_id'))
    )
    with op.batch_alter_table('quiz_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_response_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_response_question_id'), ['question_id'], unique=False)

    op.create_table('quiz_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['quiz_option.id'], name=op.f('fk_quiz_choice_option_id_quiz_option')),
    sa.ForeignKeyConstraint(['response_id'], ['quiz_response.id'], name=op.f('fk_quiz_choice_response_id_quiz_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_choice')),
    sa.UniqueConstraint('response_id', 'option_id', name=op.f('uq_quiz_choice_response_id_option_id'))
    )
    with op.batch_alter_table('quiz_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_choice_option_id'), ['option_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_choice_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_constraint('fk_course_current_version_id_course_version', type_='foreignkey')
        batch_op.drop_constraint('fk_course_draft_version_id_course_version', type_='foreignkey')

    with op.batch_alter_table('quiz_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_choice_response_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_choice_option_id'))

    op.drop_table('quiz_choice')
    with op.batch_alter_table('quiz_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_response_question_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_response_attempt_id'))

    op.drop_table('quiz_response')
    with op.batch_alter_table('quiz_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_option_question_id'))

    op.drop_table('quiz_option')
    with op.batch_alter_table('quiz_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_question_quiz_id'))

    op.drop_table('quiz_question')
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_quiz_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_enrolment_id'))

    op.drop_table('quiz_attempt')
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_progress_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_progress_enrolment_id'))

    op.drop_table('lesson_progress')
    with op.batch_alter_table('evaluation_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_answer_item_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_answer_enrolment_id'))

    op.drop_table('evaluation_answer')
    op.drop_table('quiz')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_version_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_user_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_course_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_completed_at'))

    op.drop_table('enrolment')
    with op.batch_alter_table('course_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_file_lesson_id'))

    op.drop_table('course_file')
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_version_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_module_id'))

    op.drop_table('lesson')
    with op.batch_alter_table('financial_relationship', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_financial_relationship_person_id'))

    op.drop_table('financial_relationship')
    with op.batch_alter_table('evaluation_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_item_version_id'))

    op.drop_table('evaluation_item')
    with op.batch_alter_table('credit_designation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_designation_version_id'))
        batch_op.drop_index(batch_op.f('ix_credit_designation_credit_type_code'))

    op.drop_table('credit_designation')
    with op.batch_alter_table('course_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_tag_version_id'))
        batch_op.drop_index('ix_course_tag_kind_value')

    op.drop_table('course_tag')
    with op.batch_alter_table('course_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_person_version_id'))

    op.drop_table('course_person')
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_module_version_id'))

    op.drop_table('course_module')
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_version_max_credit'))
        batch_op.drop_index('ix_course_version_format')
        batch_op.drop_index(batch_op.f('ix_course_version_expires_on'))
        batch_op.drop_index(batch_op.f('ix_course_version_course_id'))

    op.drop_table('course_version')
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_org_id'))
        batch_op.drop_index(batch_op.f('ix_course_current_version_id'))

    op.drop_table('course')
