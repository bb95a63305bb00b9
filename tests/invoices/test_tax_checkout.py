"""TAX_MODE in the charges flow: the checkout asks Stripe Tax (the emulator, through the
real SDK) for the buyer's tax, charges the quoted total, and the invoice carries the
rate and the tax, exact in minor units, for buyers in DE, FR, IE, GB, the US and JP."""

import pytest
from sqlalchemy import select

from app.checkout.services import TAX_UNAVAILABLE, place_order
from app.extensions import db
from app.models import Course, Invoice, Order, OrderStatus

CASES = [
    # country, state, currency, price, mode, tax, amount charged, rate on the invoice
    ("DE", None, "eur", "69.00", "inclusive", 1102, 6900, "19"),
    ("DE", None, "eur", "69.00", "exclusive", 1311, 8211, "19"),
    ("FR", None, "eur", "69.00", "inclusive", 1150, 6900, "20"),
    ("FR", None, "eur", "69.00", "exclusive", 1380, 8280, "20"),
    ("IE", None, "eur", "69.00", "inclusive", 1290, 6900, "23"),
    ("IE", None, "eur", "69.00", "exclusive", 1587, 8487, "23"),
    ("GB", None, "gbp", "69.00", "inclusive", 1150, 6900, "20"),
    ("GB", None, "gbp", "69.00", "exclusive", 1380, 8280, "20"),
    ("US", "WA", "usd", "69.00", "inclusive", 421, 6900, "6.5"),
    ("US", "WA", "usd", "69.00", "exclusive", 449, 7349, "6.5"),
    ("JP", None, "jpy", "5000", "inclusive", 455, 5000, "10"),
    ("JP", None, "jpy", "5000", "exclusive", 500, 5500, "10"),
]


@pytest.fixture
def taxed(app, invoicing, monkeypatch):
    def set_mode(mode):
        monkeypatch.setitem(app.config, "TAX_MODE", mode)
    return set_mode


def _buy(app, card_token, slug, *, country, state=None, email="buyer@example.com"):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        # The test cards are American: the buyer confirms the declared country.
        outcome = place_order(course=course, email=email, token=card_token(),
                              country=country, state=state, country_confirmed=country)
        assert outcome.order is not None, outcome.message
        return outcome.order.id


@pytest.mark.parametrize(("country", "state", "currency", "price", "mode", "tax", "amount",
                          "rate"), CASES, ids=[f"{c[0]}-{c[4]}" for c in CASES])
def test_the_charge_carries_stripe_taxs_tax_for_the_buyers_country(
        app, taxed, make_course, card_token, stripe_sdk, country, state, currency, price,
        mode, tax, amount, rate):
    taxed(mode)
    make_course(slug="taxed", price=price, currency=currency)
    order_id = _buy(app, card_token, "taxed", country=country, state=state)
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert order.status == OrderStatus.PAID
        assert (order.tax_amount, order.amount, order.list_price) == (
            tax, amount, 5000 if currency == "jpy" else 6900)
        assert order.tax_calculation_id.startswith("taxcalc_")
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order_id))
        assert (invoice.net, invoice.tax, invoice.gross) == (amount - tax, tax, amount)
        assert invoice.snapshot["tax_rate"] == rate
        name = {"US": "Sales tax", "JP": "JCT", "AU": "GST"}.get(country, "VAT")
        assert invoice.snapshot["tax_note"] == f"{name} {rate}%"
        assert invoice.snapshot["tax_name"] == name
        charge_id = order.charge_id
    charge = stripe_sdk.v1.charges.retrieve(charge_id)
    assert (charge.amount, charge.currency) == (amount, currency)


def test_without_a_declared_country_the_sellers_country_is_taxed(app, taxed, make_course,
                                                                card_token):
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    order_id = _buy(app, card_token, "taxed", country=None)
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert (order.tax_amount, order.amount, order.tax_rate) == (1311, 8211, "19.0")


def test_tax_off_asks_stripe_tax_nothing(app, invoicing, make_course, card_token,
                                         emulator_control):
    make_course(slug="untaxed", price="69.00", currency="eur")
    order_id = _buy(app, card_token, "untaxed", country="FR")
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert (order.tax_amount, order.amount, order.tax_calculation_id) == (0, 6900, None)


def test_a_failed_calculation_charges_nothing(app, taxed, make_course, card_token,
                                              stripe_sdk, emulator_control):
    """A US buyer without a state: Stripe Tax cannot place them; the buyer is asked to
    try again and no order is placed, no charge made."""
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="usd")
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "taxed"))
        outcome = place_order(course=course, email="us@example.com", token=card_token(),
                              country="US")
        assert outcome.order is None and outcome.message == TAX_UNAVAILABLE
        assert db.session.scalar(select(Order)) is None
    assert stripe_sdk.v1.charges.list().data == []


