"""Settling orders left pending when Stripe could not be reached during checkout."""

from datetime import UTC, timedelta

from sqlalchemy import select

from app import payments
from app.checkout.settlement import apply_charge, mark_failed
from app.extensions import db
from app.models import Order, OrderStatus
from app.models._time import utcnow


def reconcile_order(order):
    """Look the order's charge up by metadata and settle the order; return a summary."""
    created = order.created_at
    if created.tzinfo is None:  # SQLite hands timestamps back without a zone; they are UTC
        created = created.replace(tzinfo=UTC)
    charge = payments.find_charge_for_order(order.reference, created_since=created)
    if charge is None:
        mark_failed(order, code="not_charged",
                    message="No charge reached Stripe for this order.")
    else:
        apply_charge(order, charge)
    db.session.commit()
    return str(order.status)


def reconcile_pending(*, older_than_seconds=600):
    """Reconcile every order pending for longer than the given age."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    orders = db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PENDING, Order.created_at <= cutoff)
        .order_by(Order.id)
    ).all()
    results = []
    for order in orders:
        try:
            results.append((order.reference, reconcile_order(order)))
        except payments.PaymentError as exc:
            db.session.rollback()
            results.append((order.reference, f"still pending ({exc.detail})"))
    return results
