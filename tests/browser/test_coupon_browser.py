"""A buyer in Chromium applies a coupon code and pays the discounted price; a 100 %
code turns the card form into free enrolment."""

import re

import pytest
from playwright.sync_api import expect

from app.models import OrderStatus
from tests.browser_helpers import fill_card

pytestmark = pytest.mark.browser


def _coupon(app, **fields):
    from app.pricing import create_coupon

    with app.app_context():
        create_coupon(**fields)


def test_a_buyer_applies_a_code_and_pays_the_discounted_price(page, live_server, app,
                                                              make_course, orders,
                                                              stripe_sdk, emulator_control):
    make_course()
    _coupon(app, code="LAUNCH20", percent=20)
    page.goto(f"{live_server}/courses/python-jumpstart")
    expect(page.locator("#pay-button")).to_have_text("Pay $69.00")
    page.fill("#email", "ada@example.com")
    page.fill("#code", "nope")
    page.click("#apply-code")
    expect(page.locator("[data-testid=code-message]")).to_have_text(
        "The code NOPE is not valid.")
    expect(page.locator("#pay-button")).to_have_text("Pay $69.00")
    page.fill("#code", "launch20")
    page.click("#apply-code")
    expect(page.locator("[data-testid=code-message]")).to_have_text(
        "Code LAUNCH20 applied: $13.80 off.")
    expect(page.locator("#pay-button")).to_have_text("Pay $55.20")
    expect(page.locator("#email")).to_have_value("ada@example.com")  # kept by Apply
    fill_card(page)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    receipt = page.locator("[data-testid=receipt]")
    expect(receipt.locator("[data-field=list-price]")).to_have_text("$69.00")
    expect(receipt.locator("[data-field=discount]")).to_have_text("−$13.80")
    expect(receipt.locator("[data-field=amount]")).to_have_text("$55.20")
    [order] = orders()
    assert (order.status, order.amount, order.coupon_code) == (OrderStatus.PAID, 5520,
                                                               "LAUNCH20")
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert (charge.amount, charge.metadata["coupon"]) == (5520, "LAUNCH20")


def test_a_link_with_a_full_discount_enrols_without_a_card(page, live_server, app,
                                                           make_course, orders,
                                                           emulator_control):
    make_course()
    _coupon(app, code="FREE100", percent=100)
    stripe_calls = []
    page.on("request", lambda r: stripe_calls.append(r.url)
            if "/v1/" in r.url or "js.stripe.com" in r.url else None)
    page.goto(f"{live_server}/courses/python-jumpstart?code=free100")
    expect(page.locator("#enrol-button")).to_have_text("Enrol for free")
    expect(page.locator("#card-element")).to_have_count(0)
    page.fill("#email", "grace@example.com")
    page.click("#enrol-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_have_text("You are enrolled")
    [order] = orders()
    assert (order.status, order.amount, order.payment.flow) == (OrderStatus.PAID, 0, "free")
    assert stripe_calls == []


def test_the_payment_element_pays_the_price_of_the_code_applied(page, live_server, app,
                                                                make_course, orders,
                                                                stripe_sdk,
                                                                emulator_control):
    """PAYMENT_FLOW=payment_intents: Apply, then the Payment Element confirms the
    order's PaymentIntent for the discounted amount."""
    make_course(slug="eur-course", title="EUR Course", price="49.00", currency="eur")
    _coupon(app, code="SAVE15", percent=15)
    app.config["PAYMENT_FLOW"] = "payment_intents"
    try:
        page.goto(f"{live_server}/courses/eur-course")
        page.fill("#email", "ada@example.com")
        page.fill("#code", "save15")
        page.click("#apply-code")
        expect(page.locator("#pay-button")).to_have_text("Pay €41.65")
        page.wait_for_function("() => window.Stripe")
        for name, value in (("number", "4242 4242 4242 4242"), ("expiry", "12 / 34"),
                            ("cvc", "123"), ("postalCode", "94107")):
            page.fill(f"#payment-element input[name={name}]", value)
        page.click("#pay-button")
        page.wait_for_url(re.compile(r"/orders/[^/]+$"))
        expect(page.locator("h1")).to_contain_text("Your payment went through")
    finally:
        app.config["PAYMENT_FLOW"] = "charges"
    [order] = orders()
    assert (order.status, order.amount, order.coupon_code) == (OrderStatus.PAID, 4165,
                                                               "SAVE15")
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert (intent.amount, intent.status, intent.metadata["coupon"]) == (
        4165, "succeeded", "SAVE15")
