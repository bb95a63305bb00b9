"""Saved cards in Chromium: a first purchase cannot save its card (saving needs a link-proven
session) → the confirmation's link signs in → tick "Save this card" → the emulator has a
customer with that email and card → sign in with an emailed link in another browser → buy
a third course in one click → the charge names the customer → remove the card → the button
is gone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import fill_card
from tests.helpers import serious_axe_violations
from tests.smtp import parts

pytestmark = pytest.mark.browser

EMAIL = "grace@example.com"


def _accessible(page):
    """axe-core finds no critical or serious violation on the page."""
    assert serious_axe_violations(page) == [], page.url


@pytest.fixture
def store(app, live_server, smtp, mail_worker, emulator_control):
    saved = app.config["STORE_URL"]
    app.config["STORE_URL"] = live_server
    yield live_server
    app.config["STORE_URL"] = saved


def _mail_link(smtp, count, subject):
    message = next(m for m in smtp.wait_for(count, timeout=15) if subject in m["Subject"])
    text, _ = parts(message)
    return re.search(r"http://[^\s]+/account/link/[\w.-]+", text).group(0)


def test_save_the_card_then_buy_in_one_click_then_remove_it(browser, page, store, smtp,
                                                            make_course, stripe_sdk, app):
    make_course()
    make_course(slug="data-science", title="Data Science", price="49.00")
    make_course(slug="machine-learning", title="Machine Learning", price="99.00")
    page.goto(f"{store}/courses/python-jumpstart")
    expect(page.locator("#save-card")).to_have_count(0)  # not signed in with a link
    expect(page.locator("[data-testid=save-card-sign-in]")).to_contain_text("sign in")
    page.fill("#email", EMAIL)
    fill_card(page)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")

    # The confirmation's link proves the email on this browser: now it may save a card.
    page.goto(_mail_link(smtp, 1, "Python Jumpstart"))
    page.click("[data-testid=use-link]")
    page.goto(f"{store}/courses/data-science")
    expect(page.locator("#email")).to_have_value(EMAIL)
    fill_card(page)
    page.check("#save-card")
    page.screenshot(path="test-artifacts/saved-card-checkout.png", full_page=True)
    _accessible(page)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")

    [customer] = stripe_sdk.v1.customers.list(params={"email": EMAIL}).data
    [card] = stripe_sdk.v1.customers.payment_sources.list(
        customer.id, params={"object": "card"}).data
    assert card.last4 == "4242" and customer.default_source == card.id

    # Another browser signs in with a link it asks for.
    context = browser.new_context()
    buyer = context.new_page()
    buyer.set_default_timeout(15_000)
    buyer.goto(f"{store}/account/sign-in")
    buyer.fill("#email", EMAIL)
    buyer.click("text=Email me a sign-in link")
    link = _mail_link(smtp, 3, "sign-in link")
    buyer.goto(link)
    buyer.click("[data-testid=use-link]")
    buyer.goto(f"{store}/courses/machine-learning")
    button = buyer.locator("[data-testid=one-click-button]")
    expect(button).to_have_text("Pay $99.00 with Visa •••• 4242")
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
    assert charge.description == "Machine Learning — Course Shop"
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
    buyer.check("[data-testid=remove-card-confirm]")
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
