"""The card-testing pause in the browser payment flows. The token checkout sends at most
CHECKOUT_MAX_DECLINES declined cards from one address to Stripe; with the Payment Element
or hosted Checkout the cards are tried in the browser, on the order's intent or Session,
where the store's pause cannot stop them. So when the declines Stripe reports pause the
address, the store also closes that payment (the intent cancelled, the Session expired):
no further card can be tried on it."""

import json
import time

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus
from tests.hardening.signing import post_signed
from tests.helpers import confirm_intent, csrf_from, pay_hosted_page

EMAIL = "tester@example.com"
LIMIT = 3
DECLINED_PM = "pm_card_chargeDeclined"


@pytest.fixture
def few_declines(app, make_course, emulator_control):
    saved = app.config["CHECKOUT_MAX_DECLINES"]
    app.config["CHECKOUT_MAX_DECLINES"] = LIMIT
    make_course()
    yield
    app.config["CHECKOUT_MAX_DECLINES"] = saved
    app.config["PAYMENT_FLOW"] = "charges"


def _order(app):
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        db.session.expunge(order)
        return order


def _report_failure(client, stripe_sdk, intent_id, n):
    """Stripe's payment_intent.payment_failed for the intent's latest decline."""
    intent = stripe_sdk.v1.payment_intents.retrieve(intent_id).to_dict()
    body = json.dumps({"id": f"evt_declined_{n}", "object": "event",
                       "type": "payment_intent.payment_failed", "created": int(time.time()),
                       "livemode": False, "data": {"object": intent}}).encode()
    assert post_signed(client, body).status_code == 200


def test_the_pause_cancels_the_intent_the_declines_were_tried_on(
        app, client, few_declines, emulator, stripe_sdk):
    app.config["PAYMENT_FLOW"] = "payment_intents"
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    answer = client.post("/courses/python-jumpstart/payment-intent",
                         data={"csrf_token": csrf_from(page), "email": EMAIL}).get_json()
    secret = answer["client_secret"]
    intent_id = secret.split("_secret_")[0]
    for n in range(LIMIT):
        assert confirm_intent(emulator.url, secret, DECLINED_PM)[0] == 402
        _report_failure(client, stripe_sdk, intent_id, n)
    assert stripe_sdk.v1.payment_intents.retrieve(intent_id).status == "canceled"
    status, _ = confirm_intent(emulator.url, secret, "pm_card_visa")  # the next card
    assert status == 400
    charges = stripe_sdk.v1.charges.list(params={"payment_intent": intent_id}).data
    assert [c.status for c in charges] == ["failed"] * LIMIT
    assert _order(app).status == OrderStatus.FAILED
    again = client.post("/courses/python-jumpstart/payment-intent",
                        data={"csrf_token": csrf_from(page), "email": EMAIL})
    assert again.status_code == 429


def test_the_pause_expires_the_session_the_declines_were_tried_on(
        app, client, few_declines, stripe_sdk):
    app.config["PAYMENT_FLOW"] = "checkout"
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    url = client.post("/courses/python-jumpstart/checkout-session",
                      data={"csrf_token": csrf_from(page), "email": EMAIL}
                      ).headers["Location"]
    session_id = _order(app).payment.checkout_session_id
    for n in range(LIMIT):
        assert pay_hosted_page(url, "4000000000000002", email=EMAIL).status_code == 402
        intent_id = stripe_sdk.v1.checkout.sessions.retrieve(session_id).payment_intent
        _report_failure(client, stripe_sdk, intent_id, n)
    assert stripe_sdk.v1.checkout.sessions.retrieve(session_id).status == "expired"
    closed = requests.get(url, timeout=10)
    assert "cardNumber" not in closed.text  # no card can be tried on it any more
    assert len(stripe_sdk.v1.charges.list().data) == LIMIT
    assert _order(app).status == OrderStatus.FAILED
