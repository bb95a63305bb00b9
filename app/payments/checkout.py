"""Checkout Sessions: Stripe's hosted payment page for one order.

A Session in `payment` mode carries the order's price as a `price_data` line item (from
the database), the order in `client_reference_id` and `metadata` (and in
`payment_intent_data.metadata`, which Stripe copies onto the PaymentIntent and its
charge), and the store's success and cancel pages.
"""

from app.payments.calls import call
from app.payments.client import get_client, with_timeout
from app.payments.results import PaymentResult

#: What a Session is read with: its PaymentIntent and that intent's charge, and the tax
#: per rate (with `automatic_tax`).
EXPAND = ["payment_intent.latest_charge", "total_details.breakdown"]


def session_request(*, amount, currency, description, metadata, receipt_email, title,
                    reference, success_url, cancel_url, expires_at, customer=None,
                    save_card=False, tax=None):
    """The parameters of a Checkout Session for one order, as stored before the call.

    `customer` (the buyer's Stripe customer) or else the email is passed; `save_card`
    keeps the card on that customer for later (`setup_future_usage`). With `tax`
    ({"behavior": "inclusive"|"exclusive", "code": "txcd_…"}) Stripe Tax taxes the
    Session on its page (`automatic_tax`) for the billing address the buyer gives there
    (Checkout asks for the country, and the postal code where tax needs it); a customer's
    Session saves that address on the customer (`customer_update[address]=auto`, which
    Stripe requires unless the customer has an address already).
    """
    intent_data = {"description": description, "metadata": metadata,
                   "receipt_email": receipt_email}
    if save_card:
        intent_data["setup_future_usage"] = "off_session"
    params = {
        "mode": "payment",
        "line_items": [{"quantity": 1, "price_data": {
            "currency": currency, "unit_amount": amount,
            "product_data": {"name": title}}}],
        "client_reference_id": reference, "metadata": metadata,
        "payment_intent_data": intent_data,
        "success_url": success_url, "cancel_url": cancel_url,
        "expires_at": expires_at,
        "allowed_payment_method_types": ["card"],
    }
    if customer:
        params["customer"] = customer
    else:
        params["customer_email"] = receipt_email
    if tax:
        price = params["line_items"][0]["price_data"]
        price["tax_behavior"] = tax["behavior"]
        price["product_data"]["tax_code"] = tax["code"]
        params["automatic_tax"] = {"enabled": True}
        params["tax_id_collection"] = {"enabled": True}  # a business buyer's VAT number
        params["billing_address_collection"] = "auto"
        if customer:
            params["customer_update"] = {"address": "auto"}
    return params


def create_session(params, *, idempotency_key):
    """Create (or, under the same key, replay) a Checkout Session; its PaymentResult (with
    the hosted page's `url`)."""
    client = get_client()
    session = call(lambda t: with_timeout(t, lambda: client.v1.checkout.sessions.create(
        params=params, options={"idempotency_key": idempotency_key})))
    return PaymentResult.from_session(session)


def retrieve_session(session_id):
    """The Checkout Session with its PaymentIntent and charge."""
    client = get_client()
    session = call(lambda t: with_timeout(t, lambda: client.v1.checkout.sessions.retrieve(
        session_id, params={"expand": EXPAND})))
    return PaymentResult.from_session(session)


def expire_session(session_id, *, idempotency_key):
    """Expire an open Checkout Session: nobody can pay it after this."""
    client = get_client()
    session = call(lambda t: with_timeout(t, lambda: client.v1.checkout.sessions.expire(
        session_id, params={"expand": EXPAND},
        options={"idempotency_key": idempotency_key})))
    return PaymentResult.from_session(session)
