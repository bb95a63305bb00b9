"""saved cards: a Stripe customer per buyer and mode; the customer step and saved-card
marker on orders

Revision ID: a3c5d7e9f1b2
Revises: 5e1f0c2a9b7d
Create Date: 2026-11-23 19:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c5d7e9f1b2'
down_revision = '5e1f0c2a9b7d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_customer_id_test', sa.String(length=255),
                                      nullable=True))
        batch_op.add_column(sa.Column('stripe_customer_id_live', sa.String(length=255),
                                      nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_buyers_stripe_customer_id_test'),
                                          ['stripe_customer_id_test'])
        batch_op.create_unique_constraint(batch_op.f('uq_buyers_stripe_customer_id_live'),
                                          ['stripe_customer_id_live'])

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_request', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('stripe_customer_id', sa.String(length=255),
                                      nullable=True))
        batch_op.add_column(sa.Column('saved_card', sa.Boolean(), nullable=False,
                                      server_default=sa.text('false')))
        batch_op.create_index(batch_op.f('ix_orders_stripe_customer_id'),
                              ['stripe_customer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_stripe_customer_id'))
        batch_op.drop_column('saved_card')
        batch_op.drop_column('stripe_customer_id')
        batch_op.drop_column('customer_request')

    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_buyers_stripe_customer_id_live'),
                                 type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_buyers_stripe_customer_id_test'),
                                 type_='unique')
        batch_op.drop_column('stripe_customer_id_live')
        batch_op.drop_column('stripe_customer_id_test')
