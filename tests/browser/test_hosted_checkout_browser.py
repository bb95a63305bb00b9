"""PAYMENT_FLOW=checkout in Chromium: the course page asks for the email, "Continue to
payment" sends the buyer to the emulator's hosted Checkout page (another origin), the
buyer pays there and lands on the store's success page, the receipt and the lessons;
Cancel on Stripe's page comes back to the course page and the buyer can pay; a declined
card is shown on Stripe's page and another card pays the same Session. Screenshots at
390 and 1280 px in test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Access, OrderStatus, OutboxMessage, PaymentAttempt
from tests.browser_helpers import (
    course_with_a_lesson,
    fill_hosted_checkout,
    lessons_open,
    paying_by,
    shots,
    sign_in_in_browser,
)
from tests.helpers import eventually, serious_axe_violations

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
RECEIPT = re.compile(r"/orders/[\w-]+$")


@pytest.fixture(autouse=True)
def checkout_flow(app, emulator_control, live_server):
    """The store sends buyers to hosted Checkout; a fresh emulator that delivers its
    events to the store's webhook, as Stripe does."""
    with paying_by(app, emulator_control, live_server, "checkout"):
        yield


@pytest.fixture
def course(app, make_course):
    return course_with_a_lesson(app, make_course)


def _to_stripes_page(page, store, emulator):
    """Course page → email → "Continue to payment" → the hosted page of the emulator."""
    page.goto(f"{store}/courses/python-jumpstart")
    page.fill("#email", EMAIL)
    page.click("#pay-button")
    page.wait_for_url(f"{emulator.url}/**")
    expect(page.locator("#total")).to_have_text("$69.00 USD")


def _the_order(orders):
    [order] = orders()
    return order


def test_pay_on_stripes_page_then_the_receipt_and_the_lessons(
        page, live_server, emulator, course, orders, stripe_sdk, app, emulator_control):
    page.goto(f"{live_server}/courses/python-jumpstart")
    expect(page.locator("#pay-button")).to_have_text("Continue to payment: $69.00")
    expect(page.locator("#payment-element")).to_have_count(0)  # no card on our page
    shots(page, "hosted-course-page")
    assert serious_axe_violations(page) == []
    _to_stripes_page(page, live_server, emulator)
    expect(page.locator("table")).to_contain_text("Python Jumpstart")
    expect(page.locator("#email")).to_have_value(EMAIL)
    order = _the_order(orders)
    assert order.status == OrderStatus.PENDING and order.payment.flow == "checkout"
    fill_hosted_checkout(page)
    shots(page, "hosted-stripe-page")
    page.click("#submit")
    page.wait_for_url(RECEIPT)
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    receipt = page.locator("[data-testid=receipt]")
    expect(receipt).to_contain_text(order.reference)
    expect(receipt).to_contain_text("Visa •••• 4242")
    shots(page, "hosted-receipt")
    order = _the_order(orders)
    assert order.status == OrderStatus.PAID
    session = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    assert (session.status, session.payment_status, session.payment_intent) == (
        "complete", "paid", order.payment_intent_id)
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert (charge.amount, charge.payment_intent) == (6900, order.payment_intent_id)
    lessons_open(page, live_server)
    # The success page and checkout.session.completed both arrive: fulfilled once.
    assert eventually(lambda: any(
        d.get("type") == "checkout.session.completed" and d.get("status") == 200
        for d in emulator_control.deliveries()))
    with app.app_context():
        assert len(db.session.scalars(select(Access)).all()) == 1
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_cancel_on_stripes_page_comes_back_and_the_buyer_can_pay(
        page, live_server, emulator, course, orders, stripe_sdk):
    _to_stripes_page(page, live_server, emulator)
    first_url = page.url
    page.click("#cancel")
    page.wait_for_url(re.compile(r"/courses/python-jumpstart"))
    expect(page.locator(".flash-info")).to_contain_text(
        "You left the payment page: nothing was charged.")
    expect(page.locator("#email")).to_have_value(EMAIL)
    shots(page, "hosted-cancelled")
    order = _the_order(orders)
    assert order.status == OrderStatus.PENDING
    assert stripe_sdk.v1.charges.list().data == []
    # Continue again: the same order and Session, paid this time.
    page.click("#pay-button")
    page.wait_for_url(f"{emulator.url}/**")
    assert page.url == first_url
    fill_hosted_checkout(page)
    page.click("#submit")
    page.wait_for_url(RECEIPT)
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    paid = _the_order(orders)
    assert (paid.id, paid.status) == (order.id, OrderStatus.PAID)
    assert len(stripe_sdk.v1.checkout.sessions.list().data) == 1


