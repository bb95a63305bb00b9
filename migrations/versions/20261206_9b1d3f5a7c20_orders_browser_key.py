"""orders.browser_key: a keyed hash of the browser session that started a browser payment
(the same browser finds its order again after a double click overwrote its cookie)

Revision ID: 9b1d3f5a7c20
Revises: 5e7b1c9d2a40
Create Date: 2026-12-06 22:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b1d3f5a7c20'
down_revision = '5e7b1c9d2a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('browser_key', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('browser_key')
