"""Refunding charges."""

from dataclasses import dataclass

import stripe

from app.payments.client import get_client
from app.payments.errors import translate


@dataclass(frozen=True)
class RefundResult:
    id: str
    amount: int
    currency: str
    status: str
    reason: str | None
    charge_id: str


def create_refund(*, charge_id, amount, reason, idempotency_key, metadata=None):
    """Refund `amount` minor units of a charge; raise a PaymentError subclass on failure."""
    params = {"charge": charge_id, "amount": amount, "metadata": metadata or {}}
    if reason:
        params["reason"] = reason
    try:
        refund = get_client().v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as exc:
        raise translate(exc) from exc
    return RefundResult(
        id=refund.id,
        amount=refund.amount,
        currency=refund.currency,
        status=refund.status,
        reason=refund.reason,
        charge_id=refund.charge,
    )
