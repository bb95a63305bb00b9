"""A buyer in Chromium: course page, Stripe.js stand-in, receipt."""

import re

import pytest
from playwright.sync_api import expect

from app.models import OrderStatus
from tests.browser_helpers import fill_checkout

pytestmark = pytest.mark.browser


def test_buy_a_course_with_the_test_card(page, live_server, make_course, orders,
                                         stripe_sdk):
    """4242 4242 4242 4242 buys the course; the receipt and the stored row agree."""
    make_course()
    page.goto(f"{live_server}/")
    page.click("text=Python Jumpstart")
    expect(page.locator("[data-testid=test-mode-banner]")).to_be_visible()
    fill_checkout(page, number="4242 4242 4242 4242")
    with page.expect_request(lambda r: r.url.endswith("/checkout")) as posted:
        page.click("#pay-button")
    body = posted.value.post_data
    assert re.search(r"stripeToken=tok_\w+", body)
    assert "4242" not in body and "cardnumber" not in body  # the card never reaches us
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
    [order] = orders()
    assert order.status == OrderStatus.PAID
    receipt = page.locator("[data-testid=receipt]")
    expect(receipt).to_contain_text(order.reference)
    expect(receipt).to_contain_text("$69.00")
    expect(receipt).to_contain_text("Visa •••• 4242")
    receipt_url = page.locator("[data-field=receipt-url]").get_attribute("href")
    assert receipt_url == order.payment.receipt_url
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.amount == 6900
    assert charge.metadata["order_id"] == order.reference


def test_declined_card_shows_stripes_message(page, live_server, make_course, orders):
    """4000 0000 0000 9995 comes back to the course page with the insufficient-funds message."""
    make_course()
    page.goto(f"{live_server}/courses/python-jumpstart")
    fill_checkout(page, number="4000 0000 0000 9995")
    page.click("#pay-button")
    expect(page.locator(".flash-error")).to_have_text("Your card has insufficient funds.")
    assert page.url.endswith("/courses/python-jumpstart#checkout")
    [order] = orders()
    assert order.status == OrderStatus.FAILED
    assert order.payment.decline_code == "insufficient_funds"


def test_incomplete_card_is_reported_inline_without_posting(page, live_server, make_course,
                                                            orders):
    """Client-side validation errors stay on the page and create no order."""
    make_course()
    page.goto(f"{live_server}/courses/python-jumpstart")
    fill_checkout(page, number="4242 4242")
    page.click("#pay-button")
    expect(page.locator("#card-errors")).to_contain_text("incomplete")
    expect(page.locator("#pay-button")).to_be_enabled()
    assert page.url.endswith("/courses/python-jumpstart")
    assert orders() == []


def test_pay_button_is_disabled_while_paying(page, live_server, make_course, orders,
                                             emulator_control):
    """The button is disabled during the payment, so a second click does nothing."""
    make_course()
    emulator_control.set_latency(ms=700)
    page.goto(f"{live_server}/courses/python-jumpstart")
    fill_checkout(page, number="4242 4242 4242 4242")
    page.click("#pay-button")
    expect(page.locator("#pay-button")).to_be_disabled()
    page.locator("#pay-button").click(force=True)
    page.wait_for_url(re.compile(r"/orders/"), timeout=20_000)
    assert len(orders()) == 1
