"""Checkout through the real stripe-python SDK against the offline emulator."""

import logging
import threading
import time

import pytest

from app.extensions import db
from app.models import OrderStatus
from app.payments.client import build_client

LIVE_LOOKING_KEY = "sk_live_" + "notallowedhere"  # split so secret scanners stay quiet


def _charges_for(stripe_sdk, reference):
    result = stripe_sdk.v1.charges.search(
        params={"query": f"metadata['order_id']:'{reference}'"}
    )
    return result.data


def test_purchase_charges_the_course_price_and_stores_the_charge(
    make_course, card_token, checkout, orders, stripe_sdk, client
):
    """A paid order stores the charge fields; Stripe got cents, description, metadata."""
    make_course()
    response = checkout("python-jumpstart", card_token(), email="ada@example.com")
    assert response.status_code == 302
    [order] = orders()
    assert response.headers["Location"] == f"/orders/{order.public_id}"
    assert order.status == OrderStatus.PAID
    assert (order.payment.status == "succeeded") is True and order.paid_at is not None
    assert order.amount == 6900 and order.currency == "usd"
    assert order.charge_id.startswith("ch_")
    assert (order.payment.card_brand, order.payment.card_last4) == ("visa", "4242")
    payment = order.payment
    assert (payment.card_exp_month, payment.card_exp_year, payment.card_country) == (
        12, 2034, "US")
    assert order.payment.outcome_type == "authorized"
    assert order.payment.outcome_risk_level == "normal"
    assert order.payment.outcome_seller_message
    assert order.payment.receipt_url.startswith("http")
    assert order.payment.balance_transaction_id.startswith("txn_")
    assert order.livemode is False
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.amount == 6900
    assert charge.currency == "usd"
    assert charge.description == "Python Jumpstart — Course Shop"
    assert charge.metadata["order_id"] == order.reference
    assert charge.metadata["course"] == "python-jumpstart"
    assert charge.receipt_email == "ada@example.com"
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in (order.reference, "$69.00", "Visa •••• 4242", "Python Jumpstart",
                 order.payment.receipt_url):
        assert text in receipt


def test_zero_decimal_course_is_charged_in_whole_yen(make_course, card_token, checkout,
                                                     orders, stripe_sdk):
    """¥5,000 is sent as amount=5000, currency=jpy."""
    make_course(slug="nihongo", title="Nihongo", price="5000", currency="jpy")
    checkout("nihongo", card_token())
    [order] = orders()
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert (charge.amount, charge.currency) == (5000, "jpy")


def test_amounts_sent_by_the_client_are_ignored(make_course, card_token, checkout, orders,
                                                stripe_sdk):
    """Posting an amount or currency changes nothing: the price comes from the database."""
    make_course()
    checkout("python-jumpstart", card_token(),
             extra={"amount": "1", "price_minor": "50", "currency": "jpy"})
    [order] = orders()
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert (charge.amount, charge.currency) == (6900, "usd")


@pytest.mark.parametrize(
    ("number", "message", "code", "decline_code", "outcome"),
    [
        ("4000000000009995", "Your card has insufficient funds.", "card_declined",
         "insufficient_funds", "issuer_declined"),
        ("4000000000000002", "Your card was declined.", "card_declined",
         "generic_decline", "issuer_declined"),
        ("4000000000000069", "Your card has expired.", "expired_card", None,
         "issuer_declined"),
        ("4100000000000019", "Your card was declined.", "card_declined", "fraudulent",
         "blocked"),
    ],
)
def test_declined_card_returns_to_the_course_page_with_stripes_message(
    make_course, card_token, checkout, orders, stripe_sdk, number, message, code,
    decline_code, outcome,
):
    """A decline shows Stripe's message on the course page and records a failed order."""
    make_course()
    response = checkout("python-jumpstart", card_token(number))
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses/python-jumpstart#checkout"
    [order] = orders()
    assert order.status == OrderStatus.FAILED
    assert (order.payment.status == "succeeded") is False
    assert order.payment.failure_code == code
    if decline_code:
        assert order.payment.decline_code == decline_code
    assert order.payment.failure_message == message
    assert order.payment.outcome_type == outcome
    assert order.charge_id.startswith("ch_")
    [charge] = _charges_for(stripe_sdk, order.reference)
    assert charge.status == "failed"


