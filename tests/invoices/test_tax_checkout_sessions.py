"""TAX_MODE with PAYMENT_FLOW=checkout, through the real SDK against the emulator: the
order's Checkout Session asks Stripe Tax to tax Stripe's page (`automatic_tax`, the
price's `tax_behavior` from TAX_MODE, the product tax code), the buyer gives the billing
country there, and the store reads the tax back when the Session completes — from the
success page, from `checkout.session.completed`, or from a charge event that arrives
first — so the order, its invoice, credit notes and the tax summary carry it."""

import json
import re
import time

import pytest
import requests
import stripe
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, Order, OrderStatus
from tests.helpers import csrf_from, sign_in_by_link

EMAIL = "taxed-hosted@example.com"
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def checkout_flow(app, invoicing, monkeypatch, emulator_control):
    """Hosted Checkout with a named seller (invoices), on a fresh emulator."""
    monkeypatch.setitem(app.config, "PAYMENT_FLOW", "checkout")


@pytest.fixture
def taxed(app, monkeypatch):
    def set_mode(mode):
        monkeypatch.setitem(app.config, "TAX_MODE", mode)
    return set_mode


def _continue(client, slug="taxed", *, country="DE", email=EMAIL):
    page = client.get(f"/courses/{slug}")
    return client.post(f"/courses/{slug}/checkout-session", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
        "country": country, "immediate_access_consent": "y"})


def pay_taxed_page(url, country, state=""):
    """Pay on the hosted page with a billing country: the first Pay shows the taxed
    total (nothing charged), the second pays it. The last answer (303 when paid)."""
    browser = requests.Session()
    page = browser.get(url, timeout=10)
    data = {"email": EMAIL, "cardNumber": "4242424242424242", "cardExpiry": "12 / 34",
            "cardCvc": "123", "billingName": "Zoë Ślązak", "billingPostalCode": "10115",
            "billingCountry": country, "billingAdministrativeArea": state}
    for _ in range(2):
        shown = re.search(r'name="shownTotal" value="(\d+)"', page.text).group(1)
        page = browser.post(url, data={**data, "shownTotal": shown}, timeout=10,
                            allow_redirects=False)
        if page.status_code == 303:
            break
    return page


def _order(app, email=EMAIL):
    with app.app_context():
        order = db.session.scalars(select(Order).where(Order.email == email)
                                   .order_by(Order.id.desc())).first()
        db.session.expunge(order)
        return order


def _post_event(client, event_type, obj, event_id):
    payload = json.dumps({"id": event_id, "object": "event", "type": event_type,
                          "created": int(time.time()), "livemode": False,
                          "data": {"object": obj}})
    stamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{payload}", SECRET)
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": f"t={stamp},v1={signature}",
                                "Content-Type": "application/json"})


@pytest.mark.parametrize(("mode", "country", "tax", "amount", "rate"), [
    ("exclusive", "FR", 1380, 8280, "20.0"),
    ("inclusive", "IE", 1290, 6900, "23.0"),
])
def test_stripe_taxes_its_page_and_the_success_page_reads_the_tax_back(
        app, client, taxed, make_course, stripe_sdk, mode, country, tax, amount, rate):
    taxed(mode)
    make_course(slug="taxed", price="69.00", currency="eur")
    response = _continue(client, country="DE")  # declared DE; Stripe's page says more
    assert response.status_code == 303, response.get_data(as_text=True)
    order = _order(app)
    assert (order.amount, order.tax_amount, order.tax_calculation_id) == (6900, 0, None)
    request = order.payment.request
    assert request["automatic_tax"] == {"enabled": True}
    assert request["billing_address_collection"] == "auto"
    price = request["line_items"][0]["price_data"]
    assert (price["tax_behavior"], price["product_data"]["tax_code"]) == (
        mode, "txcd_10000000")
    session = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    assert session.automatic_tax.status == "requires_location_inputs"
    paid = pay_taxed_page(response.headers["Location"], country)
    assert paid.status_code == 303
    back = client.get(urlsplit_path(paid.headers["Location"]))
    assert back.headers["Location"] == f"/orders/{order.public_id}"
    order = _order(app)
    assert order.status == OrderStatus.PAID
    assert (order.amount, order.tax_amount, order.tax_rate, order.tax_country,
            order.buyer_country) == (amount, tax, rate, country, "DE")
    assert order.payment.amount == amount
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.amount == amount
    with app.app_context():
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        assert (invoice.net, invoice.tax, invoice.gross) == (amount - tax, tax, amount)
        assert invoice.snapshot["tax_rate"] == rate.removesuffix(".0")
        assert invoice.snapshot["tax_country"] == country
        assert invoice.snapshot["buyer"]["country"] == "DE"
        from app.orders import record_tax_due

        assert record_tax_due() == 0  # Stripe records Checkout's own tax
    receipt = client.get(f"/orders/{order.public_id}").get_data(as_text=True)
    assert f"({rate}%)" in receipt and 'data-field="tax"' in receipt


