"""The buyer's way in, in Chromium at a phone's width and a desktop's: the receipt's
"Start the course", an owned course's page, a decline brought into view, the locked
lesson's sign-in form, the policy links. Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.browser_helpers import buy_in_browser, fill_checkout
from tests.helpers import serious_axe_violations

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(params=sorted(WIDTHS))
def sized(request, browser):
    """A fresh page at the width the test runs with."""
    context = browser.new_context(viewport=WIDTHS[request.param])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.width_name = request.param
    yield page
    context.close()


@pytest.fixture
def course(app, make_course):
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course

    make_course()
    with app.app_context():
        row = get_course("python-jumpstart")
        add_lesson(row, title="Hello", body="First steps.")
        add_lesson(row, title="Loops", body="Round and round.")
        db.session.commit()


def _in_view(page, selector):
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def test_the_receipt_starts_the_course(sized, live_server, course):
    """Paid: "Start the course" is on the first screen and opens lesson 1."""
    buy_in_browser(sized, live_server)
    start = sized.locator("[data-testid=start-course]")
    expect(start).to_be_visible()
    assert _in_view(sized, "[data-testid=start-course]")
    sized.screenshot(path=f"test-artifacts/receipt-start-{sized.width_name}.png",
                     full_page=True)
    start.click()
    sized.wait_for_url(re.compile(r"/lessons/1$"))


def test_an_owned_course_leads_in_and_keeps_the_gift_closed(sized, live_server, course):
    """Back on the course page after buying: "Start the course" first, the checkout
    closed under "Buy it for someone else" until chosen."""
    buy_in_browser(sized, live_server)
    sized.goto(f"{live_server}/courses/python-jumpstart")
    expect(sized.locator("[data-testid=owned-note] [data-testid=start-course]")).to_be_visible()
    assert _in_view(sized, "[data-testid=owned-note]")
    expect(sized.locator("#pay-button")).to_be_hidden()
    sized.screenshot(path=f"test-artifacts/owned-course-{sized.width_name}.png",
                     full_page=True)
    assert serious_axe_violations(sized) == []
    sized.click("#buy-again summary")
    expect(sized.locator("#pay-button")).to_be_visible()
    expect(sized.locator("#email")).to_have_value("")


def test_a_decline_is_brought_into_view_and_focused(sized, live_server, course):
    """A declined card: the page comes back with the bank's words focused and in view,
    the form right under them (on a phone the form is far below the top)."""
    sized.goto(f"{live_server}/courses/python-jumpstart")
    fill_checkout(sized, number="4000 0000 0000 9995")
    sized.click("#pay-button")
    message = sized.locator("[data-testid=checkout-message]")
    expect(message).to_have_text("Your card has insufficient funds.")
    expect(message).to_be_focused()
    assert _in_view(sized, "[data-testid=checkout-message]")
    assert _in_view(sized, "#email")
    expect(sized.locator("#email")).to_have_value("ada@example.com")
    sized.screenshot(path=f"test-artifacts/decline-in-view-{sized.width_name}.png")


def test_the_locked_lesson_offers_a_sign_in_link(sized, live_server, course):
    """A visitor on a lesson: Buy, and "Already bought it?" with an email field that
    sends a link; no "contact us" without a contact address."""
    sized.goto(f"{live_server}/courses/python-jumpstart/lessons/2")
    form = sized.locator("[data-testid=locked-sign-in]")
    expect(form).to_be_visible()
    expect(sized.locator("[data-testid=lesson-locked]")).not_to_contain_text("contact us")
    sized.screenshot(path=f"test-artifacts/locked-lesson-{sized.width_name}.png",
                     full_page=True)
    assert serious_axe_violations(sized) == []
    sized.fill("#locked-email", "ada@example.com")
    form.locator("button").click()
    expect(sized.locator("main")).to_contain_text("ada@example.com")


def test_policy_links_in_the_footer_and_beside_pay(sized, live_server, course, app):
    """Written policies: the footer links them, the note under Pay names them, their
    page reads on both widths."""
    from app.policies import save_version

    with app.test_request_context():
        save_version(kind="terms", body="## Terms\n\nYou get the course for life.",
                     admin_email="owner@example.com")
        save_version(kind="refund", body="Refunds within **14 days**.",
                     admin_email="owner@example.com")
    sized.goto(f"{live_server}/courses/python-jumpstart")
    note = sized.locator("[data-testid=checkout-policies]")
    expect(note).to_contain_text("By paying you agree to our Terms of sale and Refund policy")
    pay = sized.locator("#pay-button").bounding_box()
    assert 0 < note.bounding_box()["y"] - pay["y"] < 200  # right under the button
    footer = sized.locator("[data-testid=footer-policies]")
    expect(footer).to_contain_text("Refund policy")
    sized.screenshot(path=f"test-artifacts/policies-checkout-{sized.width_name}.png",
                     full_page=True)
    footer.get_by_text("Refund policy").click()
    expect(sized.locator("[data-testid=policy]")).to_contain_text("Refunds within 14 days")
    expect(sized.locator("[data-testid=policy-version]")).to_contain_text("Version 1")
    assert serious_axe_violations(sized) == []


def test_the_payment_element_sends_the_versions_it_showed(page, live_server, course, app,
                                                         orders):
    """PAYMENT_FLOW=payment_intents: the page's script posts the versions beside Pay with
    its request for the intent, and the paid order keeps them (version 1, shown, though
    the seller saved version 2 meanwhile)."""
    from app.policies import save_version

    with app.test_request_context():
        save_version(kind="refund", body="Refunds within 14 days.",
                     admin_email="owner@example.com")
    app.config["PAYMENT_FLOW"] = "payment_intents"
    try:
        page.goto(f"{live_server}/courses/python-jumpstart")
        expect(page.locator("[data-testid=checkout-policies]")).to_contain_text(
            "Refund policy")
        with app.test_request_context():  # the seller changes it while the buyer reads
            save_version(kind="refund", body="Refunds within 7 days.",
                         admin_email="owner@example.com")
        page.fill("#email", "ada@example.com")
        for name, value in (("number", "4242 4242 4242 4242"), ("expiry", "12 / 34"),
                            ("cvc", "123"), ("postalCode", "94107")):
            field = page.locator(f"#payment-element input[name={name}]")
            if field.count():
                field.fill(value)
        page.click("#pay-button")
        page.wait_for_url(re.compile(r"/orders/"))
    finally:
        app.config["PAYMENT_FLOW"] = "charges"
    [order] = orders()
    assert order.refund_policy_version == 1 and order.terms_version is None
