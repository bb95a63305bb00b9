"""How many browser payments one address may start (BROWSER_PAYMENT_MAX_STARTS). A
PaymentIntent or Checkout Session start places an order and makes a Stripe object before
any card is given: one address typing made-up emails could fill the database and spend the
store's Stripe rate limit. Only starts that place a new order count; past the limit the
start is refused with nothing placed and nothing sent to Stripe, and other addresses and
this browser's own order are not affected."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Order
from tests.helpers import csrf_from

LIMIT = 3
SLUG = "python-jumpstart"


@pytest.fixture
def few_starts(app, make_course, flow):
    saved = app.config["BROWSER_PAYMENT_MAX_STARTS"]
    app.config["BROWSER_PAYMENT_MAX_STARTS"] = LIMIT
    make_course()
    yield flow
    app.config["BROWSER_PAYMENT_MAX_STARTS"] = saved


def _orders(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order))


def _csrf(client):
    return csrf_from(client.get(f"/courses/{SLUG}").get_data(as_text=True))


def _start_intent(client, email, address="198.51.100.7"):
    return client.post(f"/courses/{SLUG}/payment-intent", headers={"Accept": "application/json"},
                       data={"csrf_token": _csrf(client), "email": email},
                       environ_base={"REMOTE_ADDR": address})


def _stripe_creates(emulator, path):
    return sum(1 for entry in emulator.requests.entries()
               if entry["method"] == "POST" and entry["path"] == path)


def test_an_address_starts_at_most_the_limit_of_new_payment_intents(app, client, few_starts,
                                                                    emulator):
    few_starts("payment_intents")
    for n in range(LIMIT):
        assert _start_intent(client, f"buyer{n}@example.com").status_code == 200
    # the same browser pressing Pay again for its own order: not a new start
    assert _start_intent(client, "buyer0@example.com").status_code == 200
    intents = _stripe_creates(emulator, "/v1/payment_intents")
    refused = _start_intent(client, "one-more@example.com")
    assert refused.status_code == 429
    assert "Too many payments were started from your connection" in refused.get_json()["error"]
    assert _orders(app) == LIMIT  # nothing placed
    assert _stripe_creates(emulator, "/v1/payment_intents") == intents  # nothing sent
    other = app.test_client()  # another address is not affected
    assert _start_intent(other, "someone@example.com", address="203.0.113.9").status_code == 200
    assert _orders(app) == LIMIT + 1


def test_an_address_starts_at_most_the_limit_of_new_checkout_sessions(app, client,
                                                                      few_starts):
    few_starts("checkout")

    def start(email):
        return client.post(f"/courses/{SLUG}/checkout-session",
                           data={"csrf_token": _csrf(client), "email": email},
                           environ_base={"REMOTE_ADDR": "198.51.100.8"})

    for n in range(LIMIT):
        assert start(f"buyer{n}@example.com").status_code == 303
    refused = start("one-more@example.com")
    assert refused.status_code == 302 and "#checkout" in refused.headers["Location"]
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Too many payments were started from your connection" in page
    assert _orders(app) == LIMIT
