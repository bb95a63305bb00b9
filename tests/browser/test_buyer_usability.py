"""The buyer's pages in Chromium where a person stumbled: the email rule, the card field's
focus and invalid states, Enter, phone width, the pending receipt that updates itself."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Order

pytestmark = pytest.mark.browser


def _card(page, number="4242 4242 4242 4242", exp="12 / 34", cvc="123", postal="12345"):
    page.fill("input[name=cardnumber]", number)
    page.fill("input[name=exp-date]", exp)
    page.fill("input[name=cvc]", cvc)
    page.fill("input[name=postal]", postal)


def test_an_email_without_a_dot_domain_is_refused_under_the_email_field(page, live_server,
                                                                         make_course, orders):
    make_course()
    page.goto(f"{live_server}/courses/python-jumpstart")
    page.fill("#email", "a@b")
    _card(page)
    page.click("#pay-button")
    expect(page.locator("#email-error")).to_contain_text("Enter a valid email address")
    expect(page.locator("#card-errors")).to_have_text("")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    # The message sits right under the email field, above the card.
    email_box = page.locator("#email").bounding_box()
    error_box = page.locator("#email-error").bounding_box()
    card_box = page.locator("#card-element").bounding_box()
    assert email_box["y"] < error_box["y"] < card_box["y"]
    assert page.url.endswith("/courses/python-jumpstart") and orders() == []
    # Corrected, the same card pays.
    page.fill("#email", "ada@example.com")
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))


def test_card_field_shows_focus_and_invalid_states(page, live_server, make_course):
    make_course()
    page.goto(f"{live_server}/courses/python-jumpstart")
    card = page.locator("#card-element")
    page.click("input[name=cardnumber]")
    expect(card).to_have_class(re.compile(r"\bStripeElement--focus\b"))
    outline = card.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + "
                            "getComputedStyle(e).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px")
    page.fill("input[name=cardnumber]", "4242 4242 4242 4241")  # fails the Luhn check
    expect(card).to_have_class(re.compile(r"\bStripeElement--invalid\b"))
    border = card.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(180, 35, 24)"  # --err
    page.click("#email")
    expect(card).not_to_have_class(re.compile(r"\bStripeElement--focus\b"))


def test_enter_in_the_card_field_pays(page, live_server, make_course, orders):
    make_course()
    page.goto(f"{live_server}/courses/python-jumpstart")
    page.fill("#email", "ada@example.com")
    _card(page)
    page.locator("input[name=postal]").press("Enter")
    page.wait_for_url(re.compile(r"/orders/"))
    assert len(orders()) == 1


def test_card_number_has_room_at_phone_width(page, live_server, make_course):
    make_course()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server}/courses/python-jumpstart")
    page.fill("input[name=cardnumber]", "4242 4242 4242 4242")
    field = page.locator("input[name=cardnumber]")
    assert field.bounding_box()["width"] >= 160
    assert field.evaluate("e => e.scrollWidth <= e.clientWidth")  # all 19 characters show
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_pay_is_disabled_while_checkout_is_paused(app, page, live_server, make_course):
    from datetime import timedelta

    from app.models import Throttle
    from app.models._time import utcnow

    make_course()
    with app.app_context():
        db.session.add(Throttle(key="checkout-ip:127.0.0.1", failures=10,
                                window_started_at=utcnow(),
                                locked_until=utcnow() + timedelta(minutes=5)))
        db.session.commit()
    page.goto(f"{live_server}/courses/python-jumpstart")
    page.fill("#email", "ada@example.com")
    _card(page)
    expect(page.locator("#pay-button")).to_be_disabled()
    expect(page.locator("[data-testid=checkout-paused]")).to_contain_text("try again in 5")
    page.locator("input[name=postal]").press("Enter")  # Enter does not get round it
    page.wait_for_timeout(300)
    assert page.url.endswith("/courses/python-jumpstart")


def test_pending_receipt_updates_itself_and_announces_it(app, page, live_server,
                                                         make_course, card_token,
                                                         emulator_control):
    """No reload: the page polls its status (each check looks the charge up at Stripe,
    read-only) and swaps in the receipt, announcing the new heading in an aria-live
    region. The charge was made but its answer lost, and Stripe's lookups fail at first."""
    make_course()
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                  method="POST")
    emulator_control.inject_fault(status=500, count=1000, path="/v1/charges", method="GET")
    page.goto(f"{live_server}/courses/python-jumpstart")
    page.fill("#email", "ada@example.com")
    _card(page)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_have_text("We are confirming your payment")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    page.evaluate("window.__same_document = true")
    emulator_control.clear_faults()  # Stripe is back: the next check settles the order
    expect(page.locator("h1")).to_have_text("Thank you! Your payment went through.",
                                            timeout=20_000)
    expect(page.locator("[data-testid=receipt-live]")).to_have_text(
        "Thank you! Your payment went through.")
    assert page.evaluate("window.__same_document") is True  # updated in place
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "paid"


def test_a_request_that_never_reached_stripe_waits_for_the_buyers_check_again(
        app, page, live_server, make_course, emulator_control, stripe_sdk):
    """Opening or polling the receipt never sends a payment request: a charge that never
    reached Stripe stays unsent until the buyer presses "Check again now" (a POST), which
    repeats the stored request once under its key."""
    make_course()
    emulator_control.inject_fault(mode="drop", count=1, path="/v1/charges", method="POST")
    page.goto(f"{live_server}/courses/python-jumpstart")
    page.fill("#email", "ada@example.com")
    _card(page)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_have_text("We are confirming your payment")
    page.reload()
    page.wait_for_timeout(4000)  # the page polls its status meanwhile
    assert stripe_sdk.v1.charges.list().data == []
    expect(page.locator("h1")).to_have_text("We are confirming your payment")
    page.click("[data-testid=check-again] button")
    expect(page.locator("h1")).to_have_text("Thank you! Your payment went through.")
    [charge] = stripe_sdk.v1.charges.list().data
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "paid"
        assert db.session.scalar(select(Order)).charge_id == charge.id


def test_receipt_times_are_shown_in_the_buyers_time_zone(app, browser, live_server,
                                                         make_course, card_token):
    from app.checkout.services import place_order

    course = make_course()
    with app.app_context():
        order = place_order(course=db.session.merge(course), email="ada@example.com",
                            token=card_token()).order
        public_id = order.public_id
    context = browser.new_context(timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/orders/{public_id}")
        date = page.locator("[data-field=date] time")
        expect(date).to_contain_text("GMT+9")
        assert date.get_attribute("title").endswith("UTC")
    finally:
        context.close()
