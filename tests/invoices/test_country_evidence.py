"""Evidence of the buyer's country before payment (TAX_MODE on, the token checkout): the
card's issuing country, read from its token through the real SDK, against the declared
country. A contradiction charges nothing and asks the buyer to confirm ("I live in …"),
then the confirmed purchase is taxed for the declared country and flagged for the admin;
agreeing evidence, tax off, or Stripe not answering the look-up ask nothing."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus
from tests.helpers import csrf_from

EMAIL = "evidence@example.com"


@pytest.fixture
def taxed(app, invoicing, monkeypatch, emulator_control):
    monkeypatch.setitem(app.config, "TAX_MODE", "exclusive")


def _pay(client, token, country="FR", **extra):
    page = client.get("/courses/taxed").get_data(as_text=True)
    return client.post("/courses/taxed/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": token, "stripeEmail": EMAIL,
        "country": country, "immediate_access_consent": "y", **extra})


def _orders(app):
    with app.app_context():
        found = db.session.scalars(select(Order)).all()
        for order in found:
            db.session.expunge(order)
        return found


def test_a_card_from_another_country_asks_before_charging(app, client, taxed, make_course,
                                                          card_token, stripe_sdk):
    make_course(slug="taxed", price="69.00", currency="eur")
    asked = _pay(client, card_token("4000002760000016"))  # a German card, France declared
    assert asked.status_code == 302
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Your card was issued in Germany, but you chose France" in page
    assert "Nothing was charged." in page
    assert 'data-testid="confirm-country"' in page and "I live in France" in page
    assert '<option value="FR" selected>' in page  # the declared country kept
    assert _orders(app) == [] and stripe_sdk.v1.charges.list().data == []
    again = _pay(client, card_token("4000002760000016"))  # not ticked: asked again
    assert _orders(app) == []
    assert again.status_code == 302
    paid = _pay(client, card_token("4000002760000016"), country_confirmed="FR")
    assert paid.status_code == 302 and "/orders/" in paid.headers["Location"]
    [order] = _orders(app)
    assert (order.status, order.buyer_country, order.tax_country, order.tax_amount) == (
        OrderStatus.PAID, "FR", "FR", 1380)
    assert order.country_mismatch is True  # flagged for the admin
    assert 'data-testid="confirm-country"' not in client.get("/courses/taxed").get_data(
        as_text=True)


def test_another_country_chosen_after_the_question_is_taxed(app, client, taxed,
                                                           make_course, card_token):
    make_course(slug="taxed", price="69.00", currency="eur")
    _pay(client, card_token("4000002760000016"))
    paid = _pay(client, card_token("4000002760000016"), country="DE",
                country_confirmed="FR")
    assert "/orders/" in paid.headers["Location"]
    [order] = _orders(app)
    assert (order.tax_country, order.tax_amount, order.country_mismatch) == (
        "DE", 1311, False)


@pytest.mark.parametrize("mode", ["off", "exclusive"])
def test_agreeing_evidence_or_tax_off_asks_nothing(app, client, invoicing, make_course,
                                                   card_token, monkeypatch, mode):
    monkeypatch.setitem(app.config, "TAX_MODE", mode)
    make_course(slug="taxed", price="69.00", currency="eur")
    number = "4000002500000003" if mode == "exclusive" else "4000002760000016"
    paid = _pay(client, card_token(number))  # a French card (or tax off: any card)
    assert "/orders/" in paid.headers["Location"]
    assert _orders(app)[0].status == OrderStatus.PAID


def test_when_stripe_cannot_say_the_cards_country_the_checkout_goes_on(
        app, client, taxed, make_course, card_token, emulator_control):
    make_course(slug="taxed", price="69.00", currency="eur")
    token = card_token("4000002760000016")
    emulator_control.inject_fault(status=500, count=3, path=f"/v1/tokens/{token}",
                                  method="GET")
    paid = _pay(client, token)
    assert "/orders/" in paid.headers["Location"]
    [order] = _orders(app)
    assert order.status == OrderStatus.PAID and order.country_mismatch is True
