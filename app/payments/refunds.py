"""Refunding charges."""

from app.payments.calls import call
from app.payments.client import get_client, with_timeout
from app.payments.results import RefundResult


def create_refund(*, charge_id, amount, reason, idempotency_key, metadata=None):
    """Refund `amount` minor units of a charge; raise a PaymentError subclass on failure.

    Called again with the same key and arguments, it returns the first attempt's refund
    (or its error), which is how a refund whose answer was lost is settled.
    """
    params = {"charge": charge_id, "amount": amount, "metadata": metadata or {}}
    if reason:
        params["reason"] = reason
    client = get_client()
    refund = call(lambda t: with_timeout(t, lambda: client.v1.refunds.create(
        params=params, options={"idempotency_key": idempotency_key})))
    return RefundResult.from_refund(refund)
