"""Chromium, TAX_MODE=exclusive: the buyer chooses a country and the buy box shows Stripe
Tax's tax line and the taxed total on the button before paying, in the PaymentIntents
flow (the Payment Element then pays that total) and with hosted Checkout (an estimate
for the declared country; Stripe's page shows the tax for the billing address before it
charges it); the receipt shows what was charged. Screenshots at 390 and 1280 px in
test-artifacts/tax-*.png."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.checkout import tax_preview
from app.extensions import db
from app.models import Order, OrderStatus
from tests.browser_helpers import (
    fill_hosted_checkout,
    fill_payment_element,
    paying_by,
    shots,
)
from tests.helpers import eventually
from tests.invoices.conftest import invoicing  # noqa: F401, F811  (fixture: a named seller)

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
RECEIPT = re.compile(r"/orders/[\w-]+$")


@pytest.fixture(autouse=True)
def taxed_store(app, invoicing, monkeypatch, make_course):  # noqa: F811
    monkeypatch.setitem(app.config, "TAX_MODE", "exclusive")
    tax_preview.clear()
    make_course(slug="taxed", price="69.00", currency="eur", title="Payments Engineering")
    yield
    tax_preview.clear()


def _choose_country(page, country):
    page.select_option("#country", country)
    consent = page.locator("#immediate-access-consent")
    if consent.is_visible():
        consent.check()


def _order(app):
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.email == EMAIL))
        db.session.expunge(order)
        return order


def test_the_payment_element_shows_the_tax_then_charges_that_total(
        page, app, live_server, emulator_control, stripe_sdk):
    with paying_by(app, emulator_control, live_server, "payment_intents"):
        page.goto(f"{live_server}/courses/taxed")
        expect(page.locator("#pay-button")).to_have_text("Pay €69.00 + tax")
        page.fill("#email", EMAIL)
        _choose_country(page, "DE")
        line = page.locator("[data-testid=tax-line]")
        expect(line).to_have_text("Tax €13.11 (19.0% for Germany) is added.")
        expect(page.locator("#pay-button")).to_have_text("Pay €82.11")
        _choose_country(page, "FR")
        expect(line).to_have_text("Tax €13.80 (20.0% for France) is added.")
        expect(page.locator("#pay-button")).to_have_text("Pay €82.80")
        fill_payment_element(page)
        page.locator("#checkout").scroll_into_view_if_needed()
        shots(page, "tax-payment-element")
        page.click("#pay-button")
        page.wait_for_url(RECEIPT)
        expect(page.locator("h1")).to_contain_text("Your payment went through")
        expect(page.locator("dd[data-field=tax]")).to_have_text("€13.80 (20.0%)")
        shots(page, "tax-payment-element-receipt")
    order = _order(app)
    assert (order.status, order.amount, order.tax_country) == (OrderStatus.PAID, 8280, "FR")
    assert stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id).amount == 8280


def test_hosted_checkout_shows_the_estimate_then_stripes_page_the_tax(
        page, app, live_server, emulator_control):
    with paying_by(app, emulator_control, live_server, "checkout"):
        page.goto(f"{live_server}/courses/taxed")
        page.fill("#email", EMAIL)
        _choose_country(page, "IE")
        expect(page.locator("[data-testid=tax-line]")).to_have_text(
            "Tax €15.87 (23.0% for Ireland) is added. Stripe's payment page confirms it "
            "for your billing address.")
        expect(page.locator("#pay-button")).to_have_text("Continue to payment: €84.87")
        page.locator("#checkout").scroll_into_view_if_needed()
        shots(page, "tax-hosted-course-page")
        page.click("#pay-button")
        page.wait_for_url(re.compile(r"/c/pay/cs_test_"))
        expect(page.locator("#tax-row")).to_contain_text("Enter address to calculate")
        fill_hosted_checkout(page, email=EMAIL)
        page.select_option("#billingCountry", "IE")
        page.click("#submit")
        expect(page.locator("[role=alert]")).to_contain_text("now includes the tax")
        expect(page.locator("#tax-row")).to_have_text("VAT (23%)€15.87")
        expect(page.locator("#submit")).to_have_text("Pay €84.87 EUR")
        shots(page, "tax-hosted-stripe-page")
        page.fill("input[name=cardCvc]", "123")
        page.click("#submit")
        page.wait_for_url(RECEIPT)
        expect(page.locator("dd[data-field=tax]")).to_have_text("€15.87 (23.0%)")
        eventually(lambda: _order(app).status == OrderStatus.PAID)
    order = _order(app)
    assert (order.amount, order.tax_amount, order.tax_country) == (8487, 1587, "IE")
