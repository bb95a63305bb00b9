"""Stripe Tax's records of paid orders: a Tax Transaction from the order's calculation
once it is paid, a reversal for each refund (in proportion: the refund's amount).

Recorded after the commit that paid or refunded the order (never inside it: no
database transaction is held while Stripe answers), by the checkout right away and by
the background worker for whatever is left (`record_due`); each call carries a key made
from the order and the refund, so repeating one records nothing twice.
"""

import logging

from flask import current_app
from sqlalchemy import select

from app import payments
from app.extensions import db
from app.models import Order, OrderStatus, Refund

log = logging.getLogger(__name__)

RECORDED = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED,
            OrderStatus.DISPUTED)


def record_order(order):
    """Record the order's Tax Transaction and the reversals of its refunds; commit each.
    Returns how many records were made; a failure is logged and left for the next pass."""
    made = 0
    try:
        if order.tax_transaction_id is None:
            order.tax_transaction_id = payments.record_tax(
                calculation_id=order.tax_calculation_id, reference=order.reference)
            db.session.commit()
            made += 1
        waiting = db.session.scalars(select(Refund).where(
            Refund.order_id == order.id, Refund.status == "succeeded",
            Refund.tax_reversal_id.is_(None)).order_by(Refund.id)).all()
        for refund in waiting:
            # The refund that completes a full refund reverses what remains, exactly
            # (partial reversals in proportion could round past it).
            last = refund is waiting[-1] and order.amount_refunded >= order.amount
            full = refund.amount >= order.amount or last
            refund.tax_reversal_id = payments.reverse_tax(
                transaction_id=order.tax_transaction_id,
                reference=f"{order.reference}-refund-{refund.id}",
                amount=None if full else refund.amount)
            db.session.commit()
            made += 1
    except payments.PaymentError as error:
        db.session.rollback()
        log.warning("Tax record of order %s not made yet: %s", order.reference, error)
    return made


def _due():
    waiting_refund = select(Refund.order_id).where(
        Refund.status == "succeeded", Refund.tax_reversal_id.is_(None))
    return db.session.scalars(select(Order).where(
        Order.tax_calculation_id.is_not(None), Order.status.in_(RECORDED),
        Order.duplicate_of_id.is_(None),
        Order.tax_transaction_id.is_(None) | Order.id.in_(waiting_refund))
        .order_by(Order.id).limit(50)).all()


def record_due():
    """The worker's pass: record what paid and refunded orders still owe Stripe Tax
    (nothing is asked while TAX_MODE is off)."""
    if current_app.config.get("TAX_MODE", "off") == "off":
        return 0
    return sum(record_order(order) for order in _due())
