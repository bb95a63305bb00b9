"""The EU/EEA and UK digital-content rules: the consent record of an order, the access
start time, the declared and card countries' mismatch, and withdrawals

Revision ID: c4e8a1d3f5b7
Revises: c4e8a1f3b9d2
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1d3f5b7'
down_revision = 'c4e8a1f3b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'order_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('text_version', sa.String(length=40), nullable=False),
        sa.Column('given', sa.Boolean(), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'],
                                name=op.f('fk_order_consents_order_id_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_consents')),
    )
    with op.batch_alter_table('order_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_consents_order_id'), ['order_id'],
                              unique=False)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_country', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('consent_applies', sa.Boolean(),
                                      server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('immediate_access_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('country_mismatch', sa.Boolean(),
                                      server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('withdrawal_ip', sa.String(length=45), nullable=True))
        batch_op.create_index(batch_op.f('ix_orders_withdrawn_at'), ['withdrawn_at'],
                              unique=False)
    with op.batch_alter_table('course_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('course_access', schema=None) as batch_op:
        batch_op.drop_column('starts_at')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_withdrawn_at'))
        batch_op.drop_column('withdrawal_ip')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('country_mismatch')
        batch_op.drop_column('immediate_access_at')
        batch_op.drop_column('consent_applies')
        batch_op.drop_column('buyer_country')
    with op.batch_alter_table('order_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_consents_order_id'))
    op.drop_table('order_consents')
