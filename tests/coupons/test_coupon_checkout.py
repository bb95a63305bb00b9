"""Coupon codes at the checkout, through the real SDK against the emulator: the price
comes from app/pricing, every amount exact in minor units, the code on the charge, and
each way a code cannot be used says so and keeps the full price."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CouponRedemption, OrderStatus
from app.models._time import utcnow


def _charge(stripe_sdk, order):
    return stripe_sdk.v1.charges.retrieve(order.charge_id)


@pytest.mark.parametrize(("price", "currency", "off", "discount", "amount"), [
    ("69.00", "usd", {"percent": 20}, 1380, 5520),
    ("69.00", "usd", {"amount": "10.00", "currency": "usd"}, 1000, 5900),
    ("49.00", "eur", {"percent": 15}, 735, 4165),
    ("49.99", "eur", {"percent": 33}, 1650, 3349),  # 1649.67 rounds half up to 1650
    ("49.00", "eur", {"amount": "5.50", "currency": "eur"}, 550, 4350),
    ("5000", "jpy", {"percent": 15}, 750, 4250),
    ("5001", "jpy", {"percent": 33}, 1650, 3351),  # 1650.33 yen: whole yen
    ("5000", "jpy", {"amount": "1200", "currency": "jpy"}, 1200, 3800),
])
def test_a_code_is_charged_exactly_in_minor_units(make_course, make_coupon, card_token,
                                                  pay, orders, stripe_sdk, coupon_row,
                                                  client, price, currency, off, discount,
                                                  amount):
    """The charge at Stripe is the list price less the code's discount, exact in the
    currency's minor units; the code is in its description and metadata."""
    make_course(slug="course", title="Course", price=price, currency=currency)
    make_coupon("LAUNCH20", **off)
    response = pay("course", card_token(), code="launch20")  # any case
    assert response.status_code == 302, response.get_data(as_text=True)
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert (order.discount_amount, order.amount) == (discount, amount)
    assert order.list_price + 0 == order.discount_amount + order.amount
    assert order.coupon_code == "LAUNCH20"
    charge = _charge(stripe_sdk, order)
    assert (charge.amount, charge.currency) == (amount, currency)
    assert charge.description == "Course — Course Shop (code LAUNCH20)"
    assert charge.metadata["coupon"] == "LAUNCH20"
    assert charge.metadata["list_price"] == str(order.list_price)
    assert charge.metadata["discount"] == str(discount)
    assert coupon_row("LAUNCH20").redemptions == 1
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-field="discount"' in receipt and "LAUNCH20" in receipt


def test_the_course_page_shows_the_price_with_the_code_before_paying(make_course,
                                                                     make_coupon, client):
    """?code=… fills in the field and prices the page; Apply posts the form and shows
    the page again with the code's price and the email kept."""
    make_course()
    make_coupon("LAUNCH20", percent=20)
    page = client.get("/courses/python-jumpstart?code=launch20").get_data(as_text=True)
    assert 'name="code" value="LAUNCH20"' in page
    assert "Code LAUNCH20 applied: $13.80 off." in page
    assert "Pay $55.20" in page and "<s>$69.00</s>" in page
    from tests.helpers import csrf_from

    applied = client.post("/courses/python-jumpstart/code", data={
        "csrf_token": csrf_from(page), "stripeEmail": "ada@example.com", "code": "LAUNCH20",
        "stripeToken": ""})
    assert applied.status_code == 200
    html = applied.get_data(as_text=True)
    assert "Pay $55.20" in html and 'value="ada@example.com"' in html
    plain = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert "Pay $69.00" in plain and 'name="code" value=""' in plain


def _page_says(client, slug, code, message, full_price):
    html = client.get(f"/courses/{slug}", query_string={"code": code}).get_data(
        as_text=True)
    assert message in html, html
    assert f"Pay {full_price}" in html
    assert 'data-testid="price-breakdown"' not in html


@pytest.mark.parametrize(("fields", "message"), [
    ({"ends": (utcnow() - timedelta(days=1)).date().isoformat()},
     "The code SPRING is not valid."),
    ({"starts": (utcnow() + timedelta(days=2)).date().isoformat()},
     "The code SPRING is not valid."),
    ({"courses": "other-course"}, "The code SPRING is not valid."),
])
def test_a_code_that_cannot_be_used_keeps_the_full_price_and_charges_nothing(
        make_course, make_coupon, card_token, pay, orders, client, stripe_sdk, fields,
        message):
    """Expired, not started, or for another course: the page says the code is not valid
    (as for an unknown code: nothing tells a guesser it exists) and shows the full price;
    paying with it places nothing and charges nothing."""
    make_course()
    make_course(slug="other-course", title="Other")
    make_coupon("SPRING", percent=50, **fields)
    _page_says(client, "python-jumpstart", "spring", message, "$69.00")
    response = pay("python-jumpstart", card_token(), code="spring", follow=True)
    html = response.get_data(as_text=True)
    assert message in html and "Nothing was charged" in html
    assert orders() == []
    assert stripe_sdk.v1.charges.list().data == []


def test_unknown_and_deactivated_codes(make_course, make_coupon, client, app):
    make_course()
    make_coupon("OLD", percent=10)
    _page_says(client, "python-jumpstart", "NOPE", "The code NOPE is not valid.", "$69.00")
    with app.app_context():
        from app.pricing import deactivate_coupon

        deactivate_coupon("old")
    _page_says(client, "python-jumpstart", "old", "The code OLD is not valid.",
               "$69.00")


