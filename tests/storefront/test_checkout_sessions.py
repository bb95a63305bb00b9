"""PAYMENT_FLOW=checkout through the real SDK against the emulator: the order's Checkout
Session (its request and key), the buyer paying on the emulator's hosted page (driven
over HTTP as a browser would post it), the success page that reads the Session itself,
the cancel link, the completed and expired webhooks, reconcile, saved cards, refunds."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    Access,
    AttemptStatus,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentAttempt,
)
from tests.helpers import check_again, csrf_from, pay_hosted_page, sign_in_by_link

EMAIL = "hosted@example.com"
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def checkout_flow(app):
    """The store takes cards on Stripe's hosted Checkout page for these tests."""
    app.config["PAYMENT_FLOW"] = "checkout"
    yield
    app.config["PAYMENT_FLOW"] = "charges"


@pytest.fixture
def course(make_course, emulator_control):
    """Python Jumpstart ($69.00) on a freshly reset emulator."""
    return make_course()


def _continue(client, slug="python-jumpstart", email=EMAIL, save=False):
    """Press "Continue to payment"; the response (a 303 to the hosted page)."""
    page = client.get(f"/courses/{slug}")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email}
    if save:
        data["save_card"] = "y"
    return client.post(f"/courses/{slug}/checkout-session", data=data)


def _pay_hosted(url, number="4242424242424242"):
    return pay_hosted_page(url, number, email=EMAIL)


def _order(app, email=EMAIL):
    with app.app_context():
        order = db.session.scalars(select(Order).where(Order.email == email)
                                   .order_by(Order.id.desc())).first()
        db.session.expunge(order)
        return order


def _post_event(client, event_type, obj, event_id):
    payload = json.dumps({"id": event_id, "object": "event", "type": event_type,
                          "created": int(time.time()), "livemode": False,
                          "data": {"object": obj}})
    stamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{payload}", SECRET)
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": f"t={stamp},v1={signature}",
                                "Content-Type": "application/json"})


def test_continue_creates_the_orders_session_and_sends_the_buyer_there(
        client, app, course, stripe_sdk):
    response = _continue(client)
    assert response.status_code == 303
    order = _order(app)
    attempt = order.payment
    session = stripe_sdk.v1.checkout.sessions.retrieve(attempt.checkout_session_id)
    assert response.headers["Location"] == session.url
    assert (session.mode, session.amount_total, session.currency) == ("payment", 6900, "usd")
    assert (session.client_reference_id, session.metadata["order_id"]) == (
        order.reference, order.reference)
    assert session.customer_email == EMAIL
    items = stripe_sdk.v1.checkout.sessions.line_items.list(session.id).data
    assert [(i.description, i.amount_total, i.quantity) for i in items] == [
        ("Python Jumpstart", 6900, 1)]
    assert session.success_url.endswith(
        f"/orders/{order.public_id}/paid?session_id={{CHECKOUT_SESSION_ID}}")
    assert session.cancel_url.endswith(f"/orders/{order.public_id}/cancelled")
    assert attempt.idempotency_key == f"order-{order.public_id}-charge"
    assert attempt.request["payment_intent_data"]["metadata"]["order_id"] == order.reference
    assert "payment_method_types" not in attempt.request
    assert 30 * 60 <= attempt.request["expires_at"] - time.time() <= 24 * 3600
    assert (order.status, attempt.status) == (OrderStatus.PENDING,
                                              AttemptStatus.REQUIRES_PAYMENT_METHOD)


def test_paying_on_the_hosted_page_then_the_success_page(client, app, course, stripe_sdk):
    url = _continue(client).headers["Location"]
    paid = _pay_hosted(url)
    assert paid.status_code == 303
    success = paid.headers["Location"]
    order = _order(app)
    assert success.startswith("http://localhost/orders/") and \
        parse_qs(urlsplit(success).query)["session_id"] == [order.payment.checkout_session_id]
    assert order.status == OrderStatus.PENDING  # nothing told the store yet
    # A forged session id in the URL changes nothing: the order's own Session is read.
    back = client.get(urlsplit(success).path + "?session_id=cs_test_forged")
    assert back.headers["Location"] == f"/orders/{order.public_id}"
    order = _order(app)
    assert order.status == OrderStatus.PAID
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.payment_intent == order.payment_intent_id
    assert charge.metadata["order_id"] == order.reference
    assert (order.payment.card_brand, order.payment.card_last4) == ("visa", "4242")
    with app.app_context():
        assert len(db.session.scalars(select(Access)).all()) == 1
        assert [m.kind for m in db.session.scalars(select(OutboxMessage))] == [
            "order_confirmation"]


def test_a_decline_stays_on_the_hosted_page_and_changes_nothing(client, app, course):
    url = _continue(client).headers["Location"]
    declined = _pay_hosted(url, "4000000000009995")
    assert declined.status_code == 402 and "insufficient funds" in declined.text
    assert _order(app).status == OrderStatus.PENDING
    assert _pay_hosted(url).status_code == 303  # another card on the same page pays


