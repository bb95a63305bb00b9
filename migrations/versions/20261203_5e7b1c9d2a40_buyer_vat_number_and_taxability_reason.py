"""a business buyer's VAT number on the order and Stripe Tax's taxability reason
(reverse charge)

Revision ID: 5e7b1c9d2a40
Revises: 024c1f07f187
Create Date: 2026-12-03 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7b1c9d2a40'
down_revision = '024c1f07f187'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_tax_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('tax_reason', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('tax_reason')
        batch_op.drop_column('buyer_tax_id')