def test_a_decline_on_stripes_page_is_shown_there_then_another_card_pays(
        page, live_server, emulator, course, orders, stripe_sdk, app):
    _to_stripes_page(page, live_server, emulator)
    fill_hosted_checkout(page, number="4000 0000 0000 9995")
    page.click("#submit")
    expect(page.locator("[role=alert]")).to_have_text("Your card has insufficient funds.")
    shots(page, "hosted-declined")
    assert page.url.startswith(emulator.url)
    order = _the_order(orders)
    assert order.status == OrderStatus.PENDING and order.charge_id is None
    fill_hosted_checkout(page)
    page.click("#submit")
    page.wait_for_url(RECEIPT)
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    paid = _the_order(orders)
    assert (paid.id, paid.status) == (order.id, OrderStatus.PAID)
    charges = stripe_sdk.v1.charges.list(params={"payment_intent": paid.payment_intent_id})
    assert sorted(c.status for c in charges.data) == ["failed", "succeeded"]
    with app.app_context():
        assert len(db.session.scalars(select(PaymentAttempt)).all()) == 1


def test_3d_secure_on_stripes_page_then_the_receipt(page, live_server, emulator, course,
                                                    orders, stripe_sdk):
    _to_stripes_page(page, live_server, emulator)
    fill_hosted_checkout(page, number="4000 0027 6000 3184")
    page.click("#submit")
    page.wait_for_url("**/3d_secure_2/hosted?**")
    shots(page, "hosted-authentication")
    assert _the_order(orders).status == OrderStatus.PENDING
    page.click("#test-source-authorize-3ds")
    page.wait_for_url(RECEIPT)
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    order = _the_order(orders)
    assert order.status == OrderStatus.PAID
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.payment_method_details.card.three_d_secure.result == "authenticated"


def test_the_tab_closed_after_paying_the_webhook_alone_completes(
        page, live_server, emulator, course, orders, app):
    """The buyer pays and the tab is gone before the success page loads:
    checkout.session.completed alone pays the order (access and email once)."""
    _to_stripes_page(page, live_server, emulator)
    fill_hosted_checkout(page)

    def paid_then_gone(route):
        """Stripe's page takes the payment; its answer (the way back) never arrives."""
        if route.request.method != "POST":
            return route.continue_()
        route.fetch(max_redirects=0)
        return route.abort()

    page.route(f"{emulator.url}/**", paid_then_gone)
    with page.expect_event("requestfailed"):
        page.click("#submit")
    page.close()
    assert eventually(lambda: _the_order(orders).status == OrderStatus.PAID)
    with app.app_context():
        assert len(db.session.scalars(select(Access)).all()) == 1
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_a_card_saved_on_stripes_page_pays_in_one_click(page, live_server, emulator,
                                                        course, make_course, orders,
                                                        stripe_sdk, app):
    """Signed in with a link, "Save this card" on the course page: Stripe's page keeps the
    card on the buyer's customer; another course is then bought in one click."""
    make_course(slug="data-science", title="Data Science", price="49.00")
    sign_in_in_browser(page, app, live_server, EMAIL)
    page.goto(f"{live_server}/courses/python-jumpstart")
    expect(page.locator("#email")).to_have_value(EMAIL)
    page.check("#save-card")
    page.click("#pay-button")
    page.wait_for_url(f"{emulator.url}/**")
    fill_hosted_checkout(page)
    page.click("#submit")
    page.wait_for_url(RECEIPT)
    first = _the_order(orders)
    assert first.status == OrderStatus.PAID and first.payment.customer_id
    [method] = stripe_sdk.v1.payment_methods.list(
        params={"customer": first.payment.customer_id, "type": "card"}).data
    page.goto(f"{live_server}/courses/data-science")
    expect(page.locator("[data-testid=one-click-button]")).to_have_text(
        "Pay $49.00 with Visa •••• 4242")
    page.click("[data-testid=one-click-button]")
    expect(page.locator("[data-testid=one-click-summary]")).to_contain_text("$49.00")
    shots(page, "hosted-one-click-confirm")
    page.click("[data-testid=confirm-one-click]")
    page.wait_for_url(RECEIPT)
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    second = orders()[-1]
    assert (second.status, second.payment.flow) == (OrderStatus.PAID, "saved_card_intent")
    intent = stripe_sdk.v1.payment_intents.retrieve(second.payment_intent_id)
    assert (intent.customer, intent.payment_method, intent.amount) == (
        first.payment.customer_id, method.id, 4900)


def test_an_expired_session_releases_its_order_and_the_buyer_pays_anew(
        page, live_server, emulator, course, orders, emulator_control, stripe_sdk):
    _to_stripes_page(page, live_server, emulator)
    first = _the_order(orders)
    emulator_control.expire_checkout_session(first.payment.checkout_session_id)
    assert eventually(lambda: _the_order(orders).status == OrderStatus.FAILED)  # webhook
    page.reload()
    expect(page.locator("h1")).to_have_text("This Checkout Session has expired")
    page.click("a:has-text('Back to the shop')")
    page.wait_for_url(re.compile(r"/courses/python-jumpstart"))
    expect(page.locator(".flash-info")).to_contain_text("nothing was charged")
    page.click("#pay-button")
    page.wait_for_url(f"{emulator.url}/**")
    fill_hosted_checkout(page)
    page.click("#submit")
    page.wait_for_url(RECEIPT)
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    old, new = orders()
    assert (old.id, old.status, new.status) == (first.id, OrderStatus.FAILED,
                                                OrderStatus.PAID)
    assert sorted(s.status for s in stripe_sdk.v1.checkout.sessions.list().data) == [
        "complete", "expired"]
