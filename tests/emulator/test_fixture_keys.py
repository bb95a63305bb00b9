"""Objects carry every top-level key of Stripe's own examples (fixtures3.json, shipped in
tests/fixtures/stripe with its MIT licence)."""

import json
from pathlib import Path

import pytest
import stripe

from .helpers import card_token, charge

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stripe" / "fixtures3.json"
#: Keys Stripe's example has that the API no longer returns by default (since 2022-11-15
#: a charge's refunds are only included when expanded).
NOT_DEFAULT = {"charge": {"refunds"}}


@pytest.fixture(scope="module")
def fixtures3():
    return json.loads(FIXTURES.read_text())["resources"]


def _objects():
    token = card_token("4242424242424242")
    ch = charge(source="tok_visa", capture=True)
    cus = stripe.Customer.create(source="tok_visa")
    refund = stripe.Refund.create(charge=ch.id, amount=100)
    event = stripe.Event.list(limit=1).data[0]
    txn = stripe.BalanceTransaction.retrieve(ch.balance_transaction)
    pm = stripe.PaymentMethod.attach("pm_card_visa", customer=cus.id)
    pi = stripe.PaymentIntent.create(amount=2000, currency="usd", customer=cus.id,
                                     payment_method=pm.id, confirm=True, off_session=True)
    si = stripe.SetupIntent.create(customer=cus.id, payment_method="pm_card_visa",
                                   confirm=True, return_url="https://shop.example/saved")
    cs = stripe.checkout.Session.create(
        mode="payment", success_url="https://shop.example/ok", line_items=[{
            "price_data": {"currency": "usd", "unit_amount": 6900,
                           "product_data": {"name": "Course"}}, "quantity": 1}])
    (item,) = stripe.checkout.Session.list_line_items(cs.id).data
    endpoint = stripe.WebhookEndpoint.create(url="https://127.0.0.1:9/hook",
                                             enabled_events=["*"])
    return {"token": token, "card": token.card, "charge": ch, "customer": cus,
            "refund": refund, "event": event, "balance_transaction": txn,
            "payment_method": pm, "payment_intent": pi, "setup_intent": si,
            "checkout.session": cs, "item": item, "account": stripe.Account.retrieve(),
            "webhook_endpoint": stripe.WebhookEndpoint.retrieve(endpoint.id),
            "deleted_webhook_endpoint": stripe.WebhookEndpoint.delete(endpoint.id)}


@pytest.mark.parametrize("kind", ["token", "card", "charge", "customer", "refund", "event",
                                  "balance_transaction", "payment_method",
                                  "payment_intent", "setup_intent", "checkout.session",
                                  "item", "account", "webhook_endpoint",
                                  "deleted_webhook_endpoint"])
def test_keys_cover_stripes_examples(kind, fixtures3, api):
    """Every top-level key of Stripe's example object is in the emulator's."""
    obj = _objects()[kind].to_dict()
    missing = set(fixtures3[kind]) - set(obj) - NOT_DEFAULT.get(kind, set())
    assert not missing, f"{kind} lacks {sorted(missing)}"
    assert obj["object"] == fixtures3[kind]["object"]
    assert obj.get("livemode", False) is False