def test_cancel_returns_to_the_course_page_and_the_same_browser_gets_its_page_back(
        client, app, course, stripe_sdk):
    url = _continue(client).headers["Location"]
    order = _order(app)
    back = client.get(f"/orders/{order.public_id}/cancelled", follow_redirects=True)
    assert "nothing was charged" in back.get_data(as_text=True)
    assert _continue(client).headers["Location"] == url  # the same open Session
    assert len(stripe_sdk.v1.checkout.sessions.list().data) == 1
    # Another browser knowing the email is told a payment is under way, and the Session
    # stays; the buyer signed in there expires the waiting Session for a new order.
    stranger_browser = app.test_client()
    stranger = _continue(stranger_browser)
    assert stranger.status_code == 302
    told = stranger_browser.get(stranger.headers["Location"]).get_data(as_text=True)
    assert "already under way" in told
    assert stripe_sdk.v1.checkout.sessions.retrieve(
        order.payment.checkout_session_id).status == "open"
    signed_in = app.test_client()
    sign_in_by_link(signed_in, app, EMAIL)
    other = _continue(signed_in)
    assert other.status_code == 303 and other.headers["Location"] != url
    old = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    assert old.status == "expired"
    assert _order(app).public_id != order.public_id
    with app.app_context():
        assert db.session.get(Order, order.id).status == OrderStatus.FAILED


def test_the_completed_webhook_alone_pays_and_replays_change_nothing(
        client, app, course, stripe_sdk):
    url = _continue(client).headers["Location"]
    _pay_hosted(url)
    order = _order(app)
    session = stripe_sdk.v1.checkout.sessions.retrieve(
        order.payment.checkout_session_id).to_dict()
    for event_id in ("evt_cs_1", "evt_cs_2"):
        response = _post_event(client, "checkout.session.completed", session, event_id)
        assert response.status_code == 200, response.get_json()
    order = _order(app)
    assert order.status == OrderStatus.PAID and order.charge_id.startswith("ch_")
    with app.app_context():
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_the_charge_event_before_the_session_event_pays_once(client, app, course,
                                                              stripe_sdk):
    url = _continue(client).headers["Location"]
    _pay_hosted(url)
    order = _order(app)
    session = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    intent = stripe_sdk.v1.payment_intents.retrieve(session.payment_intent)
    charge = stripe_sdk.v1.charges.retrieve(intent.latest_charge).to_dict()
    assert _post_event(client, "charge.succeeded", charge, "evt_ch").status_code == 200
    assert _order(app).status == OrderStatus.PAID
    assert _post_event(client, "checkout.session.completed", session.to_dict(), "evt_cs"
                       ).status_code == 200
    order = _order(app)
    assert order.status == OrderStatus.PAID and order.charge_id == charge["id"]


def test_an_expired_session_releases_its_order(client, app, course, stripe_sdk,
                                               emulator_control):
    _continue(client)
    order = _order(app)
    expired = stripe_sdk.v1.checkout.sessions.expire(order.payment.checkout_session_id)
    assert _post_event(client, "checkout.session.expired", expired.to_dict(), "evt_x"
                       ).status_code == 200
    order = _order(app)
    assert (order.status, order.payment.status) == (OrderStatus.FAILED,
                                                    AttemptStatus.CANCELED)
    assert _continue(client).status_code == 303  # the buyer can start again


def test_reconcile_expires_a_session_past_its_time(client, app, course, cli, stripe_sdk):
    _continue(client)
    order = _order(app)
    with app.app_context():
        attempt = db.session.get(PaymentAttempt, order.payment.id)
        attempt.request = {**attempt.request, "expires_at": int(time.time()) - 1}
        db.session.commit()
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert f"{order.reference}: failed" in result.output, result.output
    session = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    assert session.status == "expired"


def test_a_lost_answer_to_the_create_is_expired_by_reconcile(
        client, app, course, cli, emulator_control, stripe_sdk):
    """The buyer never got the page: reconcile repeats the create under its key (one
    Session) and expires it, releasing the order."""
    emulator_control.inject_fault(mode="drop_response", count=1,
                                  path="/v1/checkout/sessions", method="POST")
    response = _continue(client, )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "you have not been charged" in page
    order = _order(app)
    assert order.payment.request_state.value == "unknown"
    with app.app_context():
        db.session.execute(update(PaymentAttempt).values(checked_at=None))
        db.session.commit()
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert f"{order.reference}: failed" in result.output, result.output
    [session] = stripe_sdk.v1.checkout.sessions.list().data
    assert session.status == "expired" and session.id == _order(app).payment.checkout_session_id


