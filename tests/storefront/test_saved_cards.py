"""Saved cards through the real SDK against the emulator: saving at checkout (Customer
create / add card, then the charge), one-click purchases, removing the card, and faults
between and during the two calls — always exactly one customer and one charge."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Buyer, Order, OrderStatus, Throttle
from tests.helpers import check_again, csrf_from, deliver_events, sign_in_by_link

EMAIL = "ada@example.com"
VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
CUSTOMER_FAIL = "4000000000000341"  # attaches, then every charge is declined
INSUFFICIENT = "4000000000009995"  # declined already when attached


def _customers(stripe_sdk, email=EMAIL):
    return stripe_sdk.v1.customers.list(params={"email": email, "limit": 100}).data


def _charges(stripe_sdk):
    return stripe_sdk.v1.charges.list(params={"limit": 100}).data


def _sources(stripe_sdk, customer_id):
    return stripe_sdk.v1.customers.payment_sources.list(
        customer_id, params={"object": "card"}).data


def _buyer(app, email=EMAIL):
    with app.app_context():
        buyer = db.session.scalar(select(Buyer).where(Buyer.email == email))
        if buyer is not None:
            db.session.expunge(buyer)
        return buyer


def _order(app, order_id):
    with app.app_context():
        order = db.session.get(Order, order_id)
        db.session.expunge(order)
        return order


def _sign_in(client, app, email=EMAIL):
    """Sign in with a real emailed link: saving and using a card need that."""
    sign_in_by_link(client, app, email)


@pytest.fixture
def pay(client, card_token, make_course, app, orders, emulator_control):
    """Token checkout of a course (created on first use), optionally saving the card."""

    def post(slug="python-jumpstart", number=VISA, email=EMAIL, save=True, token=None,
             follow=False, sign_in=None):
        """`sign_in`: by default a saving checkout signs in with a link first (saving
        needs it); False pays as whatever this browser is."""
        from app.catalog.services import get_course

        if save and sign_in is not False:
            _sign_in(client, app, email)

        with app.app_context():
            if get_course(slug) is None:
                make_course(slug=slug, title=slug.replace("-", " ").title())
        page = client.get(f"/courses/{slug}")
        data = {"csrf_token": csrf_from(page.get_data(as_text=True)),
                "stripeToken": token or card_token(number), "stripeEmail": email}
        if save:
            data["save_card"] = "y"
        response = client.post(f"/courses/{slug}/checkout", data=data,
                               follow_redirects=follow)
        assert response.status_code in (200, 302), response.get_data(as_text=True)
        return response, orders()[-1]

    return post


@pytest.fixture
def one_click(client, make_course, app, orders):
    """GET the confirmation page of a one-click purchase and POST it; returns
    (confirmation page, response, newest order)."""

    def buy(slug="second-course", follow=False):
        from app.catalog.services import get_course

        with app.app_context():
            if get_course(slug) is None:
                make_course(slug=slug, title=slug.replace("-", " ").title())
        confirm = client.get(f"/courses/{slug}/one-click")
        assert confirm.status_code == 200, confirm.headers.get("Location")
        html = confirm.get_data(as_text=True)
        card_id = html.split('name="card_id" type="hidden" value="')[1].split('"')[0]
        response = client.post(f"/courses/{slug}/one-click", follow_redirects=follow,
                               data={"csrf_token": csrf_from(html), "card_id": card_id})
        return html, response, orders()[-1]

    return buy


# --- Saving at checkout -------------------------------------------------------------

def test_saving_the_card_creates_a_customer_and_charges_it(pay, app, stripe_sdk, client):
    """Ticked: Customer.create(email, metadata={buyer_id}) under the buyer's key, the card
    added to it as its default, then a charge of that card with the description and
    metadata.order_id; the id is kept on buyer and attempt."""
    response, order = pay()
    assert order.status == OrderStatus.PAID
    [customer] = _customers(stripe_sdk)
    assert customer.email == EMAIL
    assert customer.metadata["buyer_id"] == str(_buyer(app).id)
    [card] = _sources(stripe_sdk, customer.id)
    assert customer.default_source == card.id and card.last4 == "4242"
    [charge] = _charges(stripe_sdk)
    assert charge.customer == customer.id and charge.source.id == card.id
    assert charge.description == "Python Jumpstart — Course Shop"
    assert charge.metadata["order_id"] == order.reference
    assert order.charge_id == charge.id and order.payment.customer_id == customer.id
    assert order.payment.saved_card is False  # saved now, not paid with an earlier saved card
    assert order.payment.setup_request["kind"] == "add_card"  # the customer step is done
    assert order.payment.setup_request["idempotency_key"] == (
        f"buyer-{_buyer(app).id}-customer-test-1")
    assert order.payment.setup_request["card_key"] == f"order-{order.public_id}-card"
    assert order.payment.request["customer"] == customer.id
    assert order.payment.request["source"] == card.id
    buyer = _buyer(app)
    assert buyer.stripe_customer_id_test == customer.id
    assert buyer.stripe_customer_id_live is None


def test_without_the_tick_no_customer_is_made(pay, stripe_sdk, app):
    _, order = pay(save=False)
    assert order.status == OrderStatus.PAID
    assert _customers(stripe_sdk) == []
    [charge] = _charges(stripe_sdk)
    assert charge.customer is None and order.payment.setup_request is None
    assert order.payment.customer_id is None


def test_a_second_saved_card_joins_the_same_customer_as_its_default(pay, app, client,
                                                                    stripe_sdk):
    _, first = pay()
    _sign_in(client, app)
    _, second = pay(slug="second-course", number=MASTERCARD)
    assert second.status == OrderStatus.PAID
    [customer] = _customers(stripe_sdk)
    cards = _sources(stripe_sdk, customer.id)
    assert sorted(c.last4 for c in cards) == ["4242", "4444"]
    default = next(c for c in cards if c.id == customer.default_source)
    assert default.last4 == "4444"
    assert second.payment.setup_request["kind"] == "add_card"
    assert "idempotency_key" not in second.payment.setup_request  # no customer was made
    assert second.payment.setup_request["card_key"] == f"order-{second.public_id}-card"
    assert stripe_sdk.v1.charges.retrieve(second.charge_id).source.id == default.id
    assert second.payment.customer_id == first.payment.customer_id == customer.id


def test_only_the_signed_in_owner_may_change_an_existing_customers_cards(pay, app, client,
                                                                         stripe_sdk):
    """Someone who merely knows the email cannot replace its owner's default card: the
    purchase goes through with the token, and the card is not saved."""
    pay()
    with client.session_transaction() as session:
        session.clear()
    response, order = pay(slug="second-course", number=MASTERCARD, follow=True,
                          sign_in=False)
    assert order.status == OrderStatus.PAID
    assert "Your card was not saved" in response.get_data(as_text=True)
    [customer] = _customers(stripe_sdk)
    assert [c.last4 for c in _sources(stripe_sdk, customer.id)] == ["4242"]
    assert stripe_sdk.v1.charges.retrieve(order.charge_id).customer is None
    assert order.payment.setup_request is None


@pytest.mark.parametrize(("number", "decline_code", "message"), [
    (INSUFFICIENT, "insufficient_funds", "insufficient funds"),
    ("4000000000000069", "expired_card", "your card has expired"),
])
def test_a_card_refused_when_saved_fails_the_order_and_counts_as_a_decline(
        number, decline_code, message, pay, app, stripe_sdk, client):
    response, order = pay(number=number, follow=True)
    assert order.status == OrderStatus.FAILED
    assert order.payment.failure_code in ("card_declined", "expired_card")
    assert order.payment.decline_code == decline_code
    html = response.get_data(as_text=True)
    assert message in html.lower() and 'id="card-element"' in html
    # The buyer's customer is made first (one per buyer, whatever the timing); the
    # refused card is not on it, and nothing was charged.
    [customer] = _customers(stripe_sdk)
    assert _sources(stripe_sdk, customer.id) == [] and _charges(stripe_sdk) == []
    with app.app_context():
        [row] = db.session.scalars(select(Throttle).where(Throttle.key.like("checkout-ip:%"))).all()
        assert row.failures == 1


def test_end_of_life_refusal_of_tokens_on_customers_is_a_clear_message(
        pay, app, stripe_sdk, emulator_control):
    emulator_control.set_policy(card_tokens_end_of_life=True)
    response, order = pay(follow=True)
    html = response.get_data(as_text=True)
    assert order.status == OrderStatus.FAILED
    assert order.payment.failure_code == "card_tokens_end_of_life"
    assert "We could not save your card" in html and 'id="card-element"' in html
    [customer] = _customers(stripe_sdk)
    assert _sources(stripe_sdk, customer.id) == [] and _charges(stripe_sdk) == []


def test_a_replayed_post_makes_no_second_customer(pay, card_token, stripe_sdk, orders):
    token = card_token()
    _, first = pay(token=token)
    _, again = pay(token=token)
    assert again.id == first.id and len(orders()) == 1
    assert len(_customers(stripe_sdk)) == 1 and len(_charges(stripe_sdk)) == 1


# --- Faults between and during the two calls ----------------------------------------

FAULTS = [
    ("drop", "/v1/customers"), ("drop_response", "/v1/customers"),
    ("status", "/v1/customers"),
    ("drop", "/v1/charges"), ("drop_response", "/v1/charges"), ("status", "/v1/charges"),
]


@pytest.mark.parametrize(("mode", "path"), FAULTS)
def test_a_lost_or_failed_answer_settles_to_one_customer_and_one_charge(
        mode, path, pay, app, client, emulator_control, stripe_sdk):
    """The order stays pending; "Check again" repeats the customer step and the charge
    under the same keys: one customer, one charge, paid."""
    emulator_control.inject_fault(mode=mode, status=500, count=1, path=path, method="POST")
    response, order = pay()
    assert order.status == OrderStatus.PENDING
    assert order.payment.setup_request is not None
    if path == "/v1/customers":
        assert order.payment.request is None  # the charge was never sent
    assert check_again(client, order.public_id).status_code == 200
    order = _order(app, order.id)
    assert order.status == OrderStatus.PAID
    [customer] = _customers(stripe_sdk)
    [charge] = _charges(stripe_sdk)
    assert charge.customer == customer.id and order.charge_id == charge.id
    assert _buyer(app).stripe_customer_id_test == customer.id


@pytest.mark.parametrize("mode", ["drop_response", "status"])
def test_a_lost_answer_adding_a_second_card_adds_it_once(mode, pay, app, client,
                                                         emulator_control, stripe_sdk):
    pay()
    _sign_in(client, app)
    [customer] = _customers(stripe_sdk)
    emulator_control.inject_fault(mode=mode, status=500, count=1,
                                  path=f"/v1/customers/{customer.id}/sources", method="POST")
    _, order = pay(slug="second-course", number=MASTERCARD)
    assert order.status == OrderStatus.PENDING
    check_again(client, order.public_id)
    order = _order(app, order.id)
    assert order.status == OrderStatus.PAID
    assert sorted(c.last4 for c in _sources(stripe_sdk, customer.id)) == ["4242", "4444"]
    assert len(_charges(stripe_sdk)) == 2 and len(_customers(stripe_sdk)) == 1


def _pending_saving_order(app, course, token):
    """An order as the checkout commits it before its first Stripe call."""
    from app.access.services import ensure_buyer
    from app.checkout.services import place_pending

    with app.test_request_context("/"):
        buyer = ensure_buyer(EMAIL)
        db.session.commit()
        course = db.session.merge(course)
        order, created = place_pending(course, EMAIL, flow="charges", token=token,
                                       find_existing=lambda: None, save_for=buyer)
        assert created
        return order.id


@pytest.mark.parametrize("stage", ["before_customer", "customer_unrecorded",
                                   "between_calls"])
def test_a_crash_at_any_point_is_settled_from_a_fresh_request(
        stage, app, make_course, card_token, client, stripe_sdk, cli, emulator_control):
    """A worker killed before the customer call, after Stripe made the customer but before
    we stored it, or between the customer and the charge: `flask orders reconcile` (a
    fresh process state) finishes it with one customer and one charge."""
    from app import payments
    from app.flows import customer_step

    course = make_course()
    order_id = _pending_saving_order(app, course, card_token())
    if stage == "customer_unrecorded":
        with app.test_request_context("/"):
            request = db.session.get(Order, order_id).payment.setup_request
            payments.create_customer(request["params"],
                                     idempotency_key=request["idempotency_key"])
    elif stage == "between_calls":
        with app.test_request_context("/"):
            order = db.session.get(Order, order_id)
            assert customer_step.run(order.payment, first=True) is None  # no charge yet
        assert _charges(stripe_sdk) == []
    with app.app_context():
        db.session.remove()
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    order = _order(app, order_id)
    assert order.status == OrderStatus.PAID, result.output
    [customer] = _customers(stripe_sdk)
    [charge] = _charges(stripe_sdk)
    assert charge.customer == customer.id == order.payment.customer_id


# --- One click ----------------------------------------------------------------------

def test_one_click_charges_the_saved_card_of_the_signed_in_buyer(
        pay, one_click, app, client, stripe_sdk):
    pay()
    page = client.get("/courses/second-course")  # not created yet: 404
    assert page.status_code == 404
    _sign_in(client, app)
    html, response, order = one_click()
    assert "Visa •••• 4242" in html and "$69.00" in html
    assert response.status_code == 302
    assert response.headers["Location"] == f"/orders/{order.public_id}"
    assert order.status == OrderStatus.PAID and order.payment.saved_card is True
    [customer] = _customers(stripe_sdk)
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.customer == customer.id == order.payment.customer_id
    assert charge.source.id == customer.default_source
    assert charge.description == "Second Course — Course Shop"
    assert charge.metadata["order_id"] == order.reference
    assert order.payment.idempotency_key == f"order-{order.public_id}-charge"
    assert order.payment.stripe_token is None
    # Owned now: neither course page offers the button any more.
    for slug in ("python-jumpstart", "second-course"):
        assert "one-click-button" not in client.get(f"/courses/{slug}").get_data(as_text=True)


def test_the_button_shows_only_to_a_signed_in_buyer_with_a_saved_card(
        pay, app, client, make_course):
    make_course(slug="other", title="Other")
    assert "one-click-button" not in client.get("/courses/other").get_data(as_text=True)
    pay(save=False)
    _sign_in(client, app)
    assert "one-click-button" not in client.get("/courses/other").get_data(as_text=True)
    assert client.get("/courses/other/one-click").status_code == 302  # no card: back
    pay(slug="third", save=True)
    page = client.get("/courses/other").get_data(as_text=True)
    assert "Pay $69.00 with Visa •••• 4242" in page


def test_the_button_shows_from_the_stored_card_while_stripe_is_down(
        pay, app, client, make_course, emulator_control):
    """The button is read from the database: Stripe failing every request changes
    nothing on the page, and the page sends Stripe nothing."""
    pay()
    _sign_in(client, app)
    make_course(slug="other", title="Other")
    emulator_control.inject_fault(status=500, count=50)
    emulator_control.clear_requests()
    page = client.get("/courses/other")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Pay $69.00 with Visa •••• 4242" in html and 'id="card-element"' in html
    assert emulator_control.requests() == []


@pytest.mark.parametrize("token", [None, "tok_visa_chargeCustomerFailStolenCard"])
def test_a_declined_saved_card_gives_a_message_and_the_card_form(
        token, pay, one_click, app, client, stripe_sdk):
    """tok_chargeCustomerFail-style cards: attach, then their charges are declined."""
    _, first = pay(number=CUSTOMER_FAIL, token=token)
    assert first.status == OrderStatus.FAILED  # saved, but the first charge declined too
    assert len(_customers(stripe_sdk)) == 1
    _sign_in(client, app)
    _, response, order = one_click()
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses/second-course#checkout"
    assert order.status == OrderStatus.FAILED and order.payment.saved_card is True
    assert order.payment.failure_code == "card_declined" and order.charge_id
    html = client.get("/courses/second-course").get_data(as_text=True)
    assert "Your card was declined" in html
    assert stripe_sdk.v1.charges.retrieve(order.charge_id).customer == order.payment.customer_id
    assert 'id="card-element"' in html and "one-click-button" not in html
    with app.app_context():
        [row] = db.session.scalars(select(Throttle).where(Throttle.key.like("checkout-ip:%"))).all()
        assert row.failures == 2  # both declines count against the address


def test_one_click_keeps_working_when_card_tokens_reach_end_of_life(
        pay, one_click, app, client, emulator_control, stripe_sdk):
    """The refusal is about tokens; a saved card (card_…) of a customer still pays."""
    pay()
    _sign_in(client, app)
    emulator_control.set_policy(card_tokens_end_of_life=True)
    _, _, order = one_click()
    assert order.status == OrderStatus.PAID


def test_one_click_twice_charges_once(pay, one_click, app, client, stripe_sdk):
    pay()
    _sign_in(client, app)
    html, _, order = one_click()
    card_id = html.split('name="card_id" type="hidden" value="')[1].split('"')[0]
    again = client.post("/courses/second-course/one-click",
                        data={"csrf_token": csrf_from(html), "card_id": card_id},
                        follow_redirects=True)
    assert "did not charge you again" in again.get_data(as_text=True)
    assert len(_charges(stripe_sdk)) == 2  # the first course and this one, once


@pytest.mark.parametrize("mode", ["drop", "drop_response", "status"])
def test_one_click_with_a_lost_answer_settles_to_one_charge(
        mode, pay, one_click, app, client, emulator_control, stripe_sdk):
    pay()
    _sign_in(client, app)
    client.get("/courses/python-jumpstart")
    emulator_control.inject_fault(mode=mode, status=500, count=1, path="/v1/charges",
                                  method="POST")
    _, response, order = one_click()
    assert order.status == OrderStatus.PENDING
    check_again(client, order.public_id)
    assert _order(app, order.id).status == OrderStatus.PAID
    assert len(_charges(stripe_sdk)) == 2


@pytest.mark.parametrize(("data", "status"), [
    ({}, 302), ({"card_id": ""}, 302), ({"card_id": "tok_visa"}, 302),
    ({"card_id": "card_\x00x"}, 400),  # the request guard refuses NUL bytes
    ({"card_id": "card_" + "x" * 5000}, 302), ({"card_id": ["card_a", "card_b"]}, 302),
])
def test_malformed_one_click_posts_charge_nothing(data, status, pay, app, client,
                                                  stripe_sdk, make_course):
    pay()
    _sign_in(client, app)
    make_course(slug="other", title="Other")
    html = client.get("/courses/other/one-click").get_data(as_text=True)
    response = client.post("/courses/other/one-click",
                           data={"csrf_token": csrf_from(html), **data})
    assert response.status_code == status
    assert len(_charges(stripe_sdk)) == 1


def test_someone_elses_card_id_is_refused_before_stripe(pay, app, client, stripe_sdk,
                                                       make_course, card_token):
    pay()
    other = stripe_sdk.v1.customers.create(params={"source": "tok_mastercard"})
    _sign_in(client, app)
    make_course(slug="other", title="Other")
    html = client.get("/courses/other/one-click").get_data(as_text=True)
    response = client.post("/courses/other/one-click", follow_redirects=True, data={
        "csrf_token": csrf_from(html), "card_id": other.default_source})
    assert response.status_code == 200
    assert "you have not been charged" in response.get_data(as_text=True)
    assert len(_charges(stripe_sdk)) == 1


def test_one_click_needs_sign_in_and_csrf(pay, app, client, make_course, stripe_sdk):
    pay()
    make_course(slug="other", title="Other")
    with client.session_transaction() as session:
        session.clear()
    csrf = csrf_from(client.get("/courses/other").get_data(as_text=True))
    response = client.post("/courses/other/one-click",
                           data={"csrf_token": csrf, "card_id": "card_x"})
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    _sign_in(client, app)
    response = client.post("/courses/other/one-click", data={"card_id": "card_x"})
    assert response.status_code == 400  # no CSRF token
    assert len(_charges(stripe_sdk)) == 1


@pytest.mark.parametrize("value", ["", "y", "on", "0", "x" * 5000])
def test_any_save_card_value_is_a_checkbox_not_an_error(value, app, client, card_token,
                                                        make_course, stripe_sdk,
                                                        emulator_control):
    make_course()
    _sign_in(client, app)
    page = client.get("/courses/python-jumpstart")
    response = client.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "stripeToken": card_token(),
        "stripeEmail": EMAIL, "save_card": value})
    assert response.status_code == 302
    assert len(_charges(stripe_sdk)) == 1
    assert len(_customers(stripe_sdk)) == (0 if value == "" else 1)


def test_a_nul_byte_in_save_card_is_a_400_and_charges_nothing(app, client, card_token,
                                                                make_course, stripe_sdk,
                                                                emulator_control):
    make_course()
    page = client.get("/courses/python-jumpstart")
    response = client.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "stripeToken": card_token(),
        "stripeEmail": EMAIL, "save_card": "\x00"})
    assert response.status_code == 400
    assert _charges(stripe_sdk) == [] and _customers(stripe_sdk) == []


# --- Manage -------------------------------------------------------------------------

def test_account_shows_the_saved_card_and_removes_it_at_stripe(pay, app, client,
                                                               stripe_sdk, make_course):
    pay()
    _sign_in(client, app)
    make_course(slug="other", title="Other")
    html = client.get("/account").get_data(as_text=True)
    assert "Visa •••• 4242" in html and "expires 12/2034" in html
    [customer] = _customers(stripe_sdk)
    token = csrf_from(html.split('action="/account/saved-card/remove"')[1])
    unticked = client.post("/account/saved-card/remove", follow_redirects=True, data={
        "csrf_token": token, "card_id": customer.default_source})
    assert "to remove it" in unticked.get_data(as_text=True)
    assert len(_sources(stripe_sdk, customer.id)) == 1  # nothing removed without the tick
    response = client.post("/account/saved-card/remove", follow_redirects=True, data={
        "csrf_token": token, "card_id": customer.default_source, "confirm": "y"})
    assert "Your saved card was removed" in response.get_data(as_text=True)
    assert _sources(stripe_sdk, customer.id) == []
    assert "Visa •••• 4242" not in client.get("/account").get_data(as_text=True)
    assert "one-click-button" not in client.get("/courses/other").get_data(as_text=True)
    assert _buyer(app).stripe_customer_id_test == customer.id  # kept for the next card


def test_removing_needs_a_signed_in_buyer_and_a_valid_form(pay, app, client, stripe_sdk):
    pay()
    [customer] = _customers(stripe_sdk)
    with client.session_transaction() as session:
        session.clear()
    response = client.post("/account/saved-card/remove",
                           data={"card_id": customer.default_source})
    assert response.status_code == 400  # no CSRF token
    _sign_in(client, app)
    assert client.post("/account/saved-card/remove",
                       data={"card_id": customer.default_source}).status_code == 400
    html = client.get("/account").get_data(as_text=True)
    response = client.post("/account/saved-card/remove", follow_redirects=True,
                           data={"csrf_token": csrf_from(html), "card_id": "card_nope",
                                 "confirm": "y"})
    assert "no longer saved on your account" in response.get_data(as_text=True)
    assert len(_sources(stripe_sdk, customer.id)) == 1


def test_stripe_busy_on_the_customer_call_fails_the_order_with_nothing_charged(
        pay, app, emulator_control, stripe_sdk):
    """A 429 on the first customer call was not performed: the order fails as rate limited,
    the buyer is told to try again, and nothing exists at Stripe."""
    emulator_control.inject_fault(status=429, count=1, path="/v1/customers", method="POST")
    response, order = pay(follow=True)
    assert order.status == OrderStatus.FAILED and order.payment.failure_code == "rate_limited"
    assert "busy" in response.get_data(as_text=True)
    assert _customers(stripe_sdk) == [] and _charges(stripe_sdk) == []


@pytest.mark.parametrize("delivered", [True, False])
def test_a_customer_deleted_at_stripe_is_replaced_by_a_new_one(delivered, pay, app, client,
                                                               stripe_sdk, make_course):
    """Deleted in the dashboard: once `customer.deleted` is delivered there is no button;
    with or without it, the next saved card makes a new customer."""
    _, first = pay()
    stripe_sdk.v1.customers.delete(first.payment.customer_id)
    if delivered:
        deliver_events(client, stripe_sdk, "customer.deleted")
    _sign_in(client, app)
    make_course(slug="other", title="Other")
    button = "one-click-button" in client.get("/courses/other").get_data(as_text=True)
    assert button is not delivered  # without the event the store cannot know yet
    _, order = pay(slug="other", number=MASTERCARD)
    assert order.status == OrderStatus.PAID
    request = order.payment.setup_request
    assert request["idempotency_key"] == f"buyer-{_buyer(app).id}-customer-test-2"
    assert request["card_key"] == f"order-{order.public_id}-card-2"
    [customer] = _customers(stripe_sdk)
    assert customer.id != first.payment.customer_id
    assert order.payment.customer_id == customer.id
    assert _buyer(app).stripe_customer_id_test == customer.id
    assert stripe_sdk.v1.charges.retrieve(order.charge_id).customer == customer.id


def test_end_of_life_refusal_when_adding_a_second_card_keeps_the_first(
        pay, app, client, emulator_control, stripe_sdk):
    pay()
    _sign_in(client, app)
    emulator_control.set_policy(card_tokens_end_of_life=True)
    response, order = pay(slug="second-course", number=MASTERCARD, follow=True)
    assert order.status == OrderStatus.FAILED
    assert order.payment.failure_code == "card_tokens_end_of_life"
    assert "We could not save your card" in response.get_data(as_text=True)
    [customer] = _customers(stripe_sdk)
    assert [c.last4 for c in _sources(stripe_sdk, customer.id)] == ["4242"]
    assert len(_charges(stripe_sdk)) == 1



def test_the_one_click_confirmation_shows_the_policies_and_the_order_keeps_them(
        pay, app, client, make_course, orders):
    """The confirmation step links the policies beside its Pay and posts the versions it
    showed (terms v1, though v2 is saved before the buyer confirms); the order keeps v1."""
    from app.policies import save_version

    pay()
    _sign_in(client, app)
    make_course(slug="second-course", title="Second Course")
    with app.test_request_context():
        save_version(kind="terms", body="Terms one.", admin_email="owner@example.com")
    html = client.get("/courses/second-course/one-click").get_data(as_text=True)
    assert 'data-testid="checkout-policies"' in html and "Terms of sale" in html
    shown = html.split('name="policy_versions" value="')[1].split('"')[0]
    assert shown == "terms:1"
    with app.test_request_context():
        save_version(kind="terms", body="Terms two.", admin_email="owner@example.com")
    card_id = html.split('name="card_id" type="hidden" value="')[1].split('"')[0]
    response = client.post("/courses/second-course/one-click", data={
        "csrf_token": csrf_from(html), "card_id": card_id, "policy_versions": shown})
    assert response.status_code == 302
    order = orders()[-1]
    assert order.status == OrderStatus.PAID and order.terms_version == 1
