"""What a buyer does in Chromium on a course page: fill in the card, pay, reach the
receipt. One copy, used by every browser test that buys a course."""

import contextlib
import re

from playwright.sync_api import expect

VISA = "4242 4242 4242 4242"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: The frame Stripe.js (and the emulator's stand-in) opens for 3-D Secure.
AUTH_MODAL = 'iframe[title="3D Secure authentication"]'


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


def fill_payment_element(page, number=VISA, exp="12 / 34", cvc="123", postal="12345"):
    """Type a card into the Payment Element (PAYMENT_FLOW=payment_intents), its fields
    named as Stripe's frame names them."""
    page.wait_for_selector("#payment-element input[name=number]")
    for name, value in (("number", number), ("expiry", exp), ("cvc", cvc)):
        page.fill(f"#payment-element input[name={name}]", value)
    postcode = page.locator("#payment-element input[name=postalCode]")
    if postcode.count() and postcode.is_visible():
        postcode.fill(postal)


def answer_authentication(page, complete=True):
    """Press Complete or Fail on the bank's test page in Stripe.js's 3-D Secure window."""
    page.wait_for_selector(AUTH_MODAL)
    button = "authorize" if complete else "fail"
    page.frame_locator(AUTH_MODAL).locator(f"#test-source-{button}-3ds").click()


def fill_hosted_checkout(page, number=VISA, email="ada@example.com"):
    """Type the buyer's details into Stripe's hosted Checkout page (its field names)."""
    if page.locator("#email").get_attribute("readonly") is None:
        page.fill("input[name=email]", email)
    page.fill("input[name=cardNumber]", number)
    page.fill("input[name=cardExpiry]", "12 / 34")
    page.fill("input[name=cardCvc]", "123")
    page.fill("input[name=billingName]", "Ada Lovelace")
    page.fill("input[name=billingPostalCode]", "12345")


def sign_in_in_browser(page, app, store, email):
    """Sign the browser in as `email` with a real one-time link (a proven session)."""
    from app.access import mint_link

    with app.app_context():
        raw = mint_link(email=email, purpose="sign_in")
    page.goto(f"{store}/account/link/{raw}")
    page.click("[data-testid=use-link]")
    page.wait_for_url(lambda url: "/account/link/" not in url)


def shots(page, name, full_page=True):
    """Screenshots of the page as it is now at phone width and at 1280 px, in
    test-artifacts/<name>-390.png and -1280.png (for a person to look at); the page is
    left at phone width. A window over the page (3-D Secure) is taken as the screen
    shows it (`full_page=False`)."""
    page.screenshot(path=f"test-artifacts/{name}-390.png", full_page=full_page)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=f"test-artifacts/{name}-1280.png", full_page=full_page)
    page.set_viewport_size(PHONE)


LESSON_BODY = "LESSON-ONE-BODY"


def course_with_a_lesson(app, make_course, **course):
    """Add a course (`make_course`'s defaults: python-jumpstart, $69.00) with one lesson
    whose body shows LESSON_BODY."""
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course
    from app.extensions import db

    made = make_course(**course)
    with app.app_context():
        add_lesson(get_course(course.get("slug", "python-jumpstart")), title="Hello, Python",
                   body=f"## Your first program\n\n{LESSON_BODY}")
        db.session.commit()
    return made


def lessons_open(page, store, slug="python-jumpstart"):
    """The course's first lesson shows its body to this browser."""
    page.goto(f"{store}/courses/{slug}/lessons/1")
    expect(page.locator("main")).to_contain_text(LESSON_BODY)


#: The webhook secret of TestConfig, which the emulator signs its deliveries with.
WEBHOOK_SECRET = "whsec_test_secret"


@contextlib.contextmanager
def paying_by(app, emulator_control, live_server, flow):
    """The store takes cards by `flow` while the emulator delivers its events to the
    store's webhook, as Stripe does; back to the token flow afterwards."""
    app.config["PAYMENT_FLOW"] = flow
    emulator_control.add_webhook(f"{live_server}/webhooks/stripe", WEBHOOK_SECRET)
    try:
        yield
    finally:
        emulator_control.clear_webhooks()
        app.config["PAYMENT_FLOW"] = "charges"
