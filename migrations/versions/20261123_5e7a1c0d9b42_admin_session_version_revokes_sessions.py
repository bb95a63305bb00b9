"""admin_users.session_version: sign-out and new passwords revoke existing sessions

Revision ID: 5e7a1c0d9b42
Revises: 55427bc00123
Create Date: 2026-11-23 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a1c0d9b42'
down_revision = '55427bc00123'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('admin_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('admin_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