def test_decline_message_is_shown_after_redirect(make_course, card_token, checkout):
    """The course page the buyer lands on shows the decline message."""
    make_course()
    response = checkout("python-jumpstart", card_token("4000000000009995"), follow=True)
    html = response.get_data(as_text=True)
    assert "Your card has insufficient funds." in html
    assert 'id="checkout-form"' in html
    assert 'value="buyer@example.com"' in html  # the buyer need not retype the email


def test_replayed_post_with_the_same_token_charges_once(make_course, card_token, checkout,
                                                        orders, stripe_sdk):
    """Reposting the form (back button, refresh) shows the same order, no second charge."""
    make_course()
    token = card_token()
    first = checkout("python-jumpstart", token)
    second = checkout("python-jumpstart", token)
    assert first.headers["Location"] == second.headers["Location"]
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert len(_charges_for(stripe_sdk, order.reference)) == 1


def test_double_click_in_flight_charges_once(app, make_course, card_token, orders,
                                             stripe_sdk, emulator_control):
    """Two simultaneous POSTs of one token (a double click) create one order and one charge."""
    from tests.storefront.conftest import csrf_token

    make_course()
    token = card_token()
    emulator_control.set_latency(ms=300)
    clients = [app.test_client() for _ in range(2)]
    forms = [{"csrf_token": csrf_token(c, "python-jumpstart"), "stripeToken": token,
              "stripeEmail": "ada@example.com"} for c in clients]
    statuses = []

    def submit(c, form):
        statuses.append(c.post("/courses/python-jumpstart/checkout", data=form).status_code)

    pairs = zip(clients, forms, strict=True)
    threads = [threading.Thread(target=submit, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [302, 302]
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert len(_charges_for(stripe_sdk, order.reference)) == 1


def test_order_is_committed_pending_before_stripe_is_called(app, make_course, card_token,
                                                            checkout, orders,
                                                            emulator_control):
    """While the charge request is in flight the order already exists as pending."""
    make_course()
    token = card_token()
    emulator_control.set_latency(ms=800)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(checkout("python-jumpstart", token)))
    thread.start()
    deadline = time.monotonic() + 5
    in_flight = []
    while time.monotonic() < deadline and not in_flight:
        in_flight = [o for o in orders() if o.status == OrderStatus.PENDING]
        time.sleep(0.05)
    thread.join(timeout=30)
    assert in_flight, "no pending order was visible while Stripe was being called"
    assert in_flight[0].payment.idempotency_key == f"order-{in_flight[0].public_id}-charge"
    assert orders()[0].status == OrderStatus.PAID


def test_token_used_elsewhere_is_refused_without_a_new_charge(
    make_course, card_token, checkout, orders, stripe_sdk, client
):
    """Stripe's token_already_used gives a plain message with the reference; nothing charged."""
    make_course()
    token = card_token()
    stripe_sdk.v1.charges.create(params={"amount": 100, "currency": "usd", "source": token})
    response = checkout("python-jumpstart", token, follow=True)
    [order] = orders()
    assert order.status == OrderStatus.FAILED
    assert order.payment.failure_code == "token_already_used"
    html = response.get_data(as_text=True)
    assert order.reference in html
    assert "have not been charged" in html
    assert _charges_for(stripe_sdk, order.reference) == []


def test_stripe_outage_keeps_the_order_pending_and_tells_the_buyer(
    make_course, card_token, checkout, orders, stripe_sdk, emulator_control, client
):
    """A 500 from Stripe leaves a pending order and a message with its reference."""
    make_course()
    emulator_control.inject_fault(status=500, count=5, path="/v1/charges", method="POST")
    response = checkout("python-jumpstart", card_token(), follow=True)
    [order] = orders()
    assert order.status == OrderStatus.PENDING
    assert "Stripe unavailable" in order.payment.failure_message
    html = response.get_data(as_text=True)
    assert order.reference in html
    assert "do not pay again" in html
    assert "Traceback" not in html


def test_sdk_retry_after_a_500_charges_once(app, make_course, card_token, checkout, orders,
                                            stripe_sdk, emulator_control):
    """With network retries on, a transient 500 is retried under the same key: one charge."""
    make_course()
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 2
    try:
        emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                      method="POST")
        checkout("python-jumpstart", card_token())
    finally:
        app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert len(_charges_for(stripe_sdk, order.reference)) == 1


