"""Handling Stripe events idempotently: each event id is processed once."""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.checkout.settlement import apply_charge
from app.extensions import db
from app.models import Order, OrderStatus, Refund, WebhookEvent
from app.payments import ChargeResult, retrieve_charge

log = logging.getLogger(__name__)

CHARGE_EVENTS = {"charge.succeeded", "charge.failed", "charge.refunded",
                 "charge.updated", "charge.captured"}


def _order_for_charge(charge):
    reference = (charge.metadata or {}).get("order_id")
    if reference:
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        if order is not None:
            return order
    return db.session.scalar(select(Order).where(Order.charge_id == charge.id))


def _handle_charge(obj):
    charge = ChargeResult.from_stripe(obj)
    order = _order_for_charge(charge)
    if order is None:
        return "no matching order"
    apply_charge(order, charge)
    return f"order {order.reference} is {order.status}"


def _handle_dispute(obj):
    order = db.session.scalar(select(Order).where(Order.charge_id == obj.get("charge")))
    if order is None or order.status == OrderStatus.PENDING:
        # The dispute beat the charge's own event: settle the order from the charge now
        # (it says disputed). If Stripe cannot be reached this raises, we answer 500 and
        # Stripe delivers the event again.
        charge = retrieve_charge(obj.get("charge"))
        order = _order_for_charge(charge)
        if order is None:
            return "no matching order"
        apply_charge(order, charge)
    if order.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED,
                        OrderStatus.REFUNDED):
        order.transition(OrderStatus.DISPUTED)
    return f"order {order.reference} is {order.status}"


def _handle_refund(obj):
    """Record a refund made outside the admin (e.g. in Stripe's dashboard) in the history."""
    refund = db.session.scalar(select(Refund).where(Refund.stripe_refund_id == obj["id"]))
    row_id = (obj.get("metadata") or {}).get("refund_row")
    if refund is None and row_id and row_id.isdigit():
        refund = db.session.get(Refund, int(row_id))  # ours, its answer not stored yet
    if refund is None:
        order = db.session.scalar(select(Order).where(Order.charge_id == obj.get("charge")))
        if order is None:
            return "no matching order"
        refund = Refund(order_id=order.id, amount=obj["amount"], currency=obj["currency"],
                        reason=obj.get("reason"), idempotency_key=f"stripe-{obj['id']}",
                        created_by="Stripe")
        db.session.add(refund)
    refund.stripe_refund_id = obj["id"]
    refund.status = obj.get("status") or refund.status
    return f"refund {obj['id']} is {refund.status}"


def handle_event(event):
    """Apply one verified event (a dict); a repeated event id changes nothing."""
    db.session.add(WebhookEvent(id=event["id"], type=event["type"]))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        log.info("Duplicate event %s ignored", event["id"])
        return "duplicate"
    obj = event["data"]["object"]
    if event["type"] in CHARGE_EVENTS:
        result = _handle_charge(obj)
    elif event["type"] == "charge.dispute.created":
        result = _handle_dispute(obj)
    elif event["type"] in ("refund.created", "refund.updated", "refund.failed"):
        result = _handle_refund(obj)
    else:
        result = "ignored"
    db.session.commit()
    log.info("Event %s (%s): %s", event["id"], event["type"], result)
    return result
