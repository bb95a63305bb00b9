"""buyers.email_proven_at: the first emailed-link sign-in ends every session made by paying

Revision ID: b7d2e4f6a8c1
Revises: 3265d5fddbc3
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e4f6a8c1'
down_revision = '3265d5fddbc3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_proven_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.drop_column('email_proven_at')
