"""A buyer in Chromium with real mail: buy, get the email, open the lesson by its link,
lose it on a refund. The SMTP server is aiosmtpd in this process; the outbox worker runs
in the app."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import buy_in_browser, course_with_a_lesson
from tests.helpers import serious_axe_violations
from tests.smtp import parts

pytestmark = pytest.mark.browser

ADMIN_EMAIL, ADMIN_PASSWORD = "owner@example.com", "correct horse battery staple"


@pytest.fixture
def store(app, live_server, smtp, mail_worker):
    """The live store, its links pointing at itself, mail going to the test SMTP server."""
    saved = app.config["STORE_URL"]
    app.config["STORE_URL"] = live_server
    yield live_server
    app.config["STORE_URL"] = saved


def _link(message, live_server):
    text, html = parts(message)
    match = re.search(re.escape(live_server) + r"/account/link/[\w.-]+", text)
    assert match and match.group(0) in html
    return match.group(0)


def _open_link(browser, url):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    return context, page


def test_buy_get_the_email_and_its_link_opens_the_lesson_once(browser, page, store, smtp,
                                                              make_course, app):
    """Buy → the confirmation arrives → its link (another browser) opens the lesson, once."""
    course_with_a_lesson(app, make_course)
    buy_in_browser(page, store)
    page.click("text=My account")
    expect(page.locator("[data-testid=my-courses]")).to_contain_text("Python Jumpstart")
    [message] = smtp.wait_for(1, timeout=15)
    assert message["Subject"].startswith("Your order ORD-")
    link = _link(message, store)
    other, other_page = _open_link(browser, link)
    other_page.click("[data-testid=use-link]")
    other_page.wait_for_url(re.compile(r"/courses/python-jumpstart/lessons/1$"))
    expect(other_page.locator("main")).to_contain_text("LESSON-ONE-BODY")
    other_page.screenshot(path="test-artifacts/lesson-from-email.png", full_page=True)
    other_page.click("text=My account")
    expect(other_page.locator("[data-testid=my-courses]")).to_contain_text("Python Jumpstart")
    third, third_page = _open_link(browser, link)
    expect(third_page.locator("h1")).to_have_text("This link has expired or was used already")
    other.close()
    third.close()


def test_full_refund_from_the_admin_removes_access_and_mails_the_buyer(
        browser, page, store, smtp, make_course, app):
    """The admin refunds everything: My courses no longer lists it; the notice arrives."""
    from app.admin.auth import create_admin

    with app.app_context():
        create_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    course_with_a_lesson(app, make_course)
    buy_in_browser(page, store)
    smtp.wait_for(1, timeout=15)
    page.goto(f"{store}/courses/python-jumpstart/lessons/1")
    expect(page.locator("main")).to_contain_text("LESSON-ONE-BODY")
    admin_context, admin = _open_link(browser, f"{store}/admin/login")
    admin.fill("input[name=email]", ADMIN_EMAIL)
    admin.fill("input[name=password]", ADMIN_PASSWORD)
    admin.click("button[type=submit]")
    admin.goto(f"{store}/admin/purchases")
    admin.click("text=ORD-")
    admin.check("input[name=confirm]")
    admin.click("[data-testid=refund-submit]")
    expect(admin.locator("[data-testid=order-status]")).to_have_text("Refunded")
    admin.click("[data-testid=buyer-link]")
    expect(admin.locator("[data-testid=buyer-access]")).to_contain_text("Revoked")
    admin.screenshot(path="test-artifacts/admin-buyer.png", full_page=True)
    messages = smtp.wait_for(2, timeout=15)
    notice = messages[1]
    assert notice["Subject"].startswith("Refund for order ORD-")
    text, _ = parts(notice)
    assert "$69.00" in text and "has ended" in text
    page.goto(f"{store}/courses/python-jumpstart/lessons/1")
    expect(page.locator("main")).not_to_contain_text("LESSON-ONE-BODY")
    page.goto(f"{store}/account")
    expect(page.locator("[data-testid=my-courses]")).not_to_contain_text("Python Jumpstart")
    expect(page.locator("[data-testid=my-orders]")).to_contain_text("Refunded")
    admin_context.close()


def test_sign_in_from_another_browser_with_the_emailed_link(browser, page, store, smtp,
                                                            make_course):
    """A second browser asks for a link; the emailed link lists the course; it works once."""
    make_course()
    buy_in_browser(page, store)
    smtp.wait_for(1, timeout=15)
    context, other = _open_link(browser, f"{store}/")
    other.click("text=My account")
    other.fill("#email", "ADA@example.com")
    other.click("text=Email me a sign-in link")
    expect(other.locator("[data-testid=link-sent]")).to_contain_text("Check your email")
    [_, message] = smtp.wait_for(2, timeout=15)
    assert message["Subject"].startswith("Your sign-in link")
    link = _link(message, store)
    other.goto(link)
    other.click("[data-testid=use-link]")
    expect(other.locator("[data-testid=my-courses]")).to_contain_text("Python Jumpstart")
    other.goto(f"{store}/courses/python-jumpstart")
    expect(other.locator("[data-testid=owned-note]")).to_contain_text("You have this course")
    expect(other.locator("#email")).to_have_value("")  # buying again is for someone else
    make_course(slug="sql-basics", title="SQL Basics")
    other.goto(f"{store}/courses/sql-basics")  # another course: the checkout is prefilled
    expect(other.locator("#email")).to_have_value("ada@example.com")
    other.goto(link)
    expect(other.locator("h1")).to_have_text("This link has expired or was used already")
    context.close()


def test_pay_then_the_emailed_link_opens_the_whole_account(browser, page, store, smtp,
                                                           make_course, app):
    """The legitimate path: pay → this browser is signed in for that course only → ask for
    a link from My account → the link signs in → every order and course of the email."""
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course
    from app.extensions import db

    course_with_a_lesson(app, make_course)
    make_course(slug="sql-basics", title="SQL Basics")
    with app.app_context():
        add_lesson(get_course("sql-basics"), title="Select", body="SQL-LESSON-BODY")
        db.session.commit()
    buy_in_browser(page, store)
    page.click("text=My account")
    expect(page.locator("[data-testid=my-courses]")).to_contain_text("Python Jumpstart")
    expect(page.locator("[data-testid=purchase-session]")).to_contain_text(
        "Signed in from your purchase")
    page.goto(f"{store}/courses/python-jumpstart/lessons/1")
    expect(page.locator("main")).to_contain_text("LESSON-ONE-BODY")

    # The same buyer buys another course on another device: this browser does not see it.
    phone, phone_page = _open_link(browser, f"{store}/")
    phone_page.goto(f"{store}/courses/sql-basics")
    phone_page.fill("#email", "ada@example.com")
    phone_page.fill("input[name=cardnumber]", "4242 4242 4242 4242")
    phone_page.fill("input[name=exp-date]", "12 / 34")
    phone_page.fill("input[name=cvc]", "123")
    if phone_page.locator("input[name=postal]").is_visible():
        phone_page.fill("input[name=postal]", "12345")
    phone_page.click("#pay-button")
    phone_page.wait_for_url(re.compile(r"/orders/"))
    phone.close()
    page.goto(f"{store}/account")
    expect(page.locator("[data-testid=my-orders]")).not_to_contain_text("SQL Basics")
    page.screenshot(path="test-artifacts/account-purchase-session.png", full_page=True)
    assert serious_axe_violations(page) == []

    page.click("[data-testid=email-me-a-link]")
    expect(page.locator("[data-testid=link-sent]")).to_contain_text("Check your email")
    messages = smtp.wait_for(3, timeout=15)
    [message] = [m for m in messages if m["Subject"].startswith("Your sign-in link")]
    page.goto(_link(message, store))
    expect(page.locator("h1")).to_contain_text("Sign in as ada@example.com")
    page.click("[data-testid=use-link]")
    expect(page.locator("[data-testid=my-courses]")).to_contain_text("SQL Basics")
    expect(page.locator("[data-testid=my-courses]")).to_contain_text("Python Jumpstart")
    expect(page.locator("[data-testid=my-orders]")).to_contain_text("SQL Basics")
    expect(page.locator("[data-testid=purchase-session]")).to_have_count(0)
    page.screenshot(path="test-artifacts/account-after-link.png", full_page=True)
    assert serious_axe_violations(page) == []
    page.goto(f"{store}/courses/sql-basics/lessons/1")
    expect(page.locator("main")).to_contain_text("SQL-LESSON-BODY")
    make_course(slug="third", title="Third")
    page.goto(f"{store}/courses/third")
    expect(page.locator("#save-card")).to_be_visible()  # proven: may save a card
    expect(page.locator("#email")).to_have_value("ada@example.com")
