"""What a buyer does in Chromium on a course page: fill in the card, pay, reach the
receipt. One copy, used by every browser test that buys a course."""

import re

from playwright.sync_api import expect

VISA = "4242 4242 4242 4242"


def fill_card(page, number=VISA, exp="12 / 34", cvc="123", postal="12345"):
    """Type a card into the Stripe.js card element (the postcode when it asks for one)."""
    page.fill("input[name=cardnumber]", number)
    page.fill("input[name=exp-date]", exp)
    page.fill("input[name=cvc]", cvc)
    if page.locator("input[name=postal]").is_visible():
        page.fill("input[name=postal]", postal)


def fill_checkout(page, email="ada@example.com", number=VISA, save_card=False, **card):
    """Fill in the course page's checkout form (the page is open)."""
    page.fill("#email", email)
    fill_card(page, number, **card)
    if save_card:
        page.check("#save-card")


def buy_in_browser(page, store, slug="python-jumpstart", email="ada@example.com",
                   number=VISA, save_card=False):
    """Open the course page, pay with the card and wait for the paid receipt."""
    page.goto(f"{store}/courses/{slug}")
    fill_checkout(page, email=email, number=number, save_card=save_card)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")
