"""Bringing an order in line with what Stripe says about its charge.

Used by the checkout, the webhook handlers and `flask orders reconcile`, so the
same charge always produces the same order state, however often it is applied.
"""

from datetime import UTC, datetime

from app.models import OrderStatus
from app.models._time import utcnow


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
    """The order status a charge implies, never moving an order backwards.

    Stripe does not deliver events in order, so an old snapshot (a charge.succeeded that
    arrives after charge.refunded) must not undo a refund or a dispute.
    """
    if charge.status == "failed" or not charge.paid:
        return OrderStatus.FAILED if order.status == OrderStatus.PENDING else order.status
    if charge.disputed or order.status == OrderStatus.DISPUTED:
        return OrderStatus.DISPUTED
    refunded = max(order.amount_refunded, charge.amount_refunded)
    if charge.refunded or refunded >= order.amount:
        return OrderStatus.REFUNDED
    if refunded > 0:
        return OrderStatus.PARTIALLY_REFUNDED
    return OrderStatus.PAID


def apply_charge(order, charge):
    """Store a charge's fields on its order and move the order to the status it implies.

    A failed charge never overwrites an order that another charge has paid.
    """
    if order.charge_id and order.charge_id != charge.id and charge.status == "failed":
        return order
    if order.status == OrderStatus.PAID and charge.status == "failed":
        return order
    new_status = status_for(order, charge)
    _copy_charge_fields(order, charge)
    order.amount_refunded = max(order.amount_refunded, charge.amount_refunded)
    if order.status == OrderStatus.PENDING and new_status not in (
        OrderStatus.PAID,
        OrderStatus.FAILED,
    ):
        order.transition(OrderStatus.PAID)
    order.transition(new_status)
    if charge.paid and order.paid_at is None:
        order.paid_at = utcnow()
    return order


def mark_failed(order, *, code, message):
    """Record a failure that produced no charge (or none we could read)."""
    if order.status != OrderStatus.PENDING:
        return order
    order.failure_code = code
    order.failure_message = message
    order.transition(OrderStatus.FAILED)
    return order
