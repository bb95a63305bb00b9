"""A course page that sells, and drafts: course cover, teacher, points, free previews,
published flag (existing courses stay published), stored images, buyers' lesson progress

Revision ID: c4f1a8e2d9b3
Revises: c4e8a1f09d37
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1a8e2d9b3'
down_revision = 'c4e8a1f09d37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('teacher_name', sa.String(length=120),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('teacher_bio', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('learning_points', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('cover_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('cover_alt', sa.String(length=300), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('free_preview', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    op.create_table(
        'images',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_images_course_id_courses')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_images')),
        sa.UniqueConstraint('key', 'width', name='uq_images_key_width'),
    )
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_images_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_images_course_id'), ['course_id'], unique=False)

    op.create_table(
        'lesson_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('buyer_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('first_opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'],
                                name=op.f('fk_lesson_progress_buyer_id_buyers')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_lesson_progress_course_id_courses')),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], ondelete='CASCADE',
                                name=op.f('fk_lesson_progress_lesson_id_lessons')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_progress')),
        sa.UniqueConstraint('buyer_id', 'lesson_id',
                            name='uq_lesson_progress_buyer_lesson'),
    )
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_progress_course_id'), ['course_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_progress_lesson_id'), ['lesson_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_progress_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_progress_course_id'))
    op.drop_table('lesson_progress')
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_images_course_id'))
        batch_op.drop_index(batch_op.f('ix_images_key'))
    op.drop_table('images')
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('free_preview')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('cover_alt')
        batch_op.drop_column('cover_key')
        batch_op.drop_column('learning_points')
        batch_op.drop_column('teacher_bio')
        batch_op.drop_column('teacher_name')
        batch_op.drop_column('published')