def test_lost_response_is_settled_by_reconcile(make_course, card_token, checkout, orders,
                                               stripe_sdk, emulator_control, cli):
    """Stripe charged but the answer was lost: reconcile finds the charge and pays the order."""
    make_course()
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                  method="POST")
    checkout("python-jumpstart", card_token())
    [order] = orders()
    assert order.status == OrderStatus.PENDING
    assert len(_charges_for(stripe_sdk, order.reference)) == 1
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert f"{order.reference}: paid" in result.output
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert order.payment.card_last4 == "4242"


def test_reconcile_completes_an_order_whose_request_never_reached_stripe(
    make_course, card_token, checkout, orders, emulator_control, cli, stripe_sdk
):
    """The request was lost on the way: repeating it under its key performs it, once."""
    make_course()
    emulator_control.inject_fault(mode="drop", count=1, path="/v1/charges", method="POST")
    checkout("python-jumpstart", card_token())
    [order] = orders()
    assert order.status == OrderStatus.PENDING
    assert _charges_for(stripe_sdk, order.reference) == []
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert f"{order.reference}: paid" in result.output
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert len(_charges_for(stripe_sdk, order.reference)) == 1
    cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert len(_charges_for(stripe_sdk, order.reference)) == 1


def test_reconcile_fails_a_lost_request_whose_card_is_declined(
    make_course, card_token, checkout, orders, emulator_control, cli, stripe_sdk
):
    """Repeating a lost request for a declined card gives Stripe's decline: failed, no charge."""
    make_course()
    emulator_control.inject_fault(mode="drop", count=1, path="/v1/charges", method="POST")
    checkout("python-jumpstart", card_token("4000000000009995"))
    assert orders()[0].status == OrderStatus.PENDING
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    [order] = orders()
    assert order.status == OrderStatus.FAILED
    assert order.payment.decline_code == "insufficient_funds"
    assert [c.status for c in _charges_for(stripe_sdk, order.reference)] == ["failed"]


def test_card_token_end_of_life_tells_the_operator_what_to_enable(
    make_course, card_token, checkout, orders, emulator_control, caplog
):
    """Stripe's end-of-life refusal: generic message for the buyer, exact fix in the log."""
    make_course()
    emulator_control.set_policy(card_tokens_end_of_life=True)
    with caplog.at_level(logging.ERROR, logger="app.payments.errors"):
        response = checkout("python-jumpstart", card_token(), follow=True)
    [order] = orders()
    assert order.status == OrderStatus.FAILED
    html = response.get_data(as_text=True)
    assert "have not been charged" in html
    assert "end of life" not in html
    assert "api-policies" in caplog.text
    assert "Enable" in caplog.text


def test_rejected_key_is_a_configuration_failure(app, make_course, card_token, checkout,
                                                 orders, caplog):
    """A key Stripe refuses fails the order plainly and logs what to check."""
    make_course()
    previous = app.extensions.get("stripe_client")
    app.extensions["stripe_client"] = build_client(
        {**app.config, "STRIPE_SECRET_KEY": LIVE_LOOKING_KEY}
    )
    try:
        with caplog.at_level(logging.ERROR, logger="app.payments.errors"):
            response = checkout("python-jumpstart", card_token(), follow=True)
    finally:
        app.extensions["stripe_client"] = previous
    [order] = orders()
    assert order.status == OrderStatus.FAILED
    assert order.payment.failure_code == "configuration"
    assert "STRIPE_SECRET_KEY" in caplog.text
    html = response.get_data(as_text=True)
    assert LIVE_LOOKING_KEY not in html
    assert "have not been charged" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"stripeEmail": ""}, "Enter your email address"),
        ({"stripeEmail": "not-an-email"}, "Enter a valid email address"),
        ({"stripeToken": ""}, "did not reach us"),
        ({"stripeToken": "tok_bad token!"}, "Invalid card token"),
        ({"stripeToken": "ch_123"}, "Invalid card token"),
    ],
)
def test_invalid_checkout_form_is_refused_clearly(make_course, card_token, checkout, orders,
                                                  fields, message):
    """Bad input gets a 400 with a clear message and creates no order."""
    make_course()
    data = {"stripeToken": card_token(), "stripeEmail": "ada@example.com", **fields}
    response = checkout("python-jumpstart", data["stripeToken"], data["stripeEmail"])
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert orders() == []


