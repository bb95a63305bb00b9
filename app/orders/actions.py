"""The one place where an order's state changes.

Every path that learns something about an order's charge — the checkout, webhooks,
reconcile, a buyer coming back to a pending order, admin refunds — goes through
`record_charge` (or `record_failure` when Stripe says no charge was made), so the same
charge always produces the same order state, however often and in whatever order it
is applied. Side effects that follow a state change (access, emails) hang off
`_after_change` and run in the caller's transaction.

Stripe's record wins: a succeeded charge always ends up on its order. When the buyer has
meanwhile paid for the course through another order, the late charge's order is flagged
as a duplicate of that one and refunded automatically (see `app.orders.refunds`).
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus
from app.models._time import utcnow
from app.models.order import OPEN_STATUSES

log = logging.getLogger(__name__)


def _copy_charge_fields(order, charge):
    order.charge_id = charge.id
    order.charge_status = charge.status
    order.paid = charge.paid
    order.card_brand = charge.card_brand
    order.card_last4 = charge.card_last4
    order.card_exp_month = charge.card_exp_month
    order.card_exp_year = charge.card_exp_year
    order.card_country = charge.card_country
    order.outcome_type = charge.outcome_type
    order.outcome_risk_level = charge.outcome_risk_level
    order.outcome_seller_message = charge.outcome_seller_message
    order.failure_code = charge.failure_code
    order.failure_message = charge.failure_message
    order.receipt_url = charge.receipt_url
    order.balance_transaction_id = charge.balance_transaction_id
    order.livemode = charge.livemode
    if charge.created:
        order.charged_at = datetime.fromtimestamp(charge.created, UTC)


def status_for(order, charge):
    """The status a paid charge implies, never moving an order backwards.

    Stripe does not deliver events in order, so an old snapshot (a charge.succeeded that
    arrives after charge.refunded) must not undo a refund or a dispute.
    """
    if charge.disputed or order.status == OrderStatus.DISPUTED:
        return OrderStatus.DISPUTED
    refunded = max(order.amount_refunded, charge.amount_refunded)
    if charge.refunded or refunded >= order.amount:
        return OrderStatus.REFUNDED
    if refunded > 0:
        return OrderStatus.PARTIALLY_REFUNDED
    return OrderStatus.PAID


def open_order_for(course_id, email, *, exclude_id=None):
    """The buyer's open (pending or paid, not duplicate) order of a course, if any."""
    query = select(Order).where(
        Order.course_id == course_id, Order.email == email,
        Order.status.in_(OPEN_STATUSES), Order.duplicate_of_id.is_(None),
    )
    if exclude_id is not None:
        query = query.where(Order.id != exclude_id)
    return db.session.scalar(query.order_by(Order.id).limit(1))


def record_charge(order, charge):
    """Store what Stripe says about the order's charge and move the order to match."""
    if charge.status == "failed" or not charge.paid:
        return _record_failed_charge(order, charge)
    if order.charge_id and order.charge_id != charge.id:
        # One idempotency key per order means one charge per order; anything else was
        # made outside the store and is left to the admin.
        log.error("Order %s already has charge %s; ignoring charge %s", order.reference,
                  order.charge_id, charge.id)
        return order
    before, refunded_before = order.status, order.amount_refunded
    _copy_charge_fields(order, charge)
    order.amount_refunded = max(order.amount_refunded, charge.amount_refunded)
    target = status_for(order, charge)
    if before in (OrderStatus.PENDING, OrderStatus.FAILED):
        if before == OrderStatus.FAILED and not order.is_duplicate:
            _flag_if_duplicate(order)
        order.failure_code = order.decline_code = None
        order.transition(OrderStatus.PAID)
        order.paid_at = order.paid_at or utcnow()
    order.transition(target)
    _after_change(order, before, refunded_before)
    return order


def _record_failed_charge(order, charge):
    if order.charge_id and order.charge_id != charge.id:
        return order  # a failed attempt never overwrites the charge that paid
    if order.status != OrderStatus.PENDING:
        return order
    _copy_charge_fields(order, charge)
    order.transition(OrderStatus.FAILED)
    return order


def record_failure(order, *, code, message):
    """Record that Stripe made no charge for a pending order (or none we could read)."""
    if order.status != OrderStatus.PENDING:
        return order
    order.failure_code = code
    order.failure_message = message
    order.transition(OrderStatus.FAILED)
    return order


def _flag_if_duplicate(order):
    """A charge landed on an order given up as failed: is the course paid elsewhere?"""
    holder = open_order_for(order.course_id, order.email, exclude_id=order.id)
    if holder is not None:
        order.duplicate_of_id = holder.id
        log.warning("Order %s was charged after all, but its buyer already holds order %s "
                    "for the course: refunding it as a duplicate", order.reference,
                    holder.reference)


def _after_change(order, before, refunded_before):
    """Follow-ups of a status change, in the same transaction."""
    from app.fulfilment import after_settlement
    from app.orders import refunds

    if order.is_duplicate:
        refunds.queue_duplicate_refund(order)
    # Access and emails: order_paid / order_refunded / order_disputed, each idempotent.
    after_settlement(order, was_status=before, was_refunded=refunded_before)
