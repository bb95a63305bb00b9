"""PAYMENT_FLOW=payment_intents through the real SDK against the emulator: the order's one
PaymentIntent (its request, key and amount), confirmations as Stripe.js makes them
(publishable key + client secret), the return page that reads the intent itself,
declines and retries on the same intent, webhooks alone, reconcile, saved cards and one
click off-session, refunds."""

import json
import time
from datetime import timedelta

import pytest
import stripe
from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    Access,
    AttemptStatus,
    Buyer,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentAttempt,
)
from app.models._time import utcnow
from tests.helpers import check_again, confirm_intent, csrf_from, sign_in_by_link

EMAIL = "intent@example.com"
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def intents_flow(app):
    """The store takes cards with the Payment Element for these tests."""
    app.config["PAYMENT_FLOW"] = "payment_intents"
    yield
    app.config["PAYMENT_FLOW"] = "charges"


@pytest.fixture
def course(make_course, emulator_control):
    """Python Jumpstart ($69.00) on a freshly reset emulator."""
    return make_course()


def _start(client, slug="python-jumpstart", email=EMAIL, save=False):
    """Press Pay: the page's POST for the order's PaymentIntent; (status, json)."""
    page = client.get(f"/courses/{slug}")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email}
    if save:
        data["save_card"] = "y"
    response = client.post(f"/courses/{slug}/payment-intent", data=data,
                           headers={"Accept": "application/json"})
    return response.status_code, response.get_json()


def _confirm(emulator, client_secret, payment_method="pm_card_visa"):
    return confirm_intent(emulator.url, client_secret, payment_method)


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


def test_pay_creates_one_intent_for_the_order_with_its_request_written_first(
        client, app, course, stripe_sdk):
    status, body = _start(client)
    assert status == 200, body
    order = _order(app)
    attempt = order.payment
    assert (order.status, attempt.flow, attempt.status) == (
        OrderStatus.PENDING, "payment_intents", AttemptStatus.REQUIRES_PAYMENT_METHOD)
    intent = stripe_sdk.v1.payment_intents.retrieve(attempt.payment_intent_id)
    assert body["client_secret"] == intent.client_secret
    assert (intent.amount, intent.currency) == (6900, "usd")
    assert intent.metadata["order_id"] == order.reference
    assert intent.description == "Python Jumpstart — Course Shop"
    assert intent.receipt_email == EMAIL
    assert attempt.idempotency_key == f"order-{order.public_id}-charge"
    assert attempt.request["allowed_payment_method_types"] == ["card"]
    assert "payment_method_types" not in attempt.request  # refused from 2026-09-30.endive
    assert body["return_url"].endswith(f"/orders/{order.public_id}/return")


def test_a_confirmed_intent_pays_the_order_on_the_return_page(
        client, app, course, emulator, stripe_sdk):
    _, body = _start(client)
    status, intent = _confirm(emulator, body["client_secret"])
    assert status == 200 and intent["status"] == "succeeded"
    order = _order(app)
    assert order.status == OrderStatus.PENDING  # the browser's word alone changes nothing
    back = client.get(f"/orders/{order.public_id}/return?payment_intent=pi_forged"
                      "&redirect_status=failed")
    assert back.status_code == 302
    assert back.headers["Location"] == f"/orders/{order.public_id}"
    order = _order(app)
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.payment_intent == order.payment_intent_id
    assert (order.payment.card_brand, order.payment.card_last4) == ("visa", "4242")
    receipt = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "Your payment went through" in receipt and "Visa •••• 4242" in receipt
    with app.app_context():
        assert len(db.session.scalars(select(Access)).all()) == 1
        [mail] = db.session.scalars(select(OutboxMessage)).all()
        assert mail.kind == "order_confirmation"


