"""coupons, their redemptions per order, orders.coupon_code; free courses and orders
(price and amount may be 0)

Revision ID: c4e8a1f09d37
Revises: c4e8a1d3f5b7
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1f09d37'
down_revision = 'c4e8a1d3f5b7'
branch_labels = None
depends_on = None

OPEN = "status IN ('pending', 'paid', 'partially_refunded') AND duplicate_of_id IS NULL"


def upgrade():
    op.create_table('coupons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('percent_off', sa.Integer(), nullable=True),
    sa.Column('amount_off', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('all_courses', sa.Boolean(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_redemptions', sa.Integer(), nullable=True),
    sa.Column('max_per_buyer', sa.Integer(), nullable=True),
    sa.Column('redemptions', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(percent_off IS NULL) != (amount_off IS NULL)', name=op.f('ck_coupons_percent_or_amount')),
    sa.CheckConstraint('percent_off IS NULL OR (percent_off >= 1 AND percent_off <= 100)', name=op.f('ck_coupons_percent_range')),
    sa.CheckConstraint('amount_off IS NULL OR (amount_off > 0 AND currency IS NOT NULL)', name=op.f('ck_coupons_amount_with_currency')),
    sa.CheckConstraint('redemptions >= 0', name=op.f('ck_coupons_redemptions_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupons')),
    sa.UniqueConstraint('code', name=op.f('uq_coupons_code'))
    )
    op.create_table('coupon_courses',
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_coupon_courses_coupon_id_coupons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_coupon_courses_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coupon_id', 'course_id', name=op.f('pk_coupon_courses'))
    )
    op.create_table('coupon_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('discount_amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_coupon_redemptions_coupon_id_coupons')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_coupon_redemptions_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_redemptions')),
    sa.UniqueConstraint('order_id', name=op.f('uq_coupon_redemptions_order_id'))
    )
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_coupon_redemptions_coupon_email', ['coupon_id', 'email'], unique=False)

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_courses_price_positive'), type_='check')
        batch_op.create_check_constraint('price_non_negative', 'price_minor >= 0')

    # SQLite rebuilds the table: the partial index is dropped first and made again after.
    op.drop_index('uq_orders_one_open_per_buyer', table_name='orders')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coupon_code', sa.String(length=40), nullable=True))
        batch_op.drop_constraint(op.f('ck_orders_amount_positive'), type_='check')
        batch_op.create_check_constraint('amount_non_negative', 'amount >= 0')
    op.create_index('uq_orders_one_open_per_buyer', 'orders', ['course_id', 'email'],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    # The older checks forbid free courses and orders: refuse rather than invent prices.
    bind = op.get_bind()
    free = bind.execute(sa.text(
        "SELECT (SELECT count(*) FROM orders WHERE amount = 0)"
        " + (SELECT count(*) FROM courses WHERE price_minor = 0)")).scalar()
    if free:
        raise RuntimeError(f"{free} free order(s) or course(s) exist; the revision before "
                           "c4e8a1f09d37 cannot hold them. Remove them first.")
    op.drop_index('uq_orders_one_open_per_buyer', table_name='orders')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_orders_amount_non_negative'), type_='check')
        batch_op.create_check_constraint('amount_positive', 'amount > 0')
        batch_op.drop_column('coupon_code')
    op.create_index('uq_orders_one_open_per_buyer', 'orders', ['course_id', 'email'],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_courses_price_non_negative'), type_='check')
        batch_op.create_check_constraint('price_positive', 'price_minor > 0')

    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_coupon_redemptions_coupon_email')
    op.drop_table('coupon_redemptions')
    op.drop_table('coupon_courses')
    op.drop_table('coupons')
