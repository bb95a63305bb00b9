"""payment attempts apart from orders: each order's charge (token, request, Stripe ids,
card, outcome) moves to a payment_attempts row; orders keep what was bought, the price
breakdown (list price, discount, tax, total) and the status; disputes get rows; buyers
get the generation of their customer's idempotency key

Revision ID: 3265d5fddbc3
Revises: a3c5d7e9f1b2
Create Date: 2026-12-02 17:56:11.025709

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '3265d5fddbc3'
down_revision = 'a3c5d7e9f1b2'
branch_labels = None
depends_on = None

OPEN = "status IN ('pending', 'paid', 'partially_refunded') AND duplicate_of_id IS NULL"

#: Columns that move from orders to payment_attempts, under the same name.
SAME = ["stripe_token", "charge_id", "card_brand", "card_last4", "card_exp_month",
        "card_exp_year", "card_country", "outcome_type", "outcome_risk_level",
        "outcome_seller_message", "failure_code", "decline_code", "failure_message",
        "receipt_url", "balance_transaction_id", "livemode", "saved_card", "checked_at",
        "charged_at", "idempotency_key", "amount", "currency", "created_at"]
#: Copied to the attempt, but kept on the order too.
KEPT = ("amount", "currency", "created_at", "livemode")
#: Leave the order for the attempt.
MOVED = [c for c in SAME if c not in KEPT]
#: Columns of orders renamed on the attempt.
RENAMED = {"charge_request": "request", "customer_request": "setup_request",
           "stripe_customer_id": "customer_id"}

# Each order had one charge attempt: its flow, status and request state from the order.
ATTEMPT_FLOW = "CASE WHEN saved_card THEN 'saved_card' ELSE 'charges' END"
ATTEMPT_STATUS = ("CASE status WHEN 'pending' THEN 'pending' WHEN 'failed' THEN 'failed' "
                  "ELSE 'succeeded' END")
REQUEST_STATE = ("CASE WHEN status <> 'pending' THEN 'answered' "
                 "WHEN failure_message LIKE 'Stripe unavailable%' THEN 'unknown' "
                 "ELSE 'written' END")

def upgrade():
    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('stripe_dispute_id', sa.String(length=255), nullable=False),
    sa.Column('charge_id', sa.String(length=255), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('reason', sa.String(length=80), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_disputes_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('stripe_dispute_id', name=op.f('uq_disputes_stripe_dispute_id'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_order_id'), ['order_id'], unique=False)

    op.create_table('payment_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=30), nullable=False),
    sa.Column('status', sa.Enum('pending', 'requires_payment_method', 'requires_action', 'processing', 'succeeded', 'failed', 'canceled', name='attempt_status', native_enum=False, length=30), nullable=False),
    sa.Column('request_state', sa.Enum('written', 'unknown', 'answered', name='attempt_request_state', native_enum=False, length=30), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('livemode', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('request', sa.JSON(), nullable=True),
    sa.Column('setup_request', sa.JSON(), nullable=True),
    sa.Column('stripe_token', sa.String(length=255), nullable=True),
    sa.Column('charge_id', sa.String(length=255), nullable=True),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('checkout_session_id', sa.String(length=255), nullable=True),
    sa.Column('customer_id', sa.String(length=255), nullable=True),
    sa.Column('payment_method_id', sa.String(length=255), nullable=True),
    sa.Column('saved_card', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('card_brand', sa.String(length=40), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('card_exp_month', sa.Integer(), nullable=True),
    sa.Column('card_exp_year', sa.Integer(), nullable=True),
    sa.Column('card_country', sa.String(length=2), nullable=True),
    sa.Column('outcome_type', sa.String(length=40), nullable=True),
    sa.Column('outcome_risk_level', sa.String(length=40), nullable=True),
    sa.Column('outcome_seller_message', sa.Text(), nullable=True),
    sa.Column('failure_code', sa.String(length=80), nullable=True),
    sa.Column('decline_code', sa.String(length=80), nullable=True),
    sa.Column('failure_message', sa.Text(), nullable=True),
    sa.Column('receipt_url', sa.Text(), nullable=True),
    sa.Column('balance_transaction_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('charged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_attempts_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempts')),
    sa.UniqueConstraint('charge_id', name=op.f('uq_payment_attempts_charge_id')),
    sa.UniqueConstraint('checkout_session_id', name=op.f('uq_payment_attempts_checkout_session_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_attempts_idempotency_key')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_payment_attempts_payment_intent_id')),
    sa.UniqueConstraint('stripe_token', name=op.f('uq_payment_attempts_stripe_token'))
    )
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_attempts_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_payment_attempts_order_id', ['order_id', 'id'], unique=False)
        batch_op.create_index('ix_payment_attempts_status_created', ['status', 'created_at'], unique=False)

    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_generation', sa.Integer(), server_default=sa.text('1'), nullable=False))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_price', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('discount_amount', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('tax_amount', sa.Integer(), server_default=sa.text('0'), nullable=False))

    columns = SAME + list(RENAMED.values())
    sources = SAME + list(RENAMED)
    op.execute(
        f"INSERT INTO payment_attempts (order_id, flow, status, request_state, updated_at, "
        f"{', '.join(columns)}) SELECT id, {ATTEMPT_FLOW}, {ATTEMPT_STATUS}, "
        f"{REQUEST_STATE}, updated_at, {', '.join(sources)} FROM orders ORDER BY id")
    _normalise_card_steps()
    op.execute("UPDATE orders SET list_price = amount")

    # SQLite rebuilds the table: the partial index is dropped first and made again after.
    op.drop_index('uq_orders_one_open_per_buyer', table_name='orders')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('list_price', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_orders_stripe_customer_id'))
        batch_op.drop_constraint(batch_op.f('uq_orders_charge_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_orders_idempotency_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_orders_stripe_token'), type_='unique')
        for name in [*MOVED, "charge_status", "paid", *RENAMED]:
            batch_op.drop_column(name)
        batch_op.create_check_constraint(
            'price_parts_non_negative',
            'list_price >= 0 AND discount_amount >= 0 AND tax_amount >= 0')
    op.create_index('uq_orders_one_open_per_buyer', 'orders', ['course_id', 'email'],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def _normalise_card_steps():
    """Saved-card steps written before this revision that add a card to a known customer
    take the step's new shape (`token`, `card_key`); "create" steps stay as they were, so
    that their stored request can be repeated exactly."""
    bind = op.get_bind()
    attempts = sa.table("payment_attempts", sa.column("id", sa.Integer),
                        sa.column("setup_request", sa.JSON))
    rows = bind.execute(sa.select(attempts.c.id, attempts.c.setup_request)
                        .where(attempts.c.setup_request.is_not(None))).all()
    for attempt_id, request in rows:
        if request.get("kind") == "add_card" and "token" not in request:
            request = {**request, "token": request["params"]["source"],
                       "card_key": request["idempotency_key"]}
            bind.execute(attempts.update().where(attempts.c.id == attempt_id)
                         .values(setup_request=request))


def downgrade():
    op.drop_index('uq_orders_one_open_per_buyer', table_name='orders')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_orders_price_parts_non_negative'), type_='check')
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('stripe_token', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('charge_request', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('customer_request', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('stripe_customer_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('saved_card', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('charge_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('charge_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('paid', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('card_brand', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('card_last4', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('card_exp_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('card_exp_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('card_country', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('outcome_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('outcome_risk_level', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('outcome_seller_message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('failure_code', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('decline_code', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('failure_message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('receipt_url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('balance_transaction_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('charged_at', sa.DateTime(timezone=True), nullable=True))
    _copy_latest_attempts_back()
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=80),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_orders_stripe_token'), ['stripe_token'])
        batch_op.create_unique_constraint(batch_op.f('uq_orders_idempotency_key'), ['idempotency_key'])
        batch_op.create_unique_constraint(batch_op.f('uq_orders_charge_id'), ['charge_id'])
        batch_op.create_index(batch_op.f('ix_orders_stripe_customer_id'), ['stripe_customer_id'], unique=False)
        batch_op.drop_column('tax_amount')
        batch_op.drop_column('discount_amount')
        batch_op.drop_column('list_price')
    op.create_index('uq_orders_one_open_per_buyer', 'orders', ['course_id', 'email'],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))

    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.drop_column('customer_generation')

    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_attempts_status_created')
        batch_op.drop_index('ix_payment_attempts_order_id')
        batch_op.drop_index(batch_op.f('ix_payment_attempts_customer_id'))

    op.drop_table('payment_attempts')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disputes_order_id'))

    op.drop_table('disputes')


def _copy_latest_attempts_back():
    """Each order takes back the fields of its latest attempt (the one that paid it)."""
    bind = op.get_bind()
    moved = MOVED
    attempts = sa.table("payment_attempts", sa.column("id"), sa.column("order_id"),
                        sa.column("status"), *[sa.column(c) for c in moved],
                        *[sa.column(c) for c in RENAMED.values()])
    orders = sa.table("orders", sa.column("id"), *[sa.column(c) for c in moved],
                      *[sa.column(c) for c in RENAMED], sa.column("paid"),
                      sa.column("charge_status"))
    latest = sa.select(sa.func.max(attempts.c.id)).group_by(attempts.c.order_id)
    rows = bind.execute(sa.select(attempts).where(attempts.c.id.in_(latest))).mappings()
    for row in rows.all():
        values = {c: row[c] for c in moved}
        values.update({old: row[new] for old, new in RENAMED.items()})
        values["paid"] = row["status"] == "succeeded"
        values["charge_status"] = {"succeeded": "succeeded", "failed": "failed"}.get(
            row["status"]) if row["charge_id"] else None
        bind.execute(orders.update().where(orders.c.id == row["order_id"]).values(values))
