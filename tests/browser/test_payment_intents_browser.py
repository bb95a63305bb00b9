"""PAYMENT_FLOW=payment_intents in Chromium: the Payment Element stand-in on the course
page, Stripe.js confirming the order's PaymentIntent (3-D Secure in its window when the
bank asks), the return page reading the intent, the receipt and the lessons; a decline
then another card on the same order; a saved card paying in one click and brought back
on-session when the bank wants the buyer to authenticate. Each scenario is looked at at
phone width (390 px) and desktop width (1280 px): screenshots in test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Access, AttemptStatus, OrderStatus, OutboxMessage
from tests.browser_helpers import (
    AUTH_MODAL,
    answer_authentication,
    course_with_a_lesson,
    fill_payment_element,
    lessons_open,
    paying_by,
    shots,
    sign_in_in_browser,
)
from tests.helpers import eventually, serious_axe_violations

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
THREE_D_SECURE = "4000 0027 6000 3184"  # authentication on every payment (INTENTS.md 2.3)


@pytest.fixture(autouse=True)
def intents_flow(app, emulator_control, live_server):
    """The store takes cards with the Payment Element; a fresh emulator that delivers its
    events to the store's webhook, as Stripe does."""
    with paying_by(app, emulator_control, live_server, "payment_intents"):
        yield


@pytest.fixture
def course(app, make_course):
    """Python Jumpstart ($69.00) with one lesson."""
    return course_with_a_lesson(app, make_course)


def _open_course(page, store, email=EMAIL):
    page.goto(f"{store}/courses/python-jumpstart")
    page.fill("#email", email)


def _the_order(orders):
    [order] = orders()
    return order


def test_4242_pays_through_the_payment_element_and_opens_the_lessons(
        page, live_server, course, orders, stripe_sdk, app):
    _open_course(page, live_server)
    fill_payment_element(page)
    shots(page, "intents-course-page")
    assert serious_axe_violations(page) == []
    with page.expect_request(lambda r: r.url.endswith("/payment-intent")) as posted:
        page.click("#pay-button")
    assert "4242" not in (posted.value.post_data or "")  # the card never reaches us
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    order = _the_order(orders)
    assert order.status == OrderStatus.PAID and order.payment.flow == "payment_intents"
    receipt = page.locator("[data-testid=receipt]")
    expect(receipt).to_contain_text(order.reference)
    expect(receipt).to_contain_text("$69.00")
    expect(receipt).to_contain_text("Visa •••• 4242")
    shots(page, "intents-receipt")
    assert serious_axe_violations(page) == []
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert (intent.status, intent.amount, charge.payment_intent) == (
        "succeeded", 6900, intent.id)
    assert charge.metadata["order_id"] == order.reference
    lessons_open(page, live_server)
    with app.app_context():
        assert len(db.session.scalars(select(Access)).all()) == 1
        assert [m.kind for m in db.session.scalars(select(OutboxMessage))] == [
            "order_confirmation"]


def _pay(page):
    page.click("#pay-button")


def _intent_charges(stripe_sdk, intent_id):
    return sorted(c.status for c in stripe_sdk.v1.charges.list(
        params={"payment_intent": intent_id}).data)


def test_3d_secure_completed_in_the_banks_window_pays(page, live_server, course, orders,
                                                      stripe_sdk):
    _open_course(page, live_server)
    fill_payment_element(page, THREE_D_SECURE)
    _pay(page)
    page.wait_for_selector(AUTH_MODAL)
    expect(page.locator('[role=dialog][aria-label="3D Secure authentication"]')).to_be_visible()
    shots(page, "intents-authentication-window", full_page=False)
    # payment_intent.requires_action reaches the store: waiting for the bank, not paid.
    assert eventually(lambda: _the_order(orders).payment.status
                       == AttemptStatus.REQUIRES_ACTION)
    assert _the_order(orders).status == OrderStatus.PENDING
    answer_authentication(page, complete=True)
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    order = _the_order(orders)
    assert order.status == OrderStatus.PAID
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.payment_method_details.card.three_d_secure.result == "authenticated"
    lessons_open(page, live_server)


def test_3d_secure_failed_says_so_and_the_same_order_pays_with_another_card(
        page, live_server, course, orders, stripe_sdk):
    _open_course(page, live_server)
    fill_payment_element(page, THREE_D_SECURE)
    _pay(page)
    answer_authentication(page, complete=False)
    error = page.locator("#card-errors")
    expect(error).to_have_text("Your bank did not confirm this payment, and you have not "
                               "been charged. Try again, or use another card.")
    expect(error).to_be_focused()
    expect(page.locator("#pay-button")).to_be_enabled()
    assert page.url.endswith("/courses/python-jumpstart")
    shots(page, "intents-authentication-failed")
    order = _the_order(orders)
    assert order.status == OrderStatus.PENDING and order.charge_id is None
    assert stripe_sdk.v1.charges.list().data == []  # nothing charged
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert intent.status == "requires_payment_method"
    # The same order, the same intent, another card.
    fill_payment_element(page)
    _pay(page)
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    paid = _the_order(orders)
    assert (paid.id, paid.payment_intent_id, paid.status) == (
        order.id, order.payment_intent_id, OrderStatus.PAID)
    assert _intent_charges(stripe_sdk, order.payment_intent_id) == ["succeeded"]


