"""Course retakes: a completion history (one row per completed round) and progress, quiz attempts and
evaluation answers scoped to the enrolment's round.

Revision ID: b5f0d6c7e8a9
Revises: a4e9c5b6d7f8
Create Date: 2026-11-27 19:18:57

Reviewed by hand. Every enrolment completed so far becomes round 1 of the history, with the mean of
its best quiz scores. Changing a unique constraint on SQLite copies the table, and dropping the old
copy cascades to its children while foreign keys are on (they are, and cannot be turned off inside
the migration's transaction): quiz responses and choices are kept aside and put back around the
copy of ``quiz_attempt``. The downgrade keeps only each enrolment's current round.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5f0d6c7e8a9'
down_revision = 'a4e9c5b6d7f8'
branch_labels = None
depends_on = None

BACKFILL = """
INSERT INTO course_completion (enrolment_id, user_id, course_id, version_id, round, completed_at,
                               evaluation_submitted_at, seconds_spent, score_pct)
SELECT e.id, e.user_id, e.course_id, e.version_id, 1, e.completed_at, e.evaluation_submitted_at, e.seconds_spent,
       (SELECT CAST(ROUND(AVG(best.score)) AS INTEGER)
          FROM (SELECT MAX(a.score_pct) AS score FROM quiz_attempt a
                 WHERE a.enrolment_id = e.id AND a.submitted_at IS NOT NULL GROUP BY a.quiz_id) best)
  FROM enrolment e
 WHERE e.completed_at IS NOT NULL
"""

# Children of quiz_attempt that a SQLite table copy would delete through ON DELETE CASCADE.
KEPT = ('quiz_response', 'quiz_choice')


def _keep_attempt_children():
    if op.get_bind().dialect.name == 'sqlite':
        for table in KEPT:
            op.execute(f'CREATE TEMP TABLE kept_{table} AS SELECT * FROM {table}')


def _restore_attempt_children():
    if op.get_bind().dialect.name == 'sqlite':
        for table in KEPT:
            op.execute(f'INSERT INTO {table} SELECT * FROM kept_{table} '
                       f'WHERE id NOT IN (SELECT id FROM {table})')
            op.execute(f'DROP TABLE kept_{table}')


def upgrade():
    op.create_table('course_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('evaluation_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seconds_spent', sa.Integer(), nullable=False),
    sa.Column('score_pct', sa.SmallInteger(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_completion_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_course_completion_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_course_completion_user_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_completion_version_id_course_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_completion')),
    sa.UniqueConstraint('enrolment_id', 'round', name=op.f('uq_course_completion_enrolment_id_round'))
    )
    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.create_index('ix_course_completion_course_id_user_id', ['course_id', 'user_id'], unique=False)

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('evaluation_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_evaluation_answer_enrolment_id_item_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_evaluation_answer_enrolment_id_round_item_id'), ['enrolment_id', 'round', 'item_id'])

    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_lesson_progress_enrolment_id_lesson_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_lesson_progress_enrolment_id_round_lesson_id'), ['enrolment_id', 'round', 'lesson_id'])

    _keep_attempt_children()
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_quiz_attempt_enrolment_id_quiz_id_number'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_quiz_attempt_enrolment_id_round_quiz_id_number'), ['enrolment_id', 'round', 'quiz_id', 'number'])
    _restore_attempt_children()

    op.execute(BACKFILL)


def downgrade():
    # One row per enrolment again: keep the round the enrolment is on, drop the earlier ones.
    for table in ('lesson_progress', 'quiz_attempt', 'evaluation_answer'):
        op.execute(f'DELETE FROM {table} WHERE round <> '
                   f'(SELECT e.round FROM enrolment e WHERE e.id = {table}.enrolment_id)')

    _keep_attempt_children()
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_quiz_attempt_enrolment_id_round_quiz_id_number'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_quiz_attempt_enrolment_id_quiz_id_number'), ['enrolment_id', 'quiz_id', 'number'])
        batch_op.drop_column('round')
    _restore_attempt_children()

    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_lesson_progress_enrolment_id_round_lesson_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_lesson_progress_enrolment_id_lesson_id'), ['enrolment_id', 'lesson_id'])
        batch_op.drop_column('round')

    with op.batch_alter_table('evaluation_answer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_evaluation_answer_enrolment_id_round_item_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_evaluation_answer_enrolment_id_item_id'), ['enrolment_id', 'item_id'])
        batch_op.drop_column('round')

    # Not a table copy on SQLite (that would cascade to every enrolment's children): a plain DROP COLUMN.
    op.drop_column('enrolment', 'round')

    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.drop_index('ix_course_completion_course_id_user_id')

    op.drop_table('course_completion')