def test_a_decline_keeps_the_order_and_intent_for_another_card(
        client, app, course, emulator, stripe_sdk):
    _, body = _start(client)
    status, error = _confirm(emulator, body["client_secret"],
                             "pm_card_chargeDeclinedInsufficientFunds")
    assert status == 402 and error["error"]["decline_code"] == "insufficient_funds"
    order = _order(app)
    back = client.get(f"/orders/{order.public_id}/return", follow_redirects=True)
    assert "Your card has insufficient funds." in back.get_data(as_text=True)
    order = _order(app)
    assert order.status == OrderStatus.PENDING
    assert order.payment.status == AttemptStatus.REQUIRES_PAYMENT_METHOD
    assert order.payment.decline_code == "insufficient_funds"
    assert order.charge_id is None  # the declined charge is not the order's charge
    # Pay again from the same browser: the same order and intent.
    _, again = _start(client)
    assert again["client_secret"] == body["client_secret"]
    assert _confirm(emulator, again["client_secret"])[0] == 200
    client.get(f"/orders/{order.public_id}/return")
    order = _order(app)
    assert order.status == OrderStatus.PAID
    with app.app_context():
        assert len(db.session.scalars(select(Order)).all()) == 1
    charges = stripe_sdk.v1.charges.list(params={"limit": 10}).data
    assert sorted(c.status for c in charges) == ["failed", "succeeded"]


def test_a_failed_authentication_leaves_nothing_charged(client, app, course, emulator,
                                                         stripe_sdk):
    _, body = _start(client)
    status, intent = _confirm(emulator, body["client_secret"],
                              "pm_card_threeDSecure2Required")
    assert status == 200 and intent["status"] == "requires_action"
    order = _order(app)
    client.get(f"/orders/{order.public_id}/return")
    assert _order(app).payment.status == AttemptStatus.REQUIRES_ACTION
    assert stripe_sdk.v1.charges.list().data == []


def test_another_browser_knowing_the_email_cannot_cancel_the_waiting_intent(
        client, app, course, emulator, stripe_sdk):
    """A stranger who types the buyer's email while the buyer is on the payment form is
    told a payment is under way; the buyer's intent is untouched and still pays."""
    _, first = _start(client)
    status, body = _start(app.test_client())
    assert status == 409 and "already under way" in body["error"]
    assert "sign in with this email" in body["error"]
    old = stripe_sdk.v1.payment_intents.retrieve(first["client_secret"].split("_secret_")[0])
    assert old.status == "requires_payment_method"
    assert _confirm(emulator, first["client_secret"])[0] == 200
    assert _order(app).payment.payment_intent_id == old.id


def test_the_buyer_signed_in_in_another_browser_takes_the_waiting_intent_over(
        client, app, course, emulator, stripe_sdk):
    _, first = _start(client)
    other = app.test_client()
    sign_in_by_link(other, app, EMAIL)
    status, second = _start(other)
    assert status == 200 and second["client_secret"] != first["client_secret"]
    with app.app_context():
        orders = db.session.scalars(select(Order).order_by(Order.id)).all()
        assert [o.status for o in orders] == [OrderStatus.FAILED, OrderStatus.PENDING]
        assert orders[0].payment.status == AttemptStatus.CANCELED
    old = stripe_sdk.v1.payment_intents.retrieve(first["client_secret"].split("_secret_")[0])
    assert old.status == "canceled"
    # The first browser cannot pay its cancelled intent any more.
    assert _confirm(emulator, first["client_secret"])[0] == 400


def test_an_intent_being_authenticated_is_not_taken_from_its_browser(
        client, app, course, emulator):
    _, first = _start(client)
    _confirm(emulator, first["client_secret"], "pm_card_threeDSecure2Required")
    other = app.test_client()
    sign_in_by_link(other, app, EMAIL)  # even by its signed-in buyer
    status, body = _start(other)
    assert status == 409 and "still being confirmed" in body["error"]


def test_the_webhook_alone_completes_the_order(client, app, course, emulator, stripe_sdk):
    """The buyer closed the tab after paying: payment_intent.succeeded, in any order with
    the charge's events and twice, pays the order once."""
    _, body = _start(client)
    _confirm(emulator, body["client_secret"])
    order = _order(app)
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id).to_dict()
    charge = stripe_sdk.v1.charges.retrieve(intent["latest_charge"]).to_dict()
    assert _post_event(client, "charge.succeeded", charge, "evt_c1").status_code == 200
    assert _post_event(client, "payment_intent.succeeded", intent, "evt_i1").status_code \
        == 200
    assert _post_event(client, "payment_intent.succeeded", intent, "evt_i2").status_code \
        == 200
    order = _order(app)
    assert order.status == OrderStatus.PAID and order.charge_id == charge["id"]
    with app.app_context():
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_a_decline_event_counts_against_the_address_once(client, app, course, emulator,
                                                         stripe_sdk):
    from app.models import Throttle

    _, body = _start(client)
    _confirm(emulator, body["client_secret"], "pm_card_chargeDeclined")
    order = _order(app)
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id).to_dict()
    for event_id in ("evt_f1", "evt_f1"):  # Stripe delivering the same event twice
        assert _post_event(client, "payment_intent.payment_failed", intent, event_id
                           ).status_code == 200
    with app.app_context():
        [row] = db.session.scalars(select(Throttle).where(
            Throttle.key.like("checkout-ip:%"))).all()
        assert row.failures == 1
    assert _order(app).status == OrderStatus.PENDING


