"""A double click (or two tabs) on Pay / "Continue to payment" sends two POSTs with one
cookie; the browser keeps the answer of the second, which did not start the order and
whose cookie lacks it. The order is still this browser's: pressing again gives its
payment back (the same PaymentIntent, the same Checkout Session), never "under way in
another window", and coming back from Stripe signs the buyer in. Another browser that
knows the email still cannot take it."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus
from tests.helpers import confirm_intent, csrf_from

EMAIL = "double@example.com"
SLUG = "python-jumpstart"
PATHS = {"payment_intents": "payment-intent", "checkout": "checkout-session"}


@pytest.fixture
def course(make_course, emulator_control):
    return make_course()


def _press(client, flow, csrf):
    return client.post(f"/courses/{SLUG}/{PATHS[flow]}",
                       data={"csrf_token": csrf, "email": EMAIL})


def _payment_of(response, flow):
    """The client secret or the hosted page the answer gives, or None."""
    if flow == "payment_intents":
        return (response.get_json() or {}).get("client_secret")
    return response.headers["Location"] if response.status_code == 303 else None


def _orders(app):
    with app.app_context():
        return db.session.scalars(select(Order).where(Order.email == EMAIL)).all()


def _double_click(app, flow):
    """The browser's two POSTs with one cookie; (the tab left with the second answer's
    cookie, the first answer, the second answer, the CSRF token)."""
    first = app.test_client()
    page = first.get(f"/courses/{SLUG}").get_data(as_text=True)
    csrf = csrf_from(page)
    second = app.test_client()
    second.set_cookie("session", first.get_cookie("session").value)
    started = _press(first, flow, csrf)  # the click that starts the order
    again = _press(second, flow, csrf)   # the second click, with the cookie of before
    return second, started, again, csrf


@pytest.mark.parametrize("name", sorted(PATHS))
def test_the_browser_keeps_its_order_after_a_double_click(app, course, flow, name):
    flow(name)
    tab, started, again, csrf = _double_click(app, name)
    payment = _payment_of(started, name)
    assert payment
    assert "another window" not in again.get_data(as_text=True)
    # Pressing once more from the tab (its cookie the second answer's): the same payment.
    retry = _press(tab, name, csrf)
    assert _payment_of(retry, name) == payment, retry.get_data(as_text=True)
    [order] = _orders(app)
    assert order.status == OrderStatus.PENDING


def test_back_from_stripe_after_a_double_click_signs_the_buyer_in(app, course, flow,
                                                                   emulator):
    flow("payment_intents")
    tab, started, _, _ = _double_click(app, "payment_intents")
    secret = started.get_json()["client_secret"]
    assert confirm_intent(emulator.url, secret)[0] == 200
    [order] = _orders(app)
    back = tab.get(f"/orders/{order.public_id}/return")
    assert back.headers["Location"] == f"/orders/{order.public_id}"
    account = tab.get("/account")  # signed in by paying, as without the double click
    assert account.status_code == 200 and order.reference in account.get_data(as_text=True)


@pytest.mark.parametrize("name", sorted(PATHS))
def test_another_browser_still_cannot_take_the_order(app, course, flow, name):
    flow(name)
    owner = app.test_client()
    csrf = csrf_from(owner.get(f"/courses/{SLUG}").get_data(as_text=True))
    assert _payment_of(_press(owner, name, csrf), name)
    stranger = app.test_client()
    other_csrf = csrf_from(stranger.get(f"/courses/{SLUG}").get_data(as_text=True))
    answer = _press(stranger, name, other_csrf)
    assert _payment_of(answer, name) is None
    if name == "checkout":
        answer = stranger.get(answer.headers["Location"])
    assert "another window" in answer.get_data(as_text=True)
