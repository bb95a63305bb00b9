"""Refund rows: finding them, and the automatic refund of a duplicate payment.

A refund row is written pending (with its idempotency key) before Stripe is asked, and
settled by the lifecycle's `refund_recorded` / `refund_refused` once Stripe answers.
"""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Refund

#: Who the history names for refunds the store makes by itself.
STORE = "the store (duplicate payment)"
#: Who the history names for the refund of a buyer's withdrawal.
WITHDRAWAL = "the buyer (withdrawal)"


def by_key(key):
    """The refund row written under this idempotency key, or None."""
    return db.session.scalar(select(Refund).where(Refund.idempotency_key == key))


def unsettled(order):
    """The order's refund still waiting for Stripe's answer, if any."""
    return db.session.scalar(select(Refund).where(
        Refund.order_id == order.id, Refund.status == "pending",
        Refund.stripe_refund_id.is_(None)))


def for_stripe_refund(order, result):
    """The row of a refund Stripe reports: by its id, by the row number the store put in
    its metadata (ours, its answer not stored yet), or a new row (made in Stripe's
    dashboard)."""
    row = db.session.scalar(select(Refund).where(Refund.stripe_refund_id == result.id))
    row_id = (result.metadata or {}).get("refund_row")
    if row is None and row_id and row_id.isdigit():
        row = db.session.get(Refund, int(row_id))
        if row is not None and row.order_id != order.id:
            row = None
    if row is None:
        row = Refund(order_id=order.id, amount=result.amount, currency=result.currency,
                     reason=result.reason, idempotency_key=f"stripe-{result.id}",
                     status=result.status, created_by="Stripe")
        db.session.add(row)
    return row


def succeeded_total(order):
    """Minor units of the order's refunds that Stripe says succeeded."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.order_id == order.id, Refund.status == "succeeded"))


def queue_duplicate(order):
    """Add (once) the pending full refund of an order charged twice for one course.

    Runs in the caller's transaction; the refund is sent after the commit
    (`app.orders.refunds.settle_unsettled`), or by the next reconcile if that fails.
    """
    key = f"order-{order.public_id}-duplicate-refund"
    if order.charge_id is None or order.remaining_refundable <= 0 or by_key(key):
        return None
    refund = Refund(order=order, amount=order.remaining_refundable, currency=order.currency,
                    reason="duplicate", status="pending", idempotency_key=key,
                    created_by=STORE)
    db.session.add(refund)
    return refund


def withdrawal_key(order):
    """The idempotency key of the refund a withdrawal makes (one per order)."""
    return f"order-{order.public_id}-withdrawal-refund"


def queue_withdrawal(order):
    """Add the pending full refund of what is left of a withdrawn order (once); sent
    after the caller's commit, like a duplicate's."""
    key = withdrawal_key(order)
    if order.charge_id is None or order.remaining_refundable <= 0 or by_key(key):
        return None
    refund = Refund(order=order, amount=order.remaining_refundable, currency=order.currency,
                    reason="requested_by_customer", status="pending", idempotency_key=key,
                    created_by=WITHDRAWAL)
    db.session.add(refund)
    return refund


def refunds_for(order_id):
    """The refunds of an order, oldest first."""
    return db.session.scalars(
        select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)
    ).all()