def test_saving_the_card_passes_the_buyers_customer(client, app, course, stripe_sdk,
                                                    emulator_control):
    from tests.helpers import sign_in_by_link

    sign_in_by_link(client, app, EMAIL)
    url = _continue(client, save=True).headers["Location"]
    order = _order(app)
    session = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    assert session.customer and session.customer_email is None
    assert order.payment.request["payment_intent_data"]["setup_future_usage"] == \
        "off_session"
    _pay_hosted(url)
    check_again(client, order.public_id)
    assert _order(app).status == OrderStatus.PAID
    [method] = stripe_sdk.v1.payment_methods.list(
        params={"customer": session.customer, "type": "card"}).data
    assert method.card.last4 == "4242"
    # The store kept the card the Session saved: /account shows it without asking Stripe.
    emulator_control.clear_requests()
    account = client.get("/account").get_data(as_text=True)
    assert "Visa •••• 4242" in account and f'value="{method.id}"' in account
    assert emulator_control.requests() == []


def test_the_token_and_intent_endpoints_are_refused_in_this_flow(client, course):
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert "Continue to payment" in page and "js.stripe.com/v3" not in page
    for path in ("checkout", "payment-intent"):
        response = client.post(f"/courses/python-jumpstart/{path}",
                               data={"csrf_token": csrf_from(page), "email": EMAIL})
        assert response.status_code == 404


@pytest.mark.parametrize("email", ["", "nope", "a@b", "x" * 300 + "@example.com"])
def test_a_bad_email_is_shown_under_its_field(client, course, email):
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    response = client.post("/courses/python-jumpstart/checkout-session",
                           data={"csrf_token": csrf_from(page), "email": email})
    assert response.status_code == 400
    assert 'data-testid="email-error">Enter' in response.get_data(as_text=True)


def _foreign_session(stripe_sdk, order, *, amount=100, metadata=True):
    """A Session the store did not make for the order, paid: another integration of the
    same Stripe account (a Payment Link, whose URL takes any `client_reference_id`),
    naming the order's reference (the buyer sees it on the receipt)."""
    params = {"mode": "payment", "client_reference_id": order.reference,
              "line_items": [{"quantity": 1, "price_data": {
                  "currency": "usd", "unit_amount": amount,
                  "product_data": {"name": "A tip"}}}],
              "success_url": "https://example.com/thanks",
              "cancel_url": "https://example.com/back"}
    if metadata:
        params["payment_intent_data"] = {"metadata": {"order_id": order.reference}}
    session = stripe_sdk.v1.checkout.sessions.create(params=params)
    assert _pay_hosted(session.url).status_code == 303
    return stripe_sdk.v1.checkout.sessions.retrieve(session.id)


def test_a_session_the_store_did_not_make_never_pays_the_order(client, app, course,
                                                              stripe_sdk):
    """Only the order's own Session pays it: a $1 Session of another integration naming
    the $69 order's reference (client_reference_id, metadata) is ignored, whether its
    completed event, its intent's or its charge's comes; the order's own still pays."""
    url = _continue(client).headers["Location"]
    order = _order(app)
    foreign = _foreign_session(stripe_sdk, order)
    intent = stripe_sdk.v1.payment_intents.retrieve(foreign.payment_intent)
    charge = stripe_sdk.v1.charges.retrieve(intent.latest_charge)
    for event_type, obj in (("checkout.session.completed", foreign),
                            ("payment_intent.succeeded", intent),
                            ("charge.succeeded", charge),
                            ("charge.succeeded", {**charge.to_dict(), "id": "ch_no_intent",
                                                  "payment_intent": None})):
        obj = obj if isinstance(obj, dict) else obj.to_dict()
        response = _post_event(client, event_type, obj, f"evt_{event_type}_{obj['id']}")
        assert response.status_code == 200, response.get_json()
        order = _order(app)
        assert order.status == OrderStatus.PENDING, event_type
        assert order.payment.payment_intent_id != intent.id, event_type
    with app.app_context():
        assert db.session.scalars(select(Access)).all() == []
    _pay_hosted(url)
    own = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    assert _post_event(client, "checkout.session.completed", own.to_dict(), "evt_own"
                       ).status_code == 200
    order = _order(app)
    assert order.status == OrderStatus.PAID and order.charge_id != charge.id
    assert order.payment_intent_id == own.payment_intent


def test_a_session_of_another_amount_never_pays_an_order_whose_answer_was_lost(
        client, app, course, stripe_sdk, emulator_control):
    """The order's Session id is unknown (its create's answer was lost): a Session naming
    the order is taken for its own only with the order's amount and currency."""
    emulator_control.inject_fault(mode="drop_response", count=1,
                                  path="/v1/checkout/sessions", method="POST")
    assert _continue(client).status_code == 302
    order = _order(app)
    assert order.payment.checkout_session_id is None
    foreign = _foreign_session(stripe_sdk, order)
    response = _post_event(client, "checkout.session.completed", foreign.to_dict(),
                           "evt_foreign")
    assert response.status_code == 200, response.get_json()
    assert _order(app).status == OrderStatus.PENDING