def test_a_decline_then_another_card_pays_the_one_order_once(page, live_server, course,
                                                             orders, stripe_sdk, app):
    from app.models import PaymentAttempt

    _open_course(page, live_server)
    fill_payment_element(page, "4000 0000 0000 9995")
    _pay(page)
    expect(page.locator("#card-errors")).to_have_text("Your card has insufficient funds.")
    expect(page.locator("#pay-button")).to_be_enabled()
    shots(page, "intents-declined")
    # payment_intent.payment_failed tells the store (the browser's word is not taken).
    assert eventually(lambda: _the_order(orders).payment.decline_code == "insufficient_funds")
    declined = _the_order(orders)
    assert declined.status == OrderStatus.PENDING
    fill_payment_element(page)
    _pay(page)
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    order = _the_order(orders)  # one order …
    assert (order.id, order.status) == (declined.id, OrderStatus.PAID)
    # … one intent, two tries at the bank: the declined charge and the paid one.
    assert _intent_charges(stripe_sdk, order.payment_intent_id) == ["failed", "succeeded"]
    assert stripe_sdk.v1.charges.retrieve(order.charge_id).status == "succeeded"
    assert len(stripe_sdk.v1.payment_intents.list().data) == 1
    with app.app_context():
        assert len(db.session.scalars(select(PaymentAttempt)).all()) == 1


def _save_a_card_buying(page, live_server, number, complete_authentication=False):
    """Buy the course with "Save this card" ticked (the browser is signed in)."""
    page.goto(f"{live_server}/courses/python-jumpstart")
    expect(page.locator("#email")).to_have_value(EMAIL)
    fill_payment_element(page, number)
    page.check("#save-card")
    _pay(page)
    if complete_authentication:
        answer_authentication(page, complete=True)
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")


def _one_click(page, live_server, slug):
    page.goto(f"{live_server}/courses/{slug}")
    page.click("[data-testid=one-click-button]")
    expect(page.locator("[data-testid=one-click-summary]")).to_contain_text("$49.00")
    page.click("[data-testid=confirm-one-click]")


def test_a_saved_card_pays_in_one_click_off_session(page, live_server, course, make_course,
                                                    orders, stripe_sdk, app):
    make_course(slug="data-science", title="Data Science", price="49.00")
    sign_in_in_browser(page, app, live_server, EMAIL)
    _save_a_card_buying(page, live_server, "4242 4242 4242 4242")
    first = _the_order(orders)
    customer = first.payment.customer_id
    [method] = stripe_sdk.v1.payment_methods.list(
        params={"customer": customer, "type": "card"}).data
    page.goto(f"{live_server}/courses/data-science")
    button = page.locator("[data-testid=one-click-button]")
    expect(button).to_have_text("Pay $49.00 with Visa •••• 4242")
    shots(page, "intents-one-click-course-page")
    _one_click(page, live_server, "data-science")
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    second = orders()[-1]
    assert (second.status, second.payment.flow) == (OrderStatus.PAID, "saved_card_intent")
    intent = stripe_sdk.v1.payment_intents.retrieve(second.payment_intent_id)
    assert (intent.customer, intent.payment_method, intent.amount) == (
        customer, method.id, 4900)
    page.goto(f"{live_server}/courses/data-science/lessons/1")
    expect(page.locator("h1")).not_to_contain_text("locked")


def test_one_click_the_bank_wants_authenticated_brings_the_buyer_back(
        page, live_server, course, make_course, orders, stripe_sdk, app):
    """A card that needs authentication on every payment: saved while paying on-session
    (3-D Secure in the window), then one click is refused off-session with
    authentication_required and the buyer confirms on the authentication page."""
    make_course(slug="data-science", title="Data Science", price="49.00")
    sign_in_in_browser(page, app, live_server, EMAIL)
    _save_a_card_buying(page, live_server, THREE_D_SECURE, complete_authentication=True)
    _one_click(page, live_server, "data-science")
    page.wait_for_url(re.compile(r"/orders/[\w-]+/authenticate$"))
    expect(page.locator("h1")).to_have_text("Your bank asks you to confirm this payment")
    expect(page.locator("[data-testid=authenticate-summary]")).to_contain_text("$49.00")
    page.wait_for_selector(AUTH_MODAL)  # the page opens the bank's window at once
    shots(page, "intents-one-click-authenticate", full_page=False)
    second = orders()[-1]
    assert second.status == OrderStatus.PENDING
    assert _intent_charges(stripe_sdk, second.payment_intent_id) == []
    answer_authentication(page, complete=True)
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    second = orders()[-1]
    assert (second.status, second.payment.flow) == (OrderStatus.PAID, "saved_card_intent")
    assert _intent_charges(stripe_sdk, second.payment_intent_id) == ["succeeded"]


