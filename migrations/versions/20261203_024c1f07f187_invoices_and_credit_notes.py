"""invoices and credit notes numbered in one gap-free series (invoice_counters); the
Stripe Tax rate, calculation and transaction of an order

Revision ID: 024c1f07f187
Revises: c4e8a1f3d5b7
Create Date: 2026-12-03 09:20:14.362897

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '024c1f07f187'
down_revision = 'c4e8a1f3d5b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_counters',
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', name=op.f('pk_invoice_counters'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('net', sa.Integer(), nullable=False),
    sa.Column('tax', sa.Integer(), nullable=False),
    sa.Column('gross', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name=op.f('ck_invoices_kind_known')),
    sa.CheckConstraint('gross >= 0 AND tax >= 0 AND net = gross - tax', name=op.f('ck_invoices_amounts_add_up')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoices_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_invoices_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_invoices_dedupe_key')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_order_id'), ['order_id'], unique=False)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_rate', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('tax_country', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('tax_calculation_id', sa.String(length=255),
                                      nullable=True))
        batch_op.add_column(sa.Column('tax_transaction_id', sa.String(length=255),
                                      nullable=True))
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_reversal_id', sa.String(length=255),
                                      nullable=True))



def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('tax_reversal_id')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('tax_transaction_id')
        batch_op.drop_column('tax_calculation_id')
        batch_op.drop_column('tax_country')
        batch_op.drop_column('tax_rate')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_order_id'))

    op.drop_table('invoices')
    op.drop_table('invoice_counters')
