"""What a buyer reads: refunded receipts, the email rule, the pending receipt, the
card-testing pause, the contact address, the favicon."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, Throttle
from app.models._time import utcnow


def _refund(app, reference, amount):
    from app.orders.refunds import new_idempotency_key, refund_order

    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        refund_order(order=order, amount=amount, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order), created_by="t@example.com")


def _receipt(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"])


@pytest.mark.parametrize(("amount", "heading", "note"), [
    (6900, "This payment was refunded", "We refunded the full $69.00 on"),
    (2000, "Thank you! Your payment went through.", "We refunded $20.00 of it on"),
])
def test_receipt_shows_the_refund_amount_and_date(app, client, make_course, card_token,
                                                  checkout, orders, amount, heading, note):
    make_course()
    location = checkout("python-jumpstart", card_token()).headers["Location"]
    [order] = orders()
    _refund(app, order.reference, amount)
    html = client.get(location).get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in html
    assert note in html
    if amount == 6900:
        assert "Thank you! Your payment went through." not in html
    refunded = re.search(r'data-field="refunded">(.*?)</dd>', html, re.S).group(1)
    assert refunded.startswith(f"${amount / 100:.2f} on <time datetime=\"")
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">[^<]+UTC</time>',
                     refunded)


@pytest.mark.parametrize("email", ["a@b", "ada@localhost", "ada@@example.com", "ada example@x.com"])
def test_server_refuses_what_the_browser_refuses_and_keeps_the_email(client, make_course,
                                                                      checkout, email):
    """The email rule is the input's pattern; the server applies the same one, shows the
    error under the email field and keeps what was typed."""
    make_course()
    response = checkout("python-jumpstart", "tok_visa", email=email)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(r'<div id="email-error"[^>]*>([^<]*)</div>', html).group(1)
    assert "Enter a valid email address" in error
    assert f'value="{email}"' in html.replace("&#34;", '"')
    assert 'aria-invalid="true"' in html
    assert 'class="flash' not in html  # not a banner at the top of the page


def test_the_input_pattern_is_the_servers_rule(client, make_course):
    from app.checkout.forms import EMAIL_PATTERN

    make_course()
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert f'pattern="{EMAIL_PATTERN}"' in html
    for good in ("ada@example.com", "a.b+c@mail.example.co.uk"):
        assert re.fullmatch(EMAIL_PATTERN, good)
    for bad in ("a@b", "a@b.c", "@example.com", "a b@example.com"):
        assert not re.fullmatch(EMAIL_PATTERN, bad)


def test_pending_receipt_polls_instead_of_refreshing_and_says_it_once(app, client,
                                                                      make_course,
                                                                      card_token, checkout,
                                                                      emulator_control):
    make_course()
    # Stripe stays unreachable: the checkout and the receipt's own check both fail.
    emulator_control.inject_fault(mode="drop", count=50, path="/v1/charges", method="POST")
    response = checkout("python-jumpstart", card_token(), follow=True)
    html = response.get_data(as_text=True)
    assert "We are confirming your payment" in html
    assert 'http-equiv="refresh"' not in html
    assert html.lower().count("do not pay again") == 1  # the flash said it too, before
    assert 'aria-live="polite"' in html and "data-poll-url=" in html
    url = re.search(r'data-poll-url="([^"]+)"', html).group(1)
    assert client.get(url).get_json() == {"status": "pending"}
    assert client.get("/orders/nope/status.json").status_code == 404


def test_course_page_while_checkout_is_paused(app, client, make_course):
    """After too many declines from this address Pay is disabled, with the reason and a
    contact address; the footer shows STORE_CONTACT_EMAIL on every buyer page."""
    make_course()
    with app.app_context():
        db.session.add(Throttle(key="checkout-ip:127.0.0.1", failures=10,
                                window_started_at=utcnow(),
                                locked_until=utcnow() + timedelta(minutes=30)))
        db.session.commit()
    app.config["STORE_CONTACT_EMAIL"] = "help@shop.example"
    try:
        html = client.get("/courses/python-jumpstart").get_data(as_text=True)
        catalog = client.get("/").get_data(as_text=True)
    finally:
        app.config["STORE_CONTACT_EMAIL"] = ""
    assert re.search(r'<button type="submit" id="pay-button" disabled', html)
    assert "Checkout is paused for your connection" in html
    assert "try again in 30 minutes, or contact us at help@shop.example" in html
    for page in (html, catalog):
        assert 'href="mailto:help@shop.example"' in page


def test_contact_us_messages_name_the_contact_address(app, client, make_course,
                                                      card_token, checkout):
    """A refused second purchase says "contact us at <address>"."""
    make_course()
    app.config["STORE_CONTACT_EMAIL"] = "help@shop.example"
    try:
        checkout("python-jumpstart", card_token(), email="ada@example.com")
        again = checkout("python-jumpstart", card_token(), email="ada@example.com",
                         follow=True)
    finally:
        app.config["STORE_CONTACT_EMAIL"] = ""
    assert "contact us at help@shop.example" in again.get_data(as_text=True)


def test_favicon_is_linked_and_served(client):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    response = client.get(href)
    try:
        assert response.status_code == 200 and b"<svg" in response.data
    finally:
        response.close()


def test_demo_courses_speak_plainly(app_ctx):
    from app.catalog.services import DEMO_COURSES

    assert not any("zero-decimal" in course[-1] for course in DEMO_COURSES)