def test_the_browser_gone_after_authenticating_the_webhook_alone_pays(
        page, live_server, course, orders, app):
    """The buyer completes 3-D Secure and the tab dies before the return page: the
    payment_intent.succeeded webhook alone completes the order (access and email once)."""
    page.route(re.compile(r"/orders/[\w-]+/return"), lambda route: route.abort())
    _open_course(page, live_server)
    fill_payment_element(page, THREE_D_SECURE)
    _pay(page)
    with page.expect_event("requestfailed", lambda r: "/return" in r.url):
        answer_authentication(page, complete=True)
    assert eventually(lambda: _the_order(orders).status == OrderStatus.PAID)
    with app.app_context():
        assert len(db.session.scalars(select(Access)).all()) == 1
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_a_course_taken_off_sale_while_the_page_is_open_says_so(page, live_server, course,
                                                                orders, app):
    from app.catalog.services import archive_course

    _open_course(page, live_server)
    fill_payment_element(page)
    with app.app_context():
        archive_course("python-jumpstart")
        db.session.commit()
    _pay(page)
    expect(page.locator("#card-errors")).to_have_text(
        "There is no such course, or it is no longer on sale.")
    expect(page.locator("#pay-button")).to_be_enabled()
    assert orders() == []


def test_authentication_failed_then_pay_another_way_pays_once(
        page, live_server, course, orders, stripe_sdk, app, cli):
    """One click the bank wants authenticated; the buyer fails it, then chooses "Pay
    another way" and pays with the Payment Element: the one-click intent is cancelled
    (nothing charged on it) and one order is paid."""
    from app.access import ensure_buyer

    customer = stripe_sdk.v1.customers.create(params={"email": EMAIL})
    method = stripe_sdk.v1.payment_methods.attach(
        "pm_card_authenticationRequired", params={"customer": customer.id})
    with app.app_context():
        ensure_buyer(EMAIL).stripe_customer_id_test = customer.id
        db.session.commit()
    # The card was attached before the buyer had this customer, so its webhook (which may
    # arrive before or after the commit above) may find no buyer: store it the way a
    # card saved before the store kept cards is stored, before the page is opened.
    stored = cli.invoke(args=["cards", "backfill"])
    assert stored.exit_code == 0, stored.output
    sign_in_in_browser(page, app, live_server, EMAIL)
    page.goto(f"{live_server}/courses/python-jumpstart")
    page.click("[data-testid=one-click-button]")
    page.click("[data-testid=confirm-one-click]")
    page.wait_for_url(re.compile(r"/orders/[\w-]+/authenticate$"))
    answer_authentication(page, complete=False)
    expect(page.locator("#authenticate-error")).to_have_text(
        "Your bank did not confirm this payment, and you have not been charged. Try "
        "again, or pay another way.")  # not Stripe's words for developers
    shots(page, "intents-one-click-authentication-failed")
    one_click = _the_order(orders)
    assert one_click.status == OrderStatus.PENDING
    page.get_by_role("link", name="Pay another way").click()
    page.wait_for_url(re.compile(r"/courses/python-jumpstart$"))
    fill_payment_element(page)
    _pay(page)
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    first, second = orders()
    assert (first.id, first.status) == (one_click.id, OrderStatus.FAILED)
    assert second.status == OrderStatus.PAID
    assert stripe_sdk.v1.payment_intents.retrieve(first.payment_intent_id).status == \
        "canceled"
    assert [c.payment_intent for c in stripe_sdk.v1.charges.list().data
            if c.status == "succeeded"] == [second.payment_intent_id]
    assert method.id == first.payment.payment_method_id


def test_a_double_click_on_pay_makes_one_intent_and_pays_once(
        page, live_server, course, orders, stripe_sdk, emulator_control):
    emulator_control.set_latency(ms=700)
    try:
        _open_course(page, live_server)
        fill_payment_element(page)
        page.dblclick("#pay-button")
        expect(page.locator("#pay-button")).to_be_disabled()
        page.locator("#pay-button").click(force=True)
        page.wait_for_url(re.compile(r"/orders/[\w-]+$"), timeout=30_000)
    finally:
        emulator_control.set_latency(ms=0)
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    order = _the_order(orders)
    assert order.status == OrderStatus.PAID
    assert [i.id for i in stripe_sdk.v1.payment_intents.list().data] == [
        order.payment_intent_id]
    assert [c.status for c in stripe_sdk.v1.charges.list().data] == ["succeeded"]
