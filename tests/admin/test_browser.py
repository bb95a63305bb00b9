"""The admin in Chromium: sign in, find a purchase by email, refund part of it."""

import re

import pytest
from playwright.sync_api import expect

from app.models import OrderStatus

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, live_server):
    page.goto(f"{live_server}/admin/purchases")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/purchases$"))


def test_find_a_purchase_by_email_and_refund_part_of_it(page, live_server, admin_account,
                                                       buy, order_row, stripe_sdk):
    """Sign in, search the buyer's email, refund $20 of $69, see partially refunded."""
    reference = buy(email="ada@example.com")
    buy(email="grace@example.com")
    _sign_in(page, live_server)
    expect(page.locator("[data-testid=test-mode-banner]")).to_be_visible()
    expect(page.locator("[data-testid=totals-body]")).to_contain_text("$138.00")
    page.fill("#q", "ADA@example.com")
    page.click("text=Filter")
    rows = page.locator("table.purchases tbody tr")
    expect(rows).to_have_count(1)
    page.click(f"text={reference}")
    expect(page.locator("[data-testid=order-status]")).to_have_text("Paid")
    page.fill("input[name=amount]", "20.00")
    page.select_option("select[name=reason]", "requested_by_customer")
    page.click("[data-testid=refund-submit]")
    expect(page.locator("[data-testid=refund-error]").first).to_contain_text(
        "Tick the confirmation box")
    page.fill("input[name=amount]", "20.00")
    page.check("input[name=confirm]")
    page.click("[data-testid=refund-submit]")
    expect(page.locator(".flash-success")).to_contain_text(
        "Refunded $20.00. The purchase is now partially refunded.")
    expect(page.locator("[data-testid=order-status]")).to_have_text("Partially refunded")
    expect(page.locator("[data-testid=refunds]")).to_contain_text("$20.00")
    expect(page.locator("input[name=amount]")).to_have_value("49.00")
    order = order_row(reference)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded == 2000
    refunds = stripe_sdk.v1.refunds.list(params={"charge": order.charge_id}).data
    assert [r.amount for r in refunds] == [2000]


def test_wrong_password_then_sign_out(page, live_server, admin_account):
    """A wrong password shows the generic message; Sign out ends the session."""
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".flash-error")).to_have_text("Wrong email or password.")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("[data-testid=revenue-chart]")).to_be_visible()
    page.click("text=Sign out")
    expect(page.locator(".flash-info")).to_have_text("You are signed out.")
    page.goto(f"{live_server}/admin/")
    page.wait_for_url(re.compile(r"/admin/login"))


def test_purchases_fit_a_phone_screen(page, live_server, admin_account, buy):
    """At 390 px wide the list needs no sideways scrolling."""
    buy(email="ada@example.com")
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server)
    expect(page.locator("table.purchases tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=totals-body]")).to_contain_text("$69.00")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    expect(page.locator("td[data-label=Buyer]")).to_be_visible()
