"""Saved cards in Chromium: tick "Save this card" → the emulator has a customer with that
email and card → sign in with the emailed link in another browser → buy a second course
in one click → the charge names the customer → remove the card → the button is gone."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser_helpers import fill_checkout
from tests.smtp import parts

pytestmark = pytest.mark.browser

EMAIL = "grace@example.com"
_AXE = Axe()


def _accessible(page):
    """axe-core (bundled, pinned) finds no critical or serious violation on the page."""
    results = _AXE.run(page)
    bad = [(v["id"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("critical", "serious")]
    assert bad == [], page.url


@pytest.fixture
def store(app, live_server, smtp, mail_worker, emulator_control):
    saved = app.config["STORE_URL"]
    app.config["STORE_URL"] = live_server
    yield live_server
    app.config["STORE_URL"] = saved


def test_save_the_card_then_buy_in_one_click_then_remove_it(browser, page, store, smtp,
                                                            make_course, stripe_sdk, app):
    make_course()
    make_course(slug="data-science", title="Data Science", price="99.00")
    page.goto(f"{store}/courses/python-jumpstart")
    fill_checkout(page, email=EMAIL, save_card=True)
    page.screenshot(path="test-artifacts/saved-card-checkout.png", full_page=True)
    _accessible(page)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")

    [customer] = stripe_sdk.v1.customers.list(params={"email": EMAIL}).data
    [card] = stripe_sdk.v1.customers.payment_sources.list(
        customer.id, params={"object": "card"}).data
    assert card.last4 == "4242" and customer.default_source == card.id

    # Another browser signs in with the link from the confirmation email.
    [message] = smtp.wait_for(1, timeout=15)
    text, _ = parts(message)
    link = re.search(re.escape(store) + r"/account/link/[\w.-]+", text).group(0)
    context = browser.new_context()
    buyer = context.new_page()
    buyer.set_default_timeout(15_000)
    buyer.goto(link)
    buyer.click("[data-testid=use-link]")
    buyer.goto(f"{store}/courses/data-science")
    button = buyer.locator("[data-testid=one-click-button]")
    expect(button).to_have_text("Pay with Visa •••• 4242")
    buyer.screenshot(path="test-artifacts/saved-card-course-page.png", full_page=True)
    _accessible(buyer)
    button.click()
    expect(buyer.locator("[data-testid=one-click-summary]")).to_contain_text("$99.00")
    buyer.screenshot(path="test-artifacts/saved-card-confirm.png", full_page=True)
    _accessible(buyer)
    buyer.click("[data-testid=confirm-one-click]")
    buyer.wait_for_url(re.compile(r"/orders/"))
    expect(buyer.locator("h1")).to_contain_text("Your payment went through")
    reference = buyer.locator("[data-field=reference]").inner_text()
    [charge] = stripe_sdk.v1.charges.search(
        params={"query": f"metadata['order_id']:'{reference}'"}).data
    assert charge.customer == customer.id and charge.amount == 9900
    assert charge.description == "Data Science — Course Shop"
    assert charge.metadata["order_id"] == reference

    # The admin sees how it was paid and the customer (no dashboard link: the emulator).
    from app.admin.auth import create_admin

    with app.app_context():
        create_admin(email="owner@example.com", password="correct horse battery staple")
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    admin.goto(f"{store}/admin/login")
    admin.fill("input[name=email]", "owner@example.com")
    admin.fill("input[name=password]", "correct horse battery staple")
    admin.click("button[type=submit]")
    admin.goto(f"{store}/admin/purchases/{reference}")
    expect(admin.locator("[data-field=paid-with]")).to_have_text("saved card (one click)")
    expect(admin.locator("[data-field=customer]")).to_contain_text(customer.id)
    admin.screenshot(path="test-artifacts/saved-card-admin-purchase.png", full_page=True)
    _accessible(admin)
    admin.click("[data-testid=buyer-link]")
    expect(admin.locator("[data-field=customer-test]")).to_have_text(customer.id)
    expect(admin.locator("[data-testid=customer-link]")).to_have_count(0)
    admin.screenshot(path="test-artifacts/saved-card-admin-buyer.png", full_page=True)
    _accessible(admin)
    admin_context.close()

    buyer.goto(f"{store}/account")
    expect(buyer.locator("[data-testid=saved-card]")).to_contain_text("Visa •••• 4242")
    expect(buyer.locator("[data-testid=saved-card]")).to_contain_text("expires 12/2034")
    buyer.screenshot(path="test-artifacts/saved-card-account.png", full_page=True)
    _accessible(buyer)
    buyer.click("[data-testid=remove-card]")
    expect(buyer.locator("main")).to_contain_text("Your saved card was removed")
    expect(buyer.locator("[data-testid=saved-card]")).to_have_count(0)
    assert stripe_sdk.v1.customers.payment_sources.list(
        customer.id, params={"object": "card"}).data == []
    make_course(slug="third", title="Third")
    buyer.goto(f"{store}/courses/third")
    expect(buyer.locator("#pay-button")).to_be_visible()
    expect(buyer.locator("[data-testid=one-click-button]")).to_have_count(0)
    context.close()
