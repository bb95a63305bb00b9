"""The tax line before paying (TAX_MODE on): `GET /courses/<slug>/tax.json` answers from
the checkout's pricing step (coupon, then Stripe Tax through the real SDK against the
emulator) for the country and US state chosen, kept per price and country; the buy box of
every flow and the one-click page carry the line; a US buyer gives a state, which is
taxed (and the checkout refuses a US order without one, with a clear message)."""

import pytest
from sqlalchemy import select

from app.checkout import tax_preview
from app.checkout.forms import STATE_NEEDED
from app.extensions import db
from app.models import Order
from tests.helpers import csrf_from


@pytest.fixture(autouse=True)
def fresh(app, invoicing, emulator_control):
    tax_preview.clear()
    yield
    tax_preview.clear()


@pytest.fixture
def taxed(app, monkeypatch):
    def set_mode(mode, flow="charges"):
        monkeypatch.setitem(app.config, "TAX_MODE", mode)
        monkeypatch.setitem(app.config, "PAYMENT_FLOW", flow)
    return set_mode


def _line(client, slug="taxed", **params):
    response = client.get(f"/courses/{slug}/tax.json", query_string=params)
    return response.status_code, response.get_json()


@pytest.mark.parametrize(("mode", "country", "state", "tax", "amount", "line"), [
    ("exclusive", "DE", None, 1311, 8211, "Tax €13.11 (19.0% for Germany) is added."),
    ("inclusive", "FR", None, 1150, 6900, "Includes tax of €11.50 (20.0% for France)."),
    ("exclusive", "US", "WA", 449, 7349, "Tax €4.49 (6.5% for United States) is added."),
    ("exclusive", "BR", None, 0, 6900, "No tax is charged for Brazil."),
])
def test_the_line_has_stripe_taxs_tax_and_the_total(app, client, taxed, make_course,
                                                    mode, country, state, tax, amount,
                                                    line):
    taxed(mode)
    make_course(slug="taxed", price="69.00", currency="eur")
    status, body = _line(client, country=country, state=state or "")
    assert status == 200, body
    assert (body["tax"], body["amount"], body["line"]) == (tax, amount, line)
    assert body["amount_text"] == f"€{amount / 100:.2f}"


def test_the_line_follows_the_coupon_and_ignores_a_bad_one(app, client, taxed,
                                                           make_course):
    from app.pricing import create_coupon

    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    with app.app_context():
        create_coupon(code="TEN", amount="10.00", currency="eur")
    assert _line(client, country="FR", code="TEN")[1]["amount"] == 7080
    assert _line(client, country="FR", code="NOPE")[1]["amount"] == 8280


def test_answers_are_kept_per_price_and_country(app, client, taxed, make_course,
                                                emulator_control):
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    emulator_control.clear_requests()
    for _ in range(3):
        assert _line(client, country="DE")[1]["tax"] == 1311
    assert _line(client, country="AT")[1]["tax"] == 1380
    paths = [r["path"] for r in emulator_control.requests()]
    assert paths == ["/v1/tax/calculations", "/v1/tax/calculations"]


def test_what_the_line_cannot_answer(app, client, taxed, make_course, emulator_control,
                                     monkeypatch):
    make_course(slug="taxed", price="69.00", currency="eur")
    assert _line(client, country="DE")[0] == 404  # TAX_MODE off: no such line
    taxed("exclusive")
    assert _line(client, country="XX") == (400, {
        "error": "Choose the country you live in from the list."})
    assert _line(client, country="DE\x00" * 50)[0] == 400
    assert _line(client, slug="nope", country="DE")[0] == 404
    assert _line(client, country="US")[1] == {
        "needs_state": True, "line": "Choose your state to see the tax."}
    assert _line(client, country="US", state="ZZ")[1]["needs_state"] is True
    emulator_control.inject_fault(status=500, count=5, path="/v1/tax/calculations")
    status, body = _line(client, country="IE")
    assert status == 503 and body["error"] == tax_preview.UNAVAILABLE


@pytest.mark.parametrize("flow", ["charges", "payment_intents", "checkout"])
def test_every_flows_buy_box_carries_the_line_and_asks_stripe_nothing(
        app, client, taxed, make_course, emulator_control, flow):
    taxed("exclusive", flow)
    make_course(slug="taxed", price="69.00", currency="eur")
    emulator_control.clear_requests()
    page = client.get("/courses/taxed").get_data(as_text=True)
    assert emulator_control.requests() == []
    assert 'data-testid="tax-line"' in page and "/courses/taxed/tax.json" in page
    assert "js/tax_preview.js" in page and 'data-label="' in page
    assert "+ tax</button>" in page
    body = _line(client, country="DE")[1]
    assert body["line"].endswith("for your billing address.") is (flow == "checkout")


def test_tax_off_pages_have_no_line(app, client, make_course):
    make_course(slug="plain", price="69.00", currency="eur")
    page = client.get("/courses/plain").get_data(as_text=True)
    assert 'data-testid="tax-line"' not in page and "tax_preview.js" not in page
    assert 'id="state"' not in page and 'id="vat-number"' not in page  # tax only


def test_a_us_buyer_gives_a_state_which_is_taxed(app, client, taxed, make_course,
                                                 card_token, stripe_sdk):
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="usd")
    page = client.get("/courses/taxed").get_data(as_text=True)
    assert 'id="state"' in page and '<option value="WA">Washington</option>' in page
    data = {"csrf_token": csrf_from(page), "stripeToken": card_token(),
            "stripeEmail": "us@example.com", "country": "US"}
    refused = client.post("/courses/taxed/checkout", data=data)
    assert refused.status_code == 400 and STATE_NEEDED in refused.get_data(as_text=True)
    bad = client.post("/courses/taxed/checkout", data={**data, "state": "Narnia"})
    assert bad.status_code == 400 and "Choose your state from the list." in bad.get_data(
        as_text=True)
    paid = client.post("/courses/taxed/checkout", data={**data, "state": "wa"})
    assert paid.status_code == 302, paid.get_data(as_text=True)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.email == "us@example.com"))
        assert (order.tax_amount, order.amount, order.tax_rate) == (449, 7349, "6.5")
    assert stripe_sdk.v1.charges.retrieve(order.charge_id).amount == 7349


def test_another_countrys_state_is_ignored(app, client, taxed, make_course, card_token):
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    page = client.get("/courses/taxed").get_data(as_text=True)
    paid = client.post("/courses/taxed/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(),
        "stripeEmail": "ie@example.com", "country": "IE", "state": "WA",
        "immediate_access_consent": "y", "country_confirmed": "IE"})
    assert paid.status_code == 302, paid.get_data(as_text=True)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.email == "ie@example.com"))
        assert (order.tax_country, order.tax_amount) == ("IE", 1587)
