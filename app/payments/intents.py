"""PaymentIntents: creating, reading and cancelling the intent behind an order.

The store takes cards only, said the way API versions from 2026-09-30.endive accept it
(`allowed_payment_method_types`, never `payment_method_types`); the amount comes from the
order, and every create carries the attempt's idempotency key.
"""

from app.payments.calls import call
from app.payments.client import get_client, with_timeout
from app.payments.results import PaymentResult

CARD_ONLY = {"allowed_payment_method_types": ["card"]}


def intent_request(*, amount, currency, description, metadata, receipt_email,
                   customer=None, save_card=False, payment_method=None,
                   off_session=False):
    """The parameters of a PaymentIntent for one order, as stored before the call.

    Without `payment_method` the buyer's browser confirms it (the Payment Element);
    with one, the server confirms it off-session (a card saved earlier, one click).
    `save_card` keeps the card on `customer` for later (`setup_future_usage`).
    """
    params = {"amount": amount, "currency": currency, "description": description,
              "metadata": metadata, "receipt_email": receipt_email, **CARD_ONLY}
    if customer:
        params["customer"] = customer
    if save_card:
        params["setup_future_usage"] = "off_session"
    if payment_method:
        params.update(payment_method=payment_method, confirm=True,
                      off_session=bool(off_session))
    return params


def create_intent(params, *, idempotency_key):
    """Create (or, under the same key, replay) a PaymentIntent; a PaymentResult with its
    client secret. An off-session confirmation the card refuses raises CardDeclined,
    whose `intent` is the intent it left."""
    client = get_client()
    intent = call(lambda t: with_timeout(t, lambda: client.v1.payment_intents.create(
        params=params, options={"idempotency_key": idempotency_key})))
    return PaymentResult.from_intent(intent)


def retrieve_intent(intent_id):
    """The PaymentIntent with its latest charge expanded (card details, receipt)."""
    client = get_client()
    intent = call(lambda t: with_timeout(t, lambda: client.v1.payment_intents.retrieve(
        intent_id, params={"expand": ["latest_charge"]})))
    return PaymentResult.from_intent(intent)


def cancel_intent(intent_id, *, reason="abandoned", idempotency_key):
    """Cancel a PaymentIntent nobody will pay (nothing can be charged on it after)."""
    client = get_client()
    intent = call(lambda t: with_timeout(t, lambda: client.v1.payment_intents.cancel(
        intent_id, params={"cancellation_reason": reason,
                           "expand": ["latest_charge"]},
        options={"idempotency_key": idempotency_key})))
    return PaymentResult.from_intent(intent)
