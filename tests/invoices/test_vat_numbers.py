"""A business buyer's VAT number: checked per country prefix (a clear message, never a
500), passed to Stripe Tax as `customer_details.tax_ids` (the real SDK, the emulator),
reverse charged where Stripe Tax says so — an EU business in another member state than
the seller — stored on the order, printed on the invoice with the "Reverse charge"
mention; in the token checkout, the Payment Element, hosted Checkout (Stripe's page asks
for it) and the tax line before paying."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, Order, OrderStatus
from app.pricing.vat_numbers import VatNumberError, parse
from tests.helpers import confirm_intent, csrf_from
from tests.invoices.conftest import pdf_text

EMAIL = "business@example.com"
REVERSE = "Reverse charge: VAT to be accounted for by the recipient"


@pytest.mark.parametrize(("raw", "value", "country", "stripe_id"), [
    ("de 123 456 789", "DE123456789", "DE", {"type": "eu_vat", "value": "DE123456789"}),
    ("FR12.345.678.901", "FR12345678901", "FR",
     {"type": "eu_vat", "value": "FR12345678901"}),
    ("EL123456789", "EL123456789", "GR", {"type": "eu_vat", "value": "EL123456789"}),
    ("NL123456789B01", "NL123456789B01", "NL",
     {"type": "eu_vat", "value": "NL123456789B01"}),
    ("GB123456789", "GB123456789", "GB", {"type": "gb_vat", "value": "GB123456789"}),
    ("CHE-123.456.789 MWST", "CHE123456789MWST", "CH",
     {"type": "ch_vat", "value": "CHE-123.456.789 MWST"}),
    ("NO123456789MVA", "NO123456789MVA", "NO", {"type": "no_vat", "value": "123456789MVA"}),
])
def test_numbers_are_read_per_country_prefix(raw, value, country, stripe_id):
    number = parse(raw)
    assert (number.value, number.country, number.stripe_tax_id) == (value, country,
                                                                    stripe_id)


@pytest.mark.parametrize(("raw", "country", "message"), [
    ("123456789", None, "A VAT number starts with its country's two letters"),
    ("US123456789", None, "A VAT number starts with its country's two letters"),
    ("DE12345", None, "That is not a VAT number of Germany: it is DE and 9 digits."),
    ("FRIO345678901", None, "That is not a VAT number of France"),
    ("DE１２３４５６７８９", None, "A VAT number starts"),  # full-width digits
    ("DE123456789", "FR", "This VAT number is from Germany, but you chose France"),
    ("D" * 41, None, "That VAT number is too long."),
])
def test_a_bad_number_says_what_is_wrong(raw, country, message):
    with pytest.raises(VatNumberError) as raised:
        parse(raw, country=country)
    assert str(raised.value).startswith(message)


def test_empty_is_none():
    assert parse("") is None and parse("   ") is None and parse(None) is None


@pytest.fixture(autouse=True)
def seller_in_germany(app, invoicing, monkeypatch, emulator_control, stripe_sdk):
    """Tax on top; Stripe Tax's head office in Germany, as the seller (SELLER_COUNTRY)."""
    monkeypatch.setitem(app.config, "TAX_MODE", "exclusive")
    stripe_sdk.v1.tax.settings.update(params={"head_office": {"address": {
        "country": "DE"}}})
    from app.checkout import tax_preview

    tax_preview.clear()


def _page_post(client, path, slug, data):
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(page), **data})


def _order(app):
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.email == EMAIL))
        db.session.expunge(order)
        return order


def _invoice(app, order):
    with app.app_context():
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        db.session.expunge(invoice)
        return invoice


@pytest.mark.parametrize(("country", "vat", "tax", "reason", "note"), [
    ("FR", "FR 12 345678901", 0, "reverse_charge", REVERSE),
    ("DE", "DE123456789", 1311, "standard_rated", "VAT 19%"),
])
def test_the_token_checkout_reverse_charges_an_eu_business_abroad(
        app, client, make_course, card_token, stripe_sdk, country, vat, tax, reason, note):
    make_course(slug="taxed", price="69.00", currency="eur")
    response = _page_post(client, "/courses/taxed/checkout", "taxed", {
        "stripeToken": card_token(), "stripeEmail": EMAIL, "country": country,
        "immediate_access_consent": "y", "vat_number": vat,
        "country_confirmed": country})  # an American test card: the country confirmed
    assert response.status_code == 302, response.get_data(as_text=True)
    order = _order(app)
    value = vat.replace(" ", "")
    assert (order.status, order.tax_amount, order.amount, order.tax_reason,
            order.buyer_tax_id) == (OrderStatus.PAID, tax, 6900 + tax, reason, value)
    assert stripe_sdk.v1.charges.retrieve(order.charge_id).amount == 6900 + tax
    invoice = _invoice(app, order)
    assert invoice.snapshot["buyer"]["tax_id"] == value
    assert invoice.snapshot["tax_note"].startswith(note)
    pdf = client.get(f"/orders/{order.public_id}/documents/{invoice.number}.pdf")
    text = pdf_text(pdf.data)
    assert f"VAT ID: {value}" in text and note in text
    receipt = client.get(f"/orders/{order.public_id}").get_data(as_text=True)
    assert f'<dd data-field="vat-number">{value}</dd>' in receipt
    assert (REVERSE in receipt) is (reason == "reverse_charge")
    assert order.tax_transaction_id.startswith("tax_")


