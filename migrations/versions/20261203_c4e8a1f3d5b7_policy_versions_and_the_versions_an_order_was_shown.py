"""policy_versions (terms, privacy, refund policy; each save a new version) and the
versions an order's checkout showed

Revision ID: c4e8a1f3d5b7
Revises: c4f1a8e2d9b3
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1f3d5b7'
down_revision = 'c4f1a8e2d9b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'policy_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
        sa.UniqueConstraint('kind', 'version', name='uq_policy_kind_version'),
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('privacy_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refund_policy_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('refund_policy_version')
        batch_op.drop_column('privacy_version')
        batch_op.drop_column('terms_version')
    op.drop_table('policy_versions')
