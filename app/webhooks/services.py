"""Handling Stripe events idempotently: each event id is processed once."""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.checkout.settlement import apply_charge
from app.extensions import db
from app.models import Order, OrderStatus, WebhookEvent
from app.payments import ChargeResult

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
    if order is None:
        return "no matching order"
    if order.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED,
                        OrderStatus.REFUNDED):
        order.transition(OrderStatus.DISPUTED)
    return f"order {order.reference} is {order.status}"


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
    else:
        result = "ignored"
    db.session.commit()
    log.info("Event %s (%s): %s", event["id"], event["type"], result)
    return result
