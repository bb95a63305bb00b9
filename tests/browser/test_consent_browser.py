"""EU buyers in Chromium with real mail (the EU/EEA and UK digital-content rules): one
ticks and opens the lessons at once, the email quoting the consent; one does not tick,
has no access yet, and starts from My account; one withdraws there and is refunded once.
axe-core finds no serious violation on the new pages and forms."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import fill_checkout
from tests.helpers import serious_axe_violations
from tests.smtp import parts

pytestmark = pytest.mark.browser

TEXT = ("I want access to the course now and understand that I then lose my right to "
        "withdraw.")


@pytest.fixture
def store(app, live_server, smtp, mail_worker, make_course, emulator_control):
    """The live store with mail to the test SMTP server and a course with a lesson."""
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course
    from app.extensions import db

    saved = app.config["STORE_URL"]
    app.config["STORE_URL"] = live_server
    make_course()
    with app.app_context():
        add_lesson(get_course("python-jumpstart"), title="Hello, Python",
                   body="LESSON-ONE-BODY")
        db.session.commit()
    yield live_server
    app.config["STORE_URL"] = saved


def _axe(page):
    assert serious_axe_violations(page) == [], page.url


def _pay(page, store, email, *, country="FR", tick=False):
    page.goto(f"{store}/courses/python-jumpstart")
    page.select_option("#country", country)
    expect(page.locator("#consent-box")).to_be_visible()
    expect(page.locator("#immediate-access-consent")).not_to_be_checked()
    _axe(page)
    if tick:
        page.check("#immediate-access-consent")
    fill_checkout(page, email=email)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_contain_text("Your payment went through")


def test_the_country_comes_from_the_browser_and_the_box_only_for_those_countries(
        browser, store):
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(f"{store}/courses/python-jumpstart")
    expect(page.locator("#country")).to_have_value("DE")
    expect(page.locator("#consent-box")).to_be_visible()
    page.select_option("#country", "US")
    expect(page.locator("#consent-box")).to_be_hidden()
    page.select_option("#country", "GB")
    expect(page.locator("#consent-box")).to_be_visible()
    context.close()


def test_a_buyer_who_ticks_opens_the_lessons_at_once_and_the_email_has_the_consent(
        page, store, smtp):
    _pay(page, store, "ticks@example.com", tick=True)
    expect(page.locator("[data-testid=receipt-withdraw]")).to_have_count(0)
    page.goto(f"{store}/courses/python-jumpstart/lessons/1")
    expect(page.locator("main")).to_contain_text("LESSON-ONE-BODY")
    [message] = smtp.wait_for(1, timeout=15)
    text, html = parts(message)
    assert TEXT in text and TEXT in html
    assert "lose your right to withdraw" in text and "text version 1" in text


def test_a_buyer_who_does_not_tick_waits_then_starts_from_my_account(page, store, smtp,
                                                                     stripe_sdk):
    _pay(page, store, "later@example.com")
    expect(page.locator("[data-testid=receipt-starts-later]")).to_be_visible()
    expect(page.locator("[data-testid=receipt-withdraw]")).to_be_visible()
    _axe(page)
    page.goto(f"{store}/courses/python-jumpstart/lessons/1")
    expect(page.locator("main")).not_to_contain_text("LESSON-ONE-BODY")
    page.goto(f"{store}/account")
    expect(page.locator("[data-testid=waiting-order]")).to_be_visible()
    expect(page.locator("[data-testid=starts-later]")).to_be_visible()
    _axe(page)
    page.click("[data-testid=start-now]")  # not ticked: refused, nothing changes
    expect(page.locator(".flash-error")).to_contain_text("Tick the box to start now")
    page.check("[data-testid=start-now-consent]")
    page.click("[data-testid=start-now]")
    expect(page.locator(".flash-success")).to_contain_text("is open for you now")
    expect(page.locator("[data-testid=waiting-order]")).to_have_count(0)
    page.goto(f"{store}/courses/python-jumpstart/lessons/1")
    expect(page.locator("main")).to_contain_text("LESSON-ONE-BODY")
    messages = smtp.wait_for(2, timeout=15)
    consent = [m for m in messages if "starts now" in m["Subject"]]
    assert len(consent) == 1 and TEXT in parts(consent[0])[0]
    assert stripe_sdk.v1.refunds.list().data == []


def test_a_buyer_who_does_not_tick_withdraws_from_my_account_and_is_refunded_once(
        page, store, smtp, stripe_sdk):
    _pay(page, store, "withdraws@example.com", country="IE")
    page.goto(f"{store}/account")
    page.click("[data-testid=withdraw-link]")
    expect(page.locator("h1")).to_have_text("Withdraw from this purchase")
    _axe(page)
    page.click("[data-testid=confirm-withdrawal]")
    expect(page.locator("h1")).to_have_text("You have withdrawn from this purchase")
    expect(page.locator("[data-testid=withdrawal-refund]")).to_contain_text("$69.00")
    _axe(page)
    page.go_back()  # the confirmation page again: a second confirm sends nothing more
    page.reload()
    expect(page.locator("h1")).to_have_text("You have withdrawn from this purchase")
    refunds = stripe_sdk.v1.refunds.list().data
    assert len(refunds) == 1 and refunds[0].amount == 6900
    page.goto(f"{store}/courses/python-jumpstart/lessons/1")
    expect(page.locator("main")).not_to_contain_text("LESSON-ONE-BODY")
    messages = smtp.wait_for(3, timeout=15)
    ack = [m for m in messages if m["Subject"].startswith("Withdrawal received")]
    assert len(ack) == 1 and "You withdrew from your order" in parts(ack[0])[0]


def test_the_one_click_page_asks_the_country_and_passes_axe(page, store, app, stripe_sdk):
    """A signed-in buyer with a saved card: the one-click confirmation has the fields."""
    from app.access import mint_link

    with app.app_context():
        raw = mint_link(email="oneclick@example.com", purpose="sign_in")
    page.goto(f"{store}/account/link/{raw}")
    page.click("[data-testid=use-link]")
    page.goto(f"{store}/courses/python-jumpstart")
    page.select_option("#country", "US")
    fill_checkout(page, email="oneclick@example.com", save_card=True)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    from app.catalog.services import add_course
    from app.extensions import db

    with app.app_context():
        add_course(slug="second-course", title="Second Course", price="10.00",
                   currency="usd", description="More.")
        db.session.commit()
    page.goto(f"{store}/courses/second-course/one-click")
    page.select_option("#country", "NO")
    expect(page.locator("#consent-box")).to_be_visible()
    _axe(page)


def test_no_country_chosen_stops_pay_before_anything_is_sent(browser, store, stripe_sdk,
                                                              orders):
    """A browser whose languages name no region: the select starts empty and Pay asks
    for the country under it; no token, no order."""
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.goto(f"{store}/courses/python-jumpstart")
    expect(page.locator("#country")).to_have_value("")
    fill_checkout(page, email="nocountry@example.com")
    page.click("#pay-button")
    expect(page.locator("#country-error")).to_have_text(
        "Choose the country you live in from the list.")
    assert page.evaluate("document.activeElement.id") == "country"
    assert orders() == [] and stripe_sdk.v1.charges.list().data == []
    context.close()


def test_payment_element_buyer_who_ticks_opens_the_lessons(app, page, store, orders):
    """PAYMENT_FLOW=payment_intents: the page's own POST carries the country and tick."""
    app.config["PAYMENT_FLOW"] = "payment_intents"
    try:
        page.goto(f"{store}/courses/python-jumpstart")
        page.select_option("#country", "FI")
        page.check("#immediate-access-consent")
        page.fill("#email", "element@example.com")
        page.wait_for_selector("#payment-element input[name=number]")
        for name, value in (("number", "4242 4242 4242 4242"), ("expiry", "12 / 34"),
                            ("cvc", "123"), ("postalCode", "00100")):
            page.fill(f"#payment-element input[name={name}]", value)
        page.click("#pay-button")
        page.wait_for_url(re.compile(r"/orders/[^/]+$"))
        expect(page.locator("h1")).to_contain_text("Your payment went through")
    finally:
        app.config["PAYMENT_FLOW"] = "charges"
    [order] = orders()
    assert order.buyer_country == "FI" and order.immediate_access_at is not None
    page.goto(f"{store}/courses/python-jumpstart/lessons/1")
    expect(page.locator("main")).to_contain_text("LESSON-ONE-BODY")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, None])
