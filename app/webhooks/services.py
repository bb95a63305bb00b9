"""Handling Stripe events idempotently: each event id is processed once."""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import payments
from app.extensions import db
from app.fulfilment import after_settlement
from app.models import Order, OrderStatus, Refund, WebhookEvent
from app.orders import refunds
from app.orders.actions import record_charge
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
    record_charge(order, charge)
    return _describe(order)


def _describe(order):
    if order.is_duplicate:
        return f"order {order.reference} is {order.status} (duplicate, refunded)"
    return f"order {order.reference} is {order.status}"


def _handle_dispute(obj):
    order = db.session.scalar(select(Order).where(Order.charge_id == obj.get("charge")))
    if order is None or order.status == OrderStatus.PENDING:
        # The dispute beat the charge's own event: settle the order from the charge now
        # (it says disputed). If Stripe cannot be reached this raises PaymentUnavailable,
        # we answer 503 and Stripe delivers the event again.
        charge_id = obj.get("charge")
        if not isinstance(charge_id, str) or not charge_id:
            return "no charge named"
        try:
            charge = retrieve_charge(charge_id)
        except payments.PaymentError as exc:
            if exc.uncertain:
                raise
            return f"charge {charge_id} unknown to Stripe: ignored"
        order = _order_for_charge(charge)
        if order is None:
            return "no matching order"
        record_charge(order, charge)
    if order.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED,
                        OrderStatus.REFUNDED):
        was_status = order.status
        order.transition(OrderStatus.DISPUTED)
        # Fulfilment: a dispute revokes access (unless another paid order holds it).
        after_settlement(order, was_status=was_status, was_refunded=order.amount_refunded)
    return _describe(order)


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


def _apply(event):
    obj = event["data"]["object"]
    if event["type"] in CHARGE_EVENTS:
        return _handle_charge(obj)
    if event["type"] == "charge.dispute.created":
        return _handle_dispute(obj)
    if event["type"] in ("refund.created", "refund.updated", "refund.failed"):
        return _handle_refund(obj)
    return "ignored"


def handle_event(event):
    """Apply one verified event (a dict); a repeated event id changes nothing.

    Raises payments.PaymentUnavailable when Stripe had to be asked and could not answer:
    nothing is stored, and the caller answers so that Stripe delivers the event again.
    """
    for attempt in (1, 2):
        db.session.add(WebhookEvent(id=event["id"], type=event["type"]))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            log.info("Duplicate event %s ignored", event["id"])
            return "duplicate"
        try:
            result = _apply(event)
            db.session.commit()
            break
        except IntegrityError:
            # A charge landed on a failed order while the buyer was opening another
            # order for the course: once more, and the late order is a duplicate.
            db.session.rollback()
            if attempt == 2:
                raise
        except Exception:
            db.session.rollback()
            raise
    log.info("Event %s (%s): %s", event["id"], event["type"], result)
    _send_refunds_queued_by(event)
    return result


def _send_refunds_queued_by(event):
    """After the commit: send an automatic refund the event queued (a duplicate payment)."""
    obj = event["data"]["object"]
    if event["type"] not in CHARGE_EVENTS and event["type"] != "charge.dispute.created":
        return
    charge_id = obj.get("id") if event["type"] in CHARGE_EVENTS else obj.get("charge")
    order = db.session.scalar(select(Order).where(Order.charge_id == charge_id))
    if order is not None and order.is_duplicate:
        refunds.settle_unsettled(order)
