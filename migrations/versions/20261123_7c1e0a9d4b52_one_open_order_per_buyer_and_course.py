"""one open order per buyer and course, one unsettled refund per order, charge request kept

Revision ID: 7c1e0a9d4b52
Revises: 136c94f3a744
Create Date: 2026-11-23 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e0a9d4b52'
down_revision = '136c94f3a744'
branch_labels = None
depends_on = None

OPEN = "status IN ('pending', 'paid', 'partially_refunded') AND duplicate_of_id IS NULL"
UNSETTLED = "status = 'pending' AND stripe_refund_id IS NULL"


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('charge_request', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_orders_duplicate_of_id_orders'), 'orders',
                                    ['duplicate_of_id'], ['id'])
    # Orders that the old code let through twice: flag all but the first open order of
    # each buyer and course as duplicates, so that the new unique index can be built and
    # the admin sees them.
    op.execute(
        "UPDATE orders SET duplicate_of_id = (SELECT MIN(o2.id) FROM orders o2 "
        "WHERE o2.course_id = orders.course_id AND o2.email = orders.email "
        "AND o2.status IN ('pending', 'paid', 'partially_refunded')) "
        "WHERE status IN ('pending', 'paid', 'partially_refunded') AND id > "
        "(SELECT MIN(o3.id) FROM orders o3 WHERE o3.course_id = orders.course_id "
        "AND o3.email = orders.email AND o3.status IN ('pending', 'paid', 'partially_refunded'))"
    )
    op.create_index('uq_orders_one_open_per_buyer', 'orders', ['course_id', 'email'],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index('uq_refunds_one_unsettled_per_order', 'refunds', ['order_id'],
                    unique=True, sqlite_where=sa.text(UNSETTLED),
                    postgresql_where=sa.text(UNSETTLED))


def downgrade():
    op.drop_index('uq_refunds_one_unsettled_per_order', table_name='refunds')
    op.drop_index('uq_orders_one_open_per_buyer', table_name='orders')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_orders_duplicate_of_id_orders'),
                                 type_='foreignkey')
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('checked_at')
        batch_op.drop_column('charge_request')