@pytest.mark.parametrize(("vat", "message"), [
    ("FR123", "That is not a VAT number of France"),
    ("DE123456789", "This VAT number is from Germany, but you chose France"),
    ("<script>alert(1)</script>", "A VAT number starts with its country's two letters"),
    ("FR" + "1" * 200, "That VAT number is too long."),
    ("ＦＲ12345678901", "A VAT number starts"),
])
def test_bad_input_is_shown_under_the_field_and_charges_nothing(
        app, client, make_course, card_token, stripe_sdk, vat, message):
    make_course(slug="taxed", price="69.00", currency="eur")
    response = _page_post(client, "/courses/taxed/checkout", "taxed", {
        "stripeToken": card_token(), "stripeEmail": EMAIL, "country": "FR",
        "immediate_access_consent": "y", "vat_number": vat})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(r'data-testid="vat-number-error">([^<]*)<', html).group(1)
    assert error.replace("&#39;", "'").startswith(message)
    with app.app_context():
        assert db.session.scalar(select(Order)) is None
    assert stripe_sdk.v1.charges.list().data == []


def test_the_payment_element_reverse_charges_too(app, client, make_course, emulator,
                                                  stripe_sdk, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_FLOW", "payment_intents")
    make_course(slug="taxed", price="69.00", currency="eur")
    bad = _page_post(client, "/courses/taxed/payment-intent", "taxed", {
        "email": EMAIL, "country": "IT", "immediate_access_consent": "y",
        "vat_number": "IT123"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "vat_number"
    good = _page_post(client, "/courses/taxed/payment-intent", "taxed", {
        "email": EMAIL, "country": "IT", "immediate_access_consent": "y",
        "vat_number": "IT12345678901"})
    assert good.status_code == 200, good.get_json()
    order = _order(app)
    assert (order.tax_amount, order.amount, order.tax_reason, order.buyer_tax_id) == (
        0, 6900, "reverse_charge", "IT12345678901")
    assert stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id).amount == 6900
    confirm_intent(emulator.url, good.get_json()["client_secret"])
    client.get(f"/orders/{order.public_id}/return")
    assert _invoice(app, order).snapshot["tax_note"].startswith(REVERSE)


def test_hosted_checkout_takes_the_number_on_stripes_page(app, client, make_course,
                                                         stripe_sdk, monkeypatch):
    import requests

    monkeypatch.setitem(app.config, "PAYMENT_FLOW", "checkout")
    make_course(slug="taxed", price="69.00", currency="eur")
    page = client.get("/courses/taxed").get_data(as_text=True)
    assert 'data-testid="vat-number"' not in page  # Stripe's page asks for it
    started = client.post("/courses/taxed/checkout-session", data={
        "csrf_token": csrf_from(page), "email": EMAIL, "country": "AT",
        "immediate_access_consent": "y"})
    assert started.status_code == 303
    order = _order(app)
    assert order.payment.request["tax_id_collection"] == {"enabled": True}
    url = started.headers["Location"]
    paid = requests.post(url, timeout=10, allow_redirects=False, data={
        "email": EMAIL, "cardNumber": "4242424242424242", "cardExpiry": "12 / 34",
        "cardCvc": "123", "billingName": "Firma GmbH", "billingPostalCode": "1010",
        "billingCountry": "AT", "taxIdType": "eu_vat", "taxId": "ATU12345678",
        "shownTotal": "6900"})
    assert paid.status_code == 303, paid.text[:300]
    success = urlsplit(paid.headers["Location"])
    client.get(f"{success.path}?{success.query}")  # Stripe sends the buyer back
    order = _order(app)
    assert (order.status, order.tax_amount, order.amount, order.tax_reason,
            order.buyer_tax_id) == (OrderStatus.PAID, 0, 6900, "reverse_charge",
                                    "ATU12345678")
    assert _invoice(app, order).snapshot["tax_note"].startswith(REVERSE)


def test_the_tax_line_says_reverse_charge(app, client, make_course):
    make_course(slug="taxed", price="69.00", currency="eur")
    body = client.get("/courses/taxed/tax.json", query_string={
        "country": "FR", "vat": "FR12345678901"}).get_json()
    assert (body["tax"], body["amount"]) == (0, 6900)
    assert body["line"] == "No VAT: reverse charge, your business accounts for the VAT " \
                           "in France."
    assert client.get("/courses/taxed/tax.json", query_string={
        "country": "FR"}).get_json()["tax"] == 1380
    bad = client.get("/courses/taxed/tax.json", query_string={"country": "FR",
                                                              "vat": "DE123456789"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "vat_number"