def test_the_admin_pages_show_the_consent_and_the_withdrawal_accessibly(
        browser, store, app, viewport):
    """A withdrawn German purchase paid with a French card: the admin purchase page (the
    consent record, the mismatch, the withdrawal), the list and the dashboard, with axe,
    at laptop and phone width."""
    from app.admin.auth import create_admin

    with app.app_context():
        create_admin(email="owner@example.com", password="correct horse battery staple")
    context = browser.new_context(**({"viewport": viewport} if viewport else {}))
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{store}/courses/python-jumpstart")
    page.select_option("#country", "DE")
    fill_checkout(page, email="admin-view@example.com", number="4000 0025 0000 0003")
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/orders/"))
    page.click("[data-testid=receipt-withdraw]")
    _axe(page)
    page.click("[data-testid=confirm-withdrawal]")
    expect(page.locator("h1")).to_have_text("You have withdrawn from this purchase")
    page.goto(f"{store}/admin/login")
    page.fill("input[name=email]", "owner@example.com")
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("[data-testid=count-withdrawals]")).to_have_text("1")
    _axe(page)
    page.goto(f"{store}/admin/purchases")
    expect(page.locator("[data-testid=withdrawn]")).to_have_count(1)
    _axe(page)
    page.click("text=ORD-")
    expect(page.locator("[data-testid=withdrawn-badge]")).to_be_visible()
    expect(page.locator("[data-testid=country-mismatch]")).to_contain_text("declared DE")
    expect(page.locator("[data-testid=consents]")).to_contain_text(TEXT)
    _axe(page)
    context.close()


def test_when_the_tick_is_required_pay_asks_for_it_first(app, page, store, orders,
                                                          stripe_sdk):
    """CONSENT_OFFER_START_LATER=false: Pay without the tick says why under the box and
    sends nothing; ticked, it pays."""
    app.config["CONSENT_OFFER_START_LATER"] = False
    try:
        page.goto(f"{store}/courses/python-jumpstart")
        page.select_option("#country", "PL")
        expect(page.locator("#consent-help")).to_contain_text("The tick is needed")
        fill_checkout(page, email="required@example.com")
        page.click("#pay-button")
        expect(page.locator("#consent-error")).to_contain_text("you need to tick the box")
        assert orders() == [] and stripe_sdk.v1.charges.list().data == []
        page.check("#immediate-access-consent")
        page.click("#pay-button")
        page.wait_for_url(re.compile(r"/orders/"))
        expect(page.locator("h1")).to_contain_text("Your payment went through")
    finally:
        app.config["CONSENT_OFFER_START_LATER"] = True
    [order] = orders()
    assert order.immediate_access_at is not None