def test_paid_and_refunded_orders_are_recorded_with_stripe_tax(app, taxed, make_course,
                                                              card_token, stripe_sdk):
    """The paid order's Tax Transaction is recorded by the checkout; a partial refund's
    reversal (in proportion) and the credit note follow, then the rest in full."""
    from app.orders import record_tax_due
    from app.orders.refunds import new_idempotency_key, refund_order

    taxed("inclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    order_id = _buy(app, card_token, "taxed", country="DE")
    with app.app_context():
        order = db.session.get(Order, order_id)
        transaction_id = order.tax_transaction_id
        assert transaction_id and transaction_id.startswith("tax_")
        refund_order(order=order, amount=2000, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order), created_by="owner")
        assert record_tax_due() == 1
        assert record_tax_due() == 0  # recorded once
        credit = db.session.scalars(select(Invoice).where(
            Invoice.kind == "credit_note")).one()
        assert (credit.gross, credit.tax) == (2000, 319)
        order = db.session.get(Order, order_id)
        refund_order(order=order, amount=4900, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order), created_by="owner")
        assert record_tax_due() == 1
        from app.models import Refund

        reversals = [r.tax_reversal_id for r in db.session.scalars(
            select(Refund).order_by(Refund.id))]
    transaction = stripe_sdk.v1.tax.transactions.retrieve(transaction_id)
    assert transaction.type == "transaction"
    first, second = (stripe_sdk.v1.tax.transactions.retrieve(r) for r in reversals)
    assert [(li.amount, li.amount_tax) for li in first.line_items.data] == [(-2000, -319)]
    assert sum(li.amount_tax for li in second.line_items.data) == -(1102 - 319)
    assert first.reversal.original_transaction == transaction_id


def test_the_pages_say_tax_is_added_and_the_receipt_shows_it(app, taxed, make_course,
                                                             card_token, client):
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    page = client.get("/courses/taxed").get_data(as_text=True)
    assert "Pay €69.00 + tax" in page and 'data-testid="tax-note"' in page
    order_id = _buy(app, card_token, "taxed", country="IE")
    with app.app_context():
        public_id = db.session.get(Order, order_id).public_id
    receipt = client.get(f"/orders/{public_id}").get_data(as_text=True)
    assert "€84.87" in receipt and '<dd data-field="tax">€15.87 (23.0%)</dd>' in receipt


def test_tax_off_pages_are_unchanged(app, make_course, client):
    make_course(slug="plain", price="69.00", currency="eur")
    page = client.get("/courses/plain").get_data(as_text=True)
    assert "+ tax" not in page and 'data-testid="tax-note"' not in page


@pytest.mark.parametrize(("mode", "tax", "total"), [("exclusive", 1121, 7021),
                                                    ("inclusive", 942, 5900)])
def test_tax_is_on_the_price_after_the_discount(app, taxed, mode, tax, total):
    """A coupon's discount (Quote.discount_amount) comes off first; Stripe Tax taxes the
    rest."""
    from app.pricing import Quote, with_tax

    taxed(mode)
    with app.app_context():
        quote = with_tax(Quote(course_id=1, currency="eur", list_price=6900,
                               discount_amount=1000),
                         country="DE")
    assert (quote.discount, quote.tax, quote.total, quote.tax_rate) == (1000, tax, total,
                                                                        "19.0")


def test_reconcile_records_what_stripe_tax_is_still_owed(app, taxed, make_course,
                                                        card_token, cli, emulator_control):
    """A Tax Transaction the checkout could not record (Stripe Tax answering 500 at that
    moment) is made by `flask orders reconcile` (and the worker's pass); the order is
    paid all the same."""
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    emulator_control.inject_fault(status=500, count=1,
                                  path="/v1/tax/transactions/create_from_calculation")
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "taxed"))
        order = place_order(course=course, email="late@example.com", token=card_token(),
                            country="FR", country_confirmed="FR").order
        order = db.session.get(Order, order.id)
        assert order.status == OrderStatus.PAID and order.tax_transaction_id is None
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert "1 Stripe Tax record(s) made." in result.output
    with app.app_context():
        assert db.session.get(Order, order.id).tax_transaction_id.startswith("tax_")


def test_the_checkout_page_taxes_the_declared_country_after_a_coupon(
        app, taxed, make_course, client, card_token, stripe_sdk):
    """Through the page: the country the buyer declares at checkout (the consent's
    country field) is the one taxed, on the price after the coupon's discount."""
    from app.pricing import create_coupon
    from tests.helpers import csrf_from

    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    with app.app_context():
        create_coupon(code="TEN", amount="10.00", currency="eur")
    page = client.get("/courses/taxed?code=TEN").get_data(as_text=True)
    response = client.post("/courses/taxed/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(),
        "stripeEmail": "de@example.com", "code": "TEN", "country": "FR",
        "country_confirmed": "FR"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.email == "de@example.com"))
        assert (order.list_price, order.discount_amount, order.tax_country,
                order.tax_rate) == (6900, 1000, "FR", "20.0")
        assert (order.tax_amount, order.amount) == (1180, 7080)  # 20 % of 59.00 on top
        charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    assert charge.amount == 7080