def test_a_fixed_amount_in_another_currency_does_not_apply(make_course, make_coupon,
                                                           client):
    make_course(slug="nihongo", title="Nihongo", price="5000", currency="jpy")
    make_coupon("TENOFF", amount="10.00", currency="usd")
    _page_says(client, "nihongo", "TENOFF",
               "The code TENOFF is for prices in USD; this course is priced in JPY.",
               "¥5,000")


def test_a_discount_below_stripes_minimum_is_refused(make_course, make_coupon, client,
                                                     card_token, pay, orders, stripe_sdk):
    """$1.00 less 60 % would be $0.40, under Stripe's $0.50: refused, full price kept."""
    make_course(slug="tiny", title="Tiny", price="1.00")
    make_coupon("SIXTY", percent=60)
    message = ("With this code the price would be $0.40, less than the smallest payment "
               "we can take ($0.50), so it cannot be used here.")
    _page_says(client, "tiny", "SIXTY", message, "$1.00")
    html = pay("tiny", card_token(), code="SIXTY", follow=True).get_data(as_text=True)
    assert message in html
    assert orders() == [] and stripe_sdk.v1.charges.list().data == []


def test_the_total_limit(make_course, make_coupon, card_token, pay, orders, client,
                         coupon_row):
    """A code with one use: the first buyer gets it, the second sees it used up."""
    make_course()
    make_coupon("ONCE", percent=10, max_redemptions=1)
    assert pay("python-jumpstart", card_token(), code="ONCE",
               email="first@example.com").status_code == 302
    _page_says(client, "python-jumpstart", "ONCE", "The code ONCE has been used up.",
               "$69.00")
    html = pay("python-jumpstart", card_token(), code="ONCE", email="second@example.com",
               follow=True).get_data(as_text=True)
    assert "The code ONCE has been used up." in html
    assert [(o.email, o.amount) for o in orders()] == [("first@example.com", 6210)]
    assert coupon_row("ONCE").redemptions == 1


def test_the_per_buyer_limit(make_course, make_coupon, card_token, pay, orders):
    """One use per buyer: the same email cannot use it on a second course; another can."""
    make_course()
    make_course(slug="second", title="Second")
    make_coupon("PERBUYER", percent=10, per_buyer=1)
    assert pay("python-jumpstart", card_token(), code="PERBUYER",
               email="ada@example.com").status_code == 302
    html = pay("second", card_token(), code="PERBUYER", email="ADA@example.com",
               follow=True).get_data(as_text=True)
    assert "You have already used the code PERBUYER as often as it allows." in html
    assert pay("second", card_token(), code="PERBUYER",
               email="bob@example.com").status_code == 302
    assert [(o.email, o.coupon_code) for o in orders()] == [
        ("ada@example.com", "PERBUYER"), ("bob@example.com", "PERBUYER")]


def test_a_declined_card_gives_the_code_back(make_course, make_coupon, card_token, pay,
                                             orders, coupon_row, app):
    """The last use taken by an order whose card is declined is free again: another
    buyer gets the discount."""
    make_course()
    make_coupon("LAST", percent=25, max_redemptions=1)
    declined = pay("python-jumpstart", card_token("4000000000000002"), code="LAST",
                   email="declined@example.com", follow=True)
    assert "Your card was declined." in declined.get_data(as_text=True)
    [failed] = orders()
    assert failed.status == OrderStatus.FAILED and failed.coupon_code == "LAST"
    assert coupon_row("LAST").redemptions == 0
    with app.app_context():
        [row] = db.session.scalars(select(CouponRedemption)).all()
        assert row.order_id == failed.id and row.released_at is not None
    assert pay("python-jumpstart", card_token(), code="LAST",
               email="next@example.com").status_code == 302
    paid = orders()[-1]
    assert (paid.status, paid.amount, paid.email) == (OrderStatus.PAID, 5175,
                                                      "next@example.com")
    assert coupon_row("LAST").redemptions == 1


def test_the_discounted_price_is_what_the_refund_can_give_back(make_course, make_coupon,
                                                               card_token, pay, orders,
                                                               app):
    """A refund is at most what was paid (the discounted amount), not the list price."""
    from app import orders as order_service

    make_course()
    make_coupon("HALF", percent=50)
    pay("python-jumpstart", card_token(), code="HALF")
    [order] = orders()
    assert order.amount == 3450
    with app.app_context(), pytest.raises(order_service.RefundError) as refused:
        order_service.refund_order(order=order_service.get_order(order.public_id),
                                   amount=6900, reason="requested_by_customer",
                                   idempotency_key="refund-too-much",
                                   created_by="admin@example.com")
    assert "You can refund at most $34.50 (of $34.50)" in str(refused.value)


def test_the_confirmation_email_shows_list_price_discount_and_paid(make_course,
                                                                   make_coupon, card_token,
                                                                   pay, app):
    from app.mail.render import render
    from app.models import OutboxMessage

    make_course()
    make_coupon("LAUNCH20", percent=20)
    pay("python-jumpstart", card_token(), code="LAUNCH20")
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        message = render(row)
    for text in ("List price: $69.00", "Discount (code LAUNCH20): -$13.80",
                 "Amount paid: $55.20"):
        assert text in message.text, message.text
    assert "Amount paid</td><td>$55.20" in message.html
    assert "Discount (code LAUNCH20)</td><td>-$13.80" in message.html
