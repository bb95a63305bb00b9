"""Free enrolment: a course priced 0, or a 100 % code, enrols the buyer with an order and
no request to Stripe (counted on the emulator); access, the emailed link, the receipt and
the admin work as for a paid order; enrolling signs nobody in."""

from sqlalchemy import select

from app.access import find_buyer, has_access
from app.extensions import db
from app.models import OrderStatus, OutboxMessage
from tests.helpers import csrf_from


def _enrol(client, slug, *, email="ada@example.com", code=None):
    page = client.get(f"/courses/{slug}", query_string={"code": code} if code else None)
    html = page.get_data(as_text=True)
    assert 'id="enrol-form"' in html and "Enrol for free" in html, html
    assert "js.stripe.com" not in html  # a free page loads nothing of Stripe's
    data = {"csrf_token": csrf_from(html), "email": email}
    if code:
        data["code"] = code
    return client.post(f"/courses/{slug}/enrol", data=data)


def _check_enrolled(app, client, response, email, stripe_requests):
    assert response.status_code == 302, response.get_data(as_text=True)
    assert stripe_requests() == 0
    with app.app_context():
        from app.models import Order

        [order] = db.session.scalars(select(Order)).all()
        assert (order.status, order.amount, order.payment.flow) == (
            OrderStatus.PAID, 0, "free")
        assert order.payment.charge_id is None and order.payment.request is None
        buyer = find_buyer(email)
        assert has_access(buyer.id, order.course_id)
        [mail] = db.session.scalars(select(OutboxMessage)).all()
        assert (mail.kind, mail.to_email) == ("order_confirmation", email)
        public_id = order.public_id
    assert response.headers["Location"] == f"/orders/{public_id}"
    receipt = client.get(f"/orders/{public_id}").get_data(as_text=True)
    assert "You are enrolled" in receipt and "$0.00 (free)" in receipt
    assert "Enrolling for free does not sign you in here" in receipt
    # Not signed in: the account page asks for the emailed link.
    account = client.get("/account", follow_redirects=True).get_data(as_text=True)
    assert "sign" in account.lower() and email not in account
    return public_id


def test_a_course_priced_zero_enrols_without_stripe(app, client, make_course,
                                                   stripe_requests):
    make_course(slug="intro", title="Intro", price="0")
    count = stripe_requests()
    response = _enrol(client, "intro", code="ANYTHING")  # a code changes nothing here
    _check_enrolled(app, client, response, "ada@example.com", count)


def test_a_hundred_percent_code_enrols_without_stripe(app, client, make_course,
                                                     make_coupon, stripe_requests,
                                                     coupon_row):
    make_course()
    make_coupon("FREE100", percent=100, max_redemptions=5)
    count = stripe_requests()
    response = _enrol(client, "python-jumpstart", code="free100")
    _check_enrolled(app, client, response, "ada@example.com", count)
    assert coupon_row("FREE100").redemptions == 1
    with app.app_context():
        from app.models import Order

        order = db.session.scalar(select(Order))
        assert (order.list_price, order.discount_amount, order.coupon_code) == (
            6900, 6900, "FREE100")


def test_a_token_posted_with_a_hundred_percent_code_is_not_charged(
        app, client, make_course, make_coupon, card_token, pay, stripe_requests):
    """A buyer who typed the code and pressed Pay without Apply: enrolled, the card
    token never sent."""
    make_course()
    make_coupon("FREE100", percent=100)
    token = card_token()  # before counting
    count = stripe_requests()
    response = pay("python-jumpstart", token, code="FREE100", email="bob@example.com")
    _check_enrolled(app, client, response, "bob@example.com", count)


def test_enrolling_again_is_refused_and_a_paid_course_cannot_be_enrolled(
        app, client, make_course, stripe_requests):
    make_course(slug="intro", title="Intro", price="0")
    make_course()
    count = stripe_requests()
    assert _enrol(client, "intro").status_code == 302
    again = _enrol(client, "intro")
    assert again.status_code == 302
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "was already paid" in page
    paid_page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    refused = client.post("/courses/python-jumpstart/enrol", follow_redirects=True, data={
        "csrf_token": csrf_from(paid_page), "email": "eve@example.com"})
    assert "This course is not free" in refused.get_data(as_text=True)
    assert count() == 0


def test_the_free_order_cannot_be_refunded(app, client, make_course):
    make_course(slug="intro", title="Intro", price="0")
    _enrol(client, "intro")
    with app.app_context():
        from app import orders as order_service
        from app.models import Order

        order = db.session.scalar(select(Order))
        try:
            order_service.refund_order(order=order, amount=1,
                                       reason="requested_by_customer",
                                       idempotency_key="free-refund", created_by="a@b.co")
        except order_service.RefundError as exc:
            assert "was free: there is nothing to refund" in str(exc)
        else:
            raise AssertionError("a free order was refunded")


def test_a_free_enrolment_does_not_widen_a_session_opened_by_paying(app, client,
                                                                    make_course, pay,
                                                                    card_token):
    """A browser that paid for one course sees that order; enrolling the same email in a
    free course adds nothing to what it sees (the emailed link does)."""
    make_course()
    make_course(slug="intro", title="Free Intro", price="0")
    assert pay("python-jumpstart", card_token(), email="ada@example.com").status_code == 302
    before = client.get("/account").get_data(as_text=True)
    assert "Signed in from your purchase" in before and "Python Jumpstart" in before
    assert _enrol(client, "intro").status_code == 302
    after = client.get("/account").get_data(as_text=True)
    assert "Python Jumpstart" in after and "Free Intro" not in after
    assert client.get("/courses/intro/lessons/1").status_code in (403, 404)