def test_reconcile_cancels_an_abandoned_intent_and_releases_the_order(
        client, app, course, cli, stripe_sdk):
    _start(client)
    order = _order(app)
    with app.app_context():
        db.session.execute(update(PaymentAttempt).values(
            created_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0 and f"{order.reference}: failed" in result.output
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert (intent.status, intent.cancellation_reason) == ("canceled", "abandoned")
    assert _order(app).payment.status == AttemptStatus.CANCELED
    status, body = _start(client)  # the buyer can start again
    assert status == 200 and body["client_secret"] != intent.client_secret


def test_a_lost_answer_to_the_create_is_settled_to_one_intent(
        client, app, course, emulator_control, stripe_sdk):
    emulator_control.inject_fault(mode="drop_response", count=1,
                                  path="/v1/payment_intents", method="POST")
    status, body = _start(client)
    assert status == 503 and "you have not been charged" in body["error"]
    order = _order(app)
    assert order.payment.request_state.value == "unknown"
    check_again(client, order.public_id)
    order = _order(app)
    assert order.payment.payment_intent_id is not None
    intents = stripe_sdk.v1.payment_intents.list().data
    assert [i.id for i in intents] == [order.payment_intent_id]  # the key made it once
    _, again = _start(client)
    assert again["client_secret"].startswith(order.payment_intent_id)


def test_saving_the_card_then_one_click_off_session(client, app, course, emulator,
                                                    stripe_sdk, make_course,
                                                    emulator_control):
    _sign_in_by_link(client, app)  # saving a card needs a session proven by the link
    _, body = _start(client, save=True)
    order = _order(app)
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert intent.setup_future_usage == "off_session" and intent.customer
    with app.app_context():
        buyer = db.session.scalar(select(Buyer))
        assert buyer.stripe_customer_id_test == intent.customer
    _confirm(emulator, body["client_secret"])
    client.get(f"/orders/{order.public_id}/return")
    [method] = stripe_sdk.v1.payment_methods.list(
        params={"customer": intent.customer, "type": "card"}).data
    assert method.card.last4 == "4242"
    # One click for another course.
    make_course(slug="second", title="Second")
    emulator_control.clear_requests()
    confirm = client.get("/courses/second/one-click")
    assert confirm.status_code == 200, confirm.headers.get("Location")
    assert emulator_control.requests() == []  # the card the return page stored
    html = confirm.get_data(as_text=True)
    assert "Visa •••• 4242" in html
    card_id = html.split('name="card_id" type="hidden" value="')[1].split('"')[0]
    assert card_id == method.id
    paid = client.post("/courses/second/one-click",
                       data={"csrf_token": csrf_from(html), "card_id": card_id})
    assert paid.status_code == 302 and paid.headers["Location"].startswith("/orders/")
    second = _order(app)
    assert (second.status, second.payment.flow) == (OrderStatus.PAID, "saved_card_intent")
    off = stripe_sdk.v1.payment_intents.retrieve(second.payment_intent_id)
    assert off.payment_method == method.id and off.customer == intent.customer


def test_one_click_needing_authentication_brings_the_buyer_back(
        client, app, course, stripe_sdk, make_course, cli):
    customer = stripe_sdk.v1.customers.create(params={"email": EMAIL})
    method = stripe_sdk.v1.payment_methods.attach(
        stripe_sdk.v1.payment_methods.create(params={
            "type": "card", "card": {"token": "tok_threeDSecure2Required"}}).id,
        params={"customer": customer.id})
    with app.app_context():
        from app.access import ensure_buyer

        buyer = ensure_buyer(EMAIL)
        buyer.stripe_customer_id_test = customer.id
        db.session.commit()
    _backfill(cli)  # saved before the store kept cards
    _sign_in_by_link(client, app)
    html = client.get("/courses/python-jumpstart/one-click").get_data(as_text=True)
    response = client.post("/courses/python-jumpstart/one-click",
                           data={"csrf_token": csrf_from(html), "card_id": method.id})
    order = _order(app)
    assert response.headers["Location"] == f"/orders/{order.public_id}/authenticate"
    assert (order.status, order.payment.status) == (
        OrderStatus.PENDING, AttemptStatus.REQUIRES_PAYMENT_METHOD)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert f'data-client-secret="{intent.client_secret}"' in page
    assert f'data-payment-method="{method.id}"' in page
    assert app.test_client().get(response.headers["Location"]).status_code == 404
    assert stripe_sdk.v1.charges.list().data == []


def _backfill(cli):
    """`flask cards backfill`: store the cards of buyers saved before the store kept
    them."""
    result = cli.invoke(args=["cards", "backfill"])
    assert result.exit_code == 0, result.output
    assert "1 card(s) stored" in result.output
    return result.output


def test_a_card_saved_by_the_token_flow_pays_in_one_click(client, app, course,
                                                          stripe_sdk, cli):
    customer = stripe_sdk.v1.customers.create(params={"email": EMAIL, "source": "tok_visa"})
    with app.app_context():
        from app.access import ensure_buyer

        ensure_buyer(EMAIL).stripe_customer_id_test = customer.id
        db.session.commit()
    _backfill(cli)  # saved by the token flow before the store kept cards
    _sign_in_by_link(client, app)
    html = client.get("/courses/python-jumpstart/one-click").get_data(as_text=True)
    card_id = html.split('name="card_id" type="hidden" value="')[1].split('"')[0]
    assert card_id == customer.default_source
    client.post("/courses/python-jumpstart/one-click",
                data={"csrf_token": csrf_from(html), "card_id": card_id})
    order = _order(app)
    assert order.status == OrderStatus.PAID
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.payment_intent == order.payment_intent_id and charge.customer == customer.id


def test_an_intent_order_refunds_from_the_admin(client, app, course, emulator, stripe_sdk):
    from app.admin.auth import create_admin
    from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, KEY_RE, sign_in

    with app.app_context():
        create_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    admin_client = app.test_client()
    assert sign_in(admin_client).status_code == 302

    _, body = _start(client)
    _confirm(emulator, body["client_secret"])
    order = _order(app)
    client.get(f"/orders/{order.public_id}/return")
    html = admin_client.get(f"/admin/purchases/{order.reference}").get_data(as_text=True)
    assert order.payment_intent_id in html
    response = admin_client.post(f"/admin/purchases/{order.reference}/refund", data={
        "csrf_token": csrf_from(html), "idempotency_key": KEY_RE.search(html).group(1),
        "amount": "69.00", "reason": "requested_by_customer", "confirm": "y"})
    assert response.status_code == 302
    assert _order(app).status == OrderStatus.REFUNDED
    [refund] = stripe_sdk.v1.refunds.list(params={"charge": order.charge_id}).data
    assert (refund.amount, refund.payment_intent) == (6900, order.payment_intent_id)


def test_the_token_checkout_is_refused_in_this_flow(client, course, card_token):
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert 'id="payment-element"' in page and 'name="stripeToken"' not in page
    response = client.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(), "stripeEmail": EMAIL})
    assert response.status_code == 404


