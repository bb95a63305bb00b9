"""What a buyer trips over (issue 22, Buyers): the receipt starts the course, an owned
course shows the way in first (buying again is a deliberate second step), a decline
comes back beside the form, the locked lesson offers the right next step and never an
empty "contact us", one click names the amount, one format for dates, statuses, cards."""

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Throttle
from app.models._time import utcnow
from tests.helpers import csrf_from, sign_in_by_link

DECLINE = "4000000000009995"


@pytest.fixture
def course(app, make_course):
    """Python Jumpstart with two lessons."""
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course

    make_course()
    with app.app_context():
        row = get_course("python-jumpstart")
        add_lesson(row, title="Hello", body="First steps.")
        add_lesson(row, title="Loops", body="Round and round.")
        db.session.commit()
    return "python-jumpstart"


def _pay(client, card_token, email="ada@example.com", number="4242424242424242"):
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    return client.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(number),
        "stripeEmail": email})


def _checkout_section(html):
    start = html.index('id="checkout"')
    return html[start:html.index("</section>", start)]


def test_the_receipt_has_a_primary_start_the_course_button(client, app, course, card_token,
                                                          orders):
    """A paid receipt leads into the course; a declined one does not."""
    paid = client.get(_pay(client, card_token).headers["Location"]).get_data(as_text=True)
    button = re.search(r'<a class="button button-primary" href="([^"]+)" '
                       r'data-testid="start-course">Start the course</a>', paid)
    assert button and button.group(1) == "/courses/python-jumpstart/start"
    assert client.get(button.group(1)).headers["Location"].endswith("/lessons/1")
    other = app.test_client()
    _pay(other, card_token, email="bob@example.com", number=DECLINE)
    failed = [o for o in orders() if o.email == "bob@example.com"][0]
    receipt = other.get(f"/orders/{failed.public_id}").get_data(as_text=True)
    assert "did not go through" in receipt and 'data-testid="start-course"' not in receipt


def test_an_owned_course_shows_the_way_in_first_and_buying_again_is_a_choice(
        client, course, card_token):
    """After buying, the course page opens with "Start the course" above the syllabus;
    the checkout waits, closed, under "Buy it for someone else", its email left empty."""
    _pay(client, card_token)
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    owned = html.index('data-testid="owned-note"')
    assert owned < html.index('class="syllabus') if 'class="syllabus' in html else True
    assert owned < html.index('id="checkout-form"')
    assert re.search(r'<details class="buy-again" id="buy-again" data-testid="buy-again">'
                     r'\s*<summary>Buy it for someone else</summary>', html)
    assert 'id="email" name="stripeEmail"' in html
    assert re.search(r'name="stripeEmail"[^>]*value=""', html, re.S)
    assert "Start the course" in html[owned:owned + 600]


def test_a_gift_declined_comes_back_open_beside_the_form(client, course, card_token):
    """An owner's declined gift: back at #checkout with "Buy it for someone else" open
    and the bank's words inside the checkout, not at the top of the page."""
    _pay(client, card_token)
    response = _pay(client, card_token, email="friend@example.com", number=DECLINE)
    assert response.headers["Location"].endswith("/courses/python-jumpstart#checkout")
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert re.search(r'<details class="buy-again" id="buy-again" data-testid="buy-again" '
                     r'open>', html)
    box = _checkout_section(html)
    assert "Your card has insufficient funds." in box and "data-focus-on-load" in box
    assert html.count("Your card has insufficient funds.") == 1
    assert 'value="friend@example.com"' in box


def test_a_decline_is_shown_beside_the_form(client, course, card_token):
    """A visitor's decline: the message is in the checkout section (focused by the
    page's script), the email kept, the page opened at #checkout."""
    response = _pay(client, card_token, number=DECLINE)
    assert response.headers["Location"].endswith("#checkout")
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    box = _checkout_section(html)
    assert re.search(r'<div class="flash flash-error checkout-message" id="checkout-message"'
                     r' role="alert" tabindex="-1" data-focus-on-load', box)
    assert "insufficient funds" in box
    assert html.index("insufficient funds") > html.index('id="checkout"')
    assert "js/checkout_message.js" in html
    script = client.get("/static/js/checkout_message.js")
    assert script.status_code == 200
    script.close()


def test_the_locked_lesson_offers_a_visitor_a_sign_in_link(client, course, app):
    """A visitor reads "Buy" and an email form for a sign-in link, which works; no
    "contact us" with no contact address."""
    page = client.get("/courses/python-jumpstart/lessons/2")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    form = html[html.index('data-testid="locked-sign-in"'):]
    assert 'action="/account/sign-in"' in html and 'name="email"' in form
    assert "contact us" not in html.lower() and 'data-testid="locked-contact"' not in html
    sent = client.post("/account/sign-in", data={"csrf_token": csrf_from(form),
                                                 "email": "ada@example.com"})
    assert sent.status_code == 200 and "ada@example.com" in sent.get_data(as_text=True)
    app.config["STORE_CONTACT_EMAIL"] = "help@shop.example"
    try:
        html = client.get("/courses/python-jumpstart/lessons/2").get_data(as_text=True)
    finally:
        app.config["STORE_CONTACT_EMAIL"] = ""
    assert 'data-testid="locked-contact"' in html and "help@shop.example" in html


def test_the_locked_lesson_tells_a_signed_in_buyer_who_they_are(client, course, app):
    """Signed in by link as someone without the course: their email, Buy, and how to use
    another email; no "open the emailed link" advice."""
    sign_in_by_link(client, app, "zoe@example.com")
    html = client.get("/courses/python-jumpstart/lessons/1").get_data(as_text=True)
    assert "You are signed in as" in html and "zoe@example.com" in html
    assert "which has not bought Python Jumpstart" in html
    assert 'data-testid="buy-link"' in html and 'data-testid="other-email"' in html
    assert "Open the link in your confirmation email" not in html
    assert 'data-testid="locked-sign-in"' not in html


def test_a_purchase_session_without_the_course_can_ask_for_a_link(client, course,
                                                                 card_token, make_course):
    """A device signed in by paying for another course: its email and "Email me a
    sign-in link" (it may own this course from another device)."""
    make_course(slug="other", title="Other")
    page = client.get("/courses/other").get_data(as_text=True)
    client.post("/courses/other/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(),
        "stripeEmail": "ada@example.com"})
    html = client.get("/courses/python-jumpstart/lessons/1").get_data(as_text=True)
    assert "this device has not bought Python Jumpstart" in html
    form = html[html.index('data-testid="locked-link-form"'):]
    assert 'name="email" value="ada@example.com"' in form


def test_no_contact_us_without_a_contact_address(app, client, course):
    """The card-testing pause with STORE_CONTACT_EMAIL empty: no dangling "contact us"."""
    with app.app_context():
        db.session.add(Throttle(key="checkout-ip:127.0.0.1", failures=10,
                                window_started_at=utcnow(),
                                locked_until=utcnow() + timedelta(minutes=30)))
        db.session.commit()
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert "Please try again in 30 minutes." in html
    assert "contact us" not in html.lower()