def test_missing_csrf_token_is_refused(make_course, card_token, client, orders):
    """A POST without the CSRF token is refused and creates no order."""
    make_course()
    response = client.post("/courses/python-jumpstart/checkout",
                           data={"stripeToken": card_token(), "stripeEmail": "a@b.co"})
    assert response.status_code == 400
    assert "session expired" in response.get_data(as_text=True)
    assert orders() == []


def test_archived_course_cannot_be_bought(app, make_course, card_token, checkout, orders):
    """An archived course's page and checkout answer 404."""
    from app.catalog.services import update_course
    from tests.storefront.conftest import csrf_token

    make_course()
    buyer = app.test_client()
    form = {"csrf_token": csrf_token(buyer, "python-jumpstart"),
            "stripeToken": card_token(), "stripeEmail": "ada@example.com"}
    with app.app_context():
        update_course("python-jumpstart", active=False)
        db.session.remove()
    assert buyer.get("/courses/python-jumpstart").status_code == 404
    response = buyer.post("/courses/python-jumpstart/checkout", data=form)
    assert response.status_code == 404
    assert orders() == []


def test_unknown_receipt_is_404(client):
    """Receipts are only reachable by their unguessable id."""
    assert client.get("/orders/not-a-real-id").status_code == 404


def test_rate_limited_charge_fails_plainly_and_can_be_retried(
    make_course, card_token, checkout, orders, stripe_sdk, emulator_control
):
    """A 429 was not performed by Stripe: the order fails, the buyer may simply retry."""
    make_course()
    emulator_control.inject_fault(status=429, count=1, path="/v1/charges", method="POST")
    response = checkout("python-jumpstart", card_token(), follow=True)
    [order] = orders()
    assert order.status == OrderStatus.FAILED
    assert order.payment.failure_code == "rate_limited"
    html = response.get_data(as_text=True)
    assert "busy" in html and order.reference in html
    assert _charges_for(stripe_sdk, order.reference) == []
    retry = checkout("python-jumpstart", card_token())
    assert retry.status_code == 302
    assert orders()[1].status == OrderStatus.PAID


def test_charge_carries_the_order_derived_idempotency_key(make_course, card_token, checkout,
                                                           orders, stripe_sdk):
    """The same request under the order's key replays the same charge: the key was sent."""
    make_course()
    token = card_token()
    checkout("python-jumpstart", token, email="ada@example.com")
    [order] = orders()
    assert order.payment.idempotency_key == f"order-{order.public_id}-charge"
    params = {"amount": 6900, "currency": "usd", "source": token,
              "description": "Python Jumpstart — Course Shop",
              "metadata": {"order_id": order.reference, "course": "python-jumpstart"},
              "receipt_email": "ada@example.com"}
    replay = stripe_sdk.v1.charges.create(
        params=params, options={"idempotency_key": order.payment.idempotency_key}
    )
    assert replay.id == order.charge_id
    assert replay.last_response.headers.get("Idempotent-Replayed") == "true"