@pytest.mark.parametrize("data", [
    {"email": "not-an-email"}, {"email": ""}, {"email": "a@b"}, {},
    {"email": "x" * 300 + "@example.com"},
])
def test_bad_input_gets_a_clear_400(client, course, data):
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    response = client.post("/courses/python-jumpstart/payment-intent",
                           data={"csrf_token": csrf_from(page), **data})
    assert response.status_code == 400 and response.get_json()["error"]
    no_csrf = client.post("/courses/python-jumpstart/payment-intent", data={"email": EMAIL})
    assert no_csrf.status_code == 400


def _sign_in_by_link(client, app):
    from app.access import mint_link

    with app.app_context():
        raw = mint_link(email=EMAIL, purpose="sign_in")
    page = client.get(f"/account/link/{raw}")
    done = client.post(f"/account/link/{raw}",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 302


def test_saving_needs_a_session_proven_by_the_link(client, app, course, stripe_sdk):
    """An anonymous Pay with "save" ticked pays without saving: no customer is made."""
    _, body = _start(client, save=True)
    order = _order(app)
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert intent.setup_future_usage is None and intent.customer is None
    assert stripe_sdk.v1.customers.list().data == []


def test_the_worker_cancels_an_abandoned_intent_and_releases_the_order(
        client, app, course, stripe_sdk):
    """Without cron's reconcile, the background worker's pass (`settle_due`, the thread
    in every serving process and `flask worker`) cancels an intent nobody paid for
    PAYMENT_INTENT_ABANDON_SECONDS, so the buyer can start again from another browser;
    a younger one is left to its buyer."""
    from app.flows import settle_due

    _start(client)
    _start(client, email="young@example.com")
    order, young = _order(app), _order(app, "young@example.com")
    with app.app_context():
        db.session.execute(update(PaymentAttempt).where(
            PaymentAttempt.order_id == order.id).values(
            created_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
        settle_due()
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert (intent.status, intent.cancellation_reason) == ("canceled", "abandoned")
    assert _order(app).status == OrderStatus.FAILED
    assert stripe_sdk.v1.payment_intents.retrieve(young.payment_intent_id).status == \
        "requires_payment_method"
    assert _order(app, "young@example.com").status == OrderStatus.PENDING
    other_browser = app.test_client()
    status, body = _start(other_browser)  # not "under way in another window"
    assert status == 200 and body["client_secret"] != intent.client_secret


@pytest.mark.parametrize("change", [{"amount": 100}, {"currency": "eur"}])
def test_an_intent_changed_to_another_price_never_pays_the_order(
        client, app, course, emulator, stripe_sdk, change):
    """The order's intent changed after the store created it (its amount or currency
    edited by another integration or in the dashboard) and paid: the $69 order is not
    paid by it, on the return page or by its webhook; the admin is left to decide."""
    _, body = _start(client)
    intent_id = body["client_secret"].split("_secret_")[0]
    stripe_sdk.v1.payment_intents.update(intent_id, params=change)
    assert _confirm(emulator, body["client_secret"])[0] == 200
    order = _order(app)
    client.get(f"/orders/{order.public_id}/return")
    intent = stripe_sdk.v1.payment_intents.retrieve(intent_id)
    assert _post_event(client, "payment_intent.succeeded", intent.to_dict(), "evt_pi"
                       ).status_code == 200
    order = _order(app)
    assert order.status == OrderStatus.PENDING and order.payment.charge_id is None
    with app.app_context():
        assert db.session.scalars(select(Access)).all() == []


def test_reloading_the_return_page_does_not_call_stripe_each_time(
        client, app, course, emulator, emulator_control):
    """The return page is a public GET: each visit read the intent from Stripe, so anyone
    holding an order's address could spend the store's Stripe rate limit (and every
    buyer's checkout with it). The first visit reads Stripe at once; then at most once
    a second per attempt; a paid order's never."""
    _, body = _start(client)
    order = _order(app)
    stranger = app.test_client()
    emulator_control.clear_requests()
    for _ in range(30):
        assert stranger.get(f"/orders/{order.public_id}/return").status_code == 302
    reads = [r for r in emulator_control.requests() if r["method"] == "GET"]
    assert 1 <= len(reads) <= 3, reads
    time.sleep(1.1)
    assert _confirm(emulator, body["client_secret"])[0] == 200
    back = client.get(f"/orders/{order.public_id}/return")  # the buyer's own return
    assert back.headers["Location"] == f"/orders/{order.public_id}"
    assert _order(app).status == OrderStatus.PAID  # read at once
    emulator_control.clear_requests()
    for _ in range(10):
        stranger.get(f"/orders/{order.public_id}/return")
    assert emulator_control.requests() == []


def test_check_again_pressed_in_a_loop_asks_stripe_a_few_times_a_minute(
        client, app, course, emulator_control):
    """"Check again now" needs only some session's CSRF token: pressed in a loop by
    anyone holding the order's address, each press was a Stripe call. A few presses a
    minute per order ask Stripe; the rest show the receipt as it stands."""
    from app.checkout.services import CHECK_AGAIN_LIMIT

    _start(client)
    order = _order(app)
    stranger = app.test_client()
    page = stranger.get(f"/orders/{order.public_id}").get_data(as_text=True)
    csrf = csrf_from(page)
    emulator_control.clear_requests()
    for _ in range(CHECK_AGAIN_LIMIT + 15):
        pressed = stranger.post(f"/orders/{order.public_id}/check",
                                data={"csrf_token": csrf})
        assert pressed.status_code == 302
    assert 1 <= len(emulator_control.requests()) <= CHECK_AGAIN_LIMIT
    assert _order(app).status == OrderStatus.PENDING