def test_the_completed_webhook_alone_brings_the_tax(app, client, taxed, make_course,
                                                    stripe_sdk):
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    response = _continue(client)
    order = _order(app)
    pay_taxed_page(response.headers["Location"], "DE")
    session = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    answer = _post_event(client, "checkout.session.completed", session.to_dict(),
                         "evt_taxed_1")
    assert answer.status_code == 200
    order = _order(app)
    assert (order.status, order.amount, order.tax_amount, order.tax_rate) == (
        OrderStatus.PAID, 8211, 1311, "19.0")


def test_a_charge_event_first_still_pays_the_taxed_total(app, client, taxed, make_course,
                                                         stripe_sdk):
    """Stripe's events come in any order: a `charge.succeeded` before the Session's own
    event pays the order from its Session, tax included (never the untaxed price)."""
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    response = _continue(client)
    order = _order(app)
    pay_taxed_page(response.headers["Location"], "AT")
    session = stripe_sdk.v1.checkout.sessions.retrieve(
        order.payment.checkout_session_id, params={"expand": ["payment_intent"]})
    charge = stripe_sdk.v1.charges.retrieve(session.payment_intent.latest_charge)
    answer = _post_event(client, "charge.succeeded", charge.to_dict(), "evt_taxed_2")
    assert answer.status_code == 200
    order = _order(app)
    assert (order.status, order.amount, order.tax_amount, order.tax_country) == (
        OrderStatus.PAID, 8280, 1380, "AT")
    with app.app_context():
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        assert (invoice.tax, invoice.gross) == (1380, 8280)


def test_a_refund_of_a_taxed_session_gets_its_credit_note_and_the_summary_nets_it(
        app, client, taxed, make_course, admin_client):
    from app.orders.refunds import new_idempotency_key, refund_order

    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    response = _continue(client)
    order = _order(app)
    paid = pay_taxed_page(response.headers["Location"], "FR")
    client.get(urlsplit_path(paid.headers["Location"]))
    with app.app_context():
        order = db.session.get(Order, order.id)
        refund_order(order=order, amount=4140, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order), created_by="owner")
        credit = db.session.scalars(select(Invoice).where(
            Invoice.kind == "credit_note")).one()
        assert (credit.gross, credit.tax) == (4140, 690)  # half of 82.80, half the tax
    csv = admin_client.get("/admin/invoices.csv").get_data(as_text=True)
    rows = [line.split(",") for line in csv.strip().splitlines()]
    assert [row[7] for row in rows[1:]] == ["FR", "FR"]  # tax_country
    summary = admin_client.get("/admin/invoices").get_data(as_text=True)
    assert "FR" in summary and "6.90" in summary  # 13.80 tax less 6.90 credited


def test_a_signed_in_buyers_session_saves_the_address_on_the_customer(
        app, client, taxed, make_course, stripe_sdk):
    """Stripe refuses automatic tax for a customer without an address unless Checkout
    may save the one typed there: the store asks for `customer_update[address]=auto`."""
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    customer = stripe_sdk.v1.customers.create(params={"email": EMAIL})
    with app.app_context():
        from app.access import ensure_buyer

        ensure_buyer(EMAIL).stripe_customer_id_test = customer.id
        db.session.commit()
    sign_in_by_link(client, app, EMAIL)
    response = _continue(client)
    assert response.status_code == 303, response.get_data(as_text=True)
    order = _order(app)
    assert order.payment.request["customer"] == customer.id
    assert order.payment.request["customer_update"] == {"address": "auto"}
    pay_taxed_page(response.headers["Location"], "NL")
    assert stripe_sdk.v1.customers.retrieve(customer.id).address.country == "NL"


def urlsplit_path(url):
    """The path and query of an absolute URL (the test client's own host)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_a_us_buyer_needs_no_state_here_stripes_page_asks(app, client, taxed, make_course):
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="usd")
    response = _continue(client, country="US")
    assert response.status_code == 303, response.get_data(as_text=True)