@pytest.mark.parametrize("first_number", ["4242424242424242", None])
def test_second_purchase_of_a_course_by_the_same_email_is_refused(
    make_course, card_token, checkout, orders, stripe_sdk, emulator_control, first_number
):
    """A buyer who re-enters their card (new token) after a paid or still-pending order is not
    charged again, and is not shown the other order's receipt."""
    make_course()
    if first_number is None:  # the first answer was lost: that order is still pending
        emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                      method="POST")
    checkout("python-jumpstart", card_token(), email="Ada@Example.com")
    [first] = orders()
    response = checkout("python-jumpstart", card_token(), email="ada@example.com",
                        follow=True)
    html = response.get_data(as_text=True)
    assert "we did not charge you again" in html
    assert first.public_id not in html and first.reference not in html
    assert response.request.path == "/courses/python-jumpstart"
    assert len(orders()) == 1
    assert len(stripe_sdk.v1.charges.list(params={"limit": 10}).data) == 1


def test_a_failed_attempt_does_not_block_paying(make_course, card_token, checkout, orders):
    """After a decline the same buyer can pay with another card: neither the same-email guard
    nor the decline throttle (below its limit) stands in the way."""
    make_course()
    checkout("python-jumpstart", card_token("4000000000009995"))
    checkout("python-jumpstart", card_token())
    assert [o.status for o in orders()] == [OrderStatus.FAILED, OrderStatus.PAID]


def test_other_buyers_and_other_courses_are_not_blocked(make_course, card_token, checkout,
                                                        orders):
    """The guard is per course and per email."""
    make_course()
    make_course(slug="sql", title="SQL", price="49.00", currency="eur")
    checkout("python-jumpstart", card_token(), email="ada@example.com")
    checkout("sql", card_token(), email="ada@example.com")
    checkout("python-jumpstart", card_token(), email="grace@example.com")
    assert [o.status for o in orders()] == [OrderStatus.PAID] * 3


def test_many_declines_from_one_address_pause_checkout(app, make_course, card_token,
                                                       checkout, orders, stripe_sdk,
                                                       emulator_control, monkeypatch):
    """Card testing: after CHECKOUT_MAX_DECLINES declines the address must wait; no charge."""
    monkeypatch.setitem(app.config, "CHECKOUT_MAX_DECLINES", 2)
    make_course()
    for email in ("a@example.com", "b@example.com"):
        checkout("python-jumpstart", card_token("4000000000000002"), email=email)
    response = checkout("python-jumpstart", card_token(), email="c@example.com", follow=True)
    html = response.get_data(as_text=True)
    assert "Too many declined payments" in html
    assert "minute" in html
    assert [o.status for o in orders()] == [OrderStatus.FAILED, OrderStatus.FAILED]
    charges = stripe_sdk.v1.charges.list(params={"limit": 10}).data
    assert [c.status for c in charges] == ["failed", "failed"]


def test_a_page_naming_a_policy_version_newer_than_this_process_knows_records_it(
        client, app, make_course, card_token):
    """The checkout records the policy versions from the per-process numbers the footer
    uses (POLICY_CACHE_SECONDS); a page rendered by another process after a save names a
    newer version than those: the numbers are read again and the order records what the
    buyer was shown, not the older cached one."""
    from sqlalchemy import select

    from app.models import Order, PolicyVersion
    from app.policies.services import forget_numbers
    from tests.helpers import csrf_from

    make_course()
    app.config["POLICY_CACHE_SECONDS"] = 60
    forget_numbers()
    try:
        with app.app_context():
            db.session.add(PolicyVersion(kind="terms", version=1, body="One.",
                                         created_by="owner@example.com"))
            db.session.commit()
        page = client.get("/courses/python-jumpstart").get_data(as_text=True)
        assert 'value="terms:1"' in page  # this process now holds terms v1
        with app.app_context():  # saved by another process: this one is not told
            db.session.add(PolicyVersion(kind="terms", version=2, body="Two.",
                                         created_by="owner@example.com"))
            db.session.commit()
        response = client.post("/courses/python-jumpstart/checkout", data={
            "csrf_token": csrf_from(page), "stripeToken": card_token(),
            "stripeEmail": "ada@example.com", "policy_versions": "terms:2"})
        assert response.status_code == 302
        with app.app_context():
            order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
            assert (order.status, order.terms_version) == (OrderStatus.PAID, 2)
    finally:
        app.config["POLICY_CACHE_SECONDS"] = 0
        forget_numbers()
