"""`flask orders reconcile`: settle what the store is still waiting for Stripe to tell."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus, Refund
from app.models._time import utcnow
from app.orders.refunds import settle_refund
from app.orders.settlement import settle_pending


def reconcile_pending(*, older_than_seconds=600):
    """Settle every order pending (and every refund unsettled) for longer than the age.

    Returns (reference, outcome) pairs.
    """
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    orders = db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PENDING, Order.created_at <= cutoff)
        .order_by(Order.id)
    ).all()
    results = [(order.reference, settle_pending(order, force=True)) for order in orders]
    refunds = db.session.scalars(
        select(Refund)
        .where(Refund.status == "pending", Refund.stripe_refund_id.is_(None),
               Refund.created_at <= cutoff)
        .order_by(Refund.id)
    ).all()
    for refund in refunds:
        settle_refund(refund)
        state = "unknown, will retry" if refund.unsettled else refund.status
        results.append((refund.order.reference, f"refund {refund.id}: {state}"))
    return results
