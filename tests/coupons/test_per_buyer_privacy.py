"""A once-per-buyer code never tells a stranger whether an email has bought: the course
page (Apply, ?code=) checks the per-buyer limit only for the buyer signed in on this
browser; any other typed email sees the code applicable, and the limit is enforced when
the order is placed, in every flow, with nothing charged."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order
from tests.helpers import csrf_from, sign_in_by_link

USED = "You have already used the code LAUNCH10 as often as it allows."


@pytest.fixture
def gina_used_it(make_course, make_coupon, pay, card_token):
    """LAUNCH10 (10 %, once per buyer); gina@example.com bought one course with it."""
    make_course()
    make_course(slug="flask-in-production", title="Flask in Production")
    make_coupon("LAUNCH10", percent=10, per_buyer=1)
    assert pay("flask-in-production", card_token(), code="LAUNCH10",
               email="gina@example.com").status_code == 302


def _apply(client, email, code="LAUNCH10"):
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    return client.post("/courses/python-jumpstart/code", data={
        "csrf_token": csrf_from(page), "stripeEmail": email, "code": code}
    ).get_data(as_text=True)


def test_apply_answers_the_same_for_an_email_that_used_the_code(gina_used_it, app):
    """A stranger typing gina's email reads what any other email reads."""
    for email in ("gina@example.com", "henry@example.com"):
        html = _apply(app.test_client(), email)
        assert "Code LAUNCH10 applied: $6.90 off." in html, email
        assert USED not in html


def test_the_signed_in_buyer_is_told_on_the_page(gina_used_it, app):
    """gina herself, signed in with her link, is told before she pays (Apply, ?code=)."""
    client = app.test_client()
    sign_in_by_link(client, app, "gina@example.com")
    html = _apply(client, "gina@example.com")
    assert USED in html and "Code LAUNCH10 applied" not in html
    page = client.get("/courses/python-jumpstart?code=LAUNCH10").get_data(as_text=True)
    assert USED in page and "Code LAUNCH10 applied" not in page
    # Signed in as gina, another email typed into the form is a stranger's again.
    assert "Code LAUNCH10 applied" in _apply(client, "henry@example.com")


def test_paying_with_the_email_is_still_refused(gina_used_it, app, client, pay, card_token,
                                                stripe_sdk):
    """The token checkout places nothing and charges nothing for gina's email."""
    charges = len(stripe_sdk.v1.charges.list().data)
    html = pay("python-jumpstart", card_token(), code="LAUNCH10", email="gina@example.com",
               follow=True).get_data(as_text=True)
    assert USED in html and "Nothing was charged" in html
    assert len(stripe_sdk.v1.charges.list().data) == charges
    with app.app_context():
        assert db.session.scalars(select(Order.course_title)).all() == [
            "Flask in Production"]


@pytest.mark.parametrize(("name", "path"), [
    ("payment_intents", "payment-intent"), ("checkout", "checkout-session")])
def test_the_browser_flows_refuse_the_email_when_placing(gina_used_it, app, client, flow,
                                                         stripe_sdk, name, path):
    """The Payment Element and hosted Checkout: no intent, no Session, no order."""
    flow(name)
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    response = client.post(f"/courses/python-jumpstart/{path}", data={
        "csrf_token": csrf_from(page), "email": "gina@example.com", "code": "LAUNCH10"},
        follow_redirects=True)
    text = response.get_data(as_text=True)
    assert USED in (response.get_json()["error"] if response.is_json else text)
    assert stripe_sdk.v1.payment_intents.list().data == []
    assert stripe_sdk.v1.checkout.sessions.list().data == []
    with app.app_context():
        assert db.session.scalars(select(Order.course_title)).all() == [
            "Flask in Production"]


def test_free_enrolment_refuses_the_email_when_placing(app, client, make_course,
                                                       make_coupon):
    """A once-per-buyer 100 % code: the page offers Enrol to a stranger typing the email,
    and enrolling with it places nothing."""
    make_course()
    make_course(slug="second", title="Second")
    make_coupon("FREE1", percent=100, per_buyer=1)
    for slug in ("python-jumpstart", "second"):
        page = client.get(f"/courses/{slug}?code=FREE1").get_data(as_text=True)
        assert "Enrol for free" in page
        response = client.post(f"/courses/{slug}/enrol", data={
            "csrf_token": csrf_from(page), "email": "zoe@example.com", "code": "FREE1"},
            follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "You have already used the code FREE1 as often as it allows." in html
    with app.app_context():
        assert db.session.scalars(select(Order.course_title)).all() == ["Python Jumpstart"]
