"""Stripe events, each looked up in one table and turned into a lifecycle step.

Refund and dispute events are the same whatever flow took the money (they name a
charge); card and customer events keep the stored saved cards (`app.cards`); every other
event type goes to the flows that declare it (`PaymentFlow.events`),
which find their attempt and record what the event says.
"""

from app import cards, orders, payments
from app.flows import registry
from app.models import OrderStatus
from app.models.dispute import CLOSED_STATUSES

REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed"})
DISPUTE_EVENTS = frozenset({"charge.dispute.created", "charge.dispute.updated",
                            "charge.dispute.closed"})


def describe(order):
    """One line on where an order stands after an event."""
    if order.is_duplicate:
        return f"order {order.reference} is {order.status} (duplicate, refunded)"
    return f"order {order.reference} is {order.status}"


def _refund(event_type, obj):
    """A refund made by the store or in Stripe's dashboard: record it on its order."""
    result = payments.RefundResult.from_refund(obj)
    order = orders.order_for_refund(result)
    if order is None:
        return "no matching order", None
    row = orders.refund_recorded(order, result)
    return f"refund {result.id} is {row.status}", order


class UnknownCharge(Exception):
    """Stripe says the charge an event names does not exist."""


def _attempt_settled_from_charge(charge_id):
    """The attempt of `charge_id`, brought up to date from the charge itself when the
    store has not recorded the charge yet (a dispute that beat the charge's own event).

    Raises PaymentUnavailable when Stripe must be asked and does not answer: the webhook
    then answers 503 and Stripe delivers the event again.
    """
    attempt = orders.attempt_with(charge_id=charge_id)
    if attempt is not None and attempt.order.status != OrderStatus.PENDING:
        return attempt
    try:
        charge = payments.retrieve_charge(charge_id)
    except payments.PaymentError as exc:
        if exc.uncertain:
            raise
        raise UnknownCharge(charge_id) from exc
    attempt = registry.attempt_for_charge(charge)
    if attempt is not None:
        registry.for_attempt(attempt).record_charge(attempt, charge)
    return attempt


def _dispute(event_type, obj):
    """A dispute opened, changed or ended on the charge of one of our orders."""
    dispute = payments.DisputeResult.from_dispute(obj)
    try:
        attempt = _attempt_settled_from_charge(dispute.charge_id)
    except UnknownCharge:
        return f"charge {dispute.charge_id} unknown to Stripe: ignored", None
    if attempt is None:
        return "no matching order", None
    order = attempt.order
    if event_type == "charge.dispute.closed" or dispute.status in CLOSED_STATUSES:
        orders.dispute_closed(order, dispute)
    else:
        orders.dispute_opened(order, dispute)
    return describe(order), order


COMMON = {**dict.fromkeys(REFUND_EVENTS, _refund),
          **dict.fromkeys(DISPUTE_EVENTS, _dispute)}


def handle(event):
    """Apply one verified event (a dict) through the lifecycle; returns (summary, order
    or None). Nothing is committed here."""
    event_type, obj = event["type"], event["data"]["object"]
    if event_type in cards.EVENTS:  # what the pages show of a saved card
        return cards.apply_event(event), None
    if event_type in COMMON:
        return COMMON[event_type](event_type, obj)
    flows = registry.flows_for_event(event_type)
    for flow in flows:
        attempt = flow.attempt_for_event(event_type, obj)
        if attempt is not None:
            order = flow.handle_event(event_type, obj, attempt)
            return describe(order), order
    return ("no matching order" if flows else "ignored"), None
