"""TAX_MODE with PAYMENT_FLOW=payment_intents, through the real SDK against the emulator:
the Payment Element's order is priced by the same step as the token checkout (coupon,
then Stripe Tax for the declared country), its PaymentIntent is created for the taxed
total, the Tax Transaction is recorded once the return page finds it paid, a refund is
reversed, the invoice carries the tax; one click (an off-session intent) too."""

import pytest
from sqlalchemy import select

from app.checkout.services import TAX_UNAVAILABLE
from app.extensions import db
from app.models import Invoice, Order, OrderStatus, Refund
from tests.helpers import confirm_intent, csrf_from, sign_in_by_link

EMAIL = "taxed-intent@example.com"


@pytest.fixture(autouse=True)
def intents_flow(app, invoicing, monkeypatch, emulator_control):
    """The Payment Element, with a named seller (invoices), on a fresh emulator."""
    monkeypatch.setitem(app.config, "PAYMENT_FLOW", "payment_intents")


@pytest.fixture
def taxed(app, monkeypatch):
    def set_mode(mode):
        monkeypatch.setitem(app.config, "TAX_MODE", mode)
    return set_mode


def _start(client, slug, *, country, email=EMAIL, code=None, state=None):
    page = client.get(f"/courses/{slug}" + (f"?code={code}" if code else ""))
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
            "country": country, "immediate_access_consent": "y", "state": state or ""}
    if code:
        data["code"] = code
    response = client.post(f"/courses/{slug}/payment-intent", data=data)
    return response.status_code, response.get_json()


def _order(app, email=EMAIL):
    with app.app_context():
        order = db.session.scalars(select(Order).where(Order.email == email)
                                   .order_by(Order.id.desc())).first()
        db.session.expunge(order)
        return order


@pytest.mark.parametrize(("mode", "country", "tax", "amount", "rate"), [
    ("exclusive", "DE", 1311, 8211, "19.0"),
    ("inclusive", "FR", 1150, 6900, "20.0"),
    ("exclusive", "GB", 1380, 8280, "20.0"),
])
def test_the_intent_is_for_the_taxed_total_and_the_paid_order_is_recorded(
        app, client, taxed, make_course, emulator, stripe_sdk, mode, country, tax, amount,
        rate):
    taxed(mode)
    make_course(slug="taxed", price="69.00", currency="eur")
    status, body = _start(client, "taxed", country=country)
    assert status == 200, body
    order = _order(app)
    assert (order.tax_amount, order.amount, order.tax_rate, order.tax_country) == (
        tax, amount, rate, country)
    assert order.tax_calculation_id.startswith("taxcalc_")
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert (intent.amount, intent.currency) == (amount, "eur")
    assert order.payment.amount == amount
    code, confirmed = confirm_intent(emulator.url, body["client_secret"])
    assert code == 200 and confirmed["status"] == "succeeded"
    back = client.get(f"/orders/{order.public_id}/return")
    assert back.headers["Location"] == f"/orders/{order.public_id}"
    order = _order(app)
    assert order.status == OrderStatus.PAID
    assert order.tax_transaction_id.startswith("tax_")  # recorded by the return page
    transaction = stripe_sdk.v1.tax.transactions.retrieve(order.tax_transaction_id)
    assert transaction.reference == order.reference
    assert [(li.amount, li.amount_tax) for li in transaction.line_items.data] == [
        (amount - tax if mode == "exclusive" else amount, tax)]
    with app.app_context():
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        assert (invoice.net, invoice.tax, invoice.gross) == (amount - tax, tax, amount)
        assert invoice.snapshot["tax_rate"] == rate.removesuffix(".0")
    receipt = client.get(f"/orders/{order.public_id}").get_data(as_text=True)
    assert '<dd data-field="tax">' in receipt


def test_a_refund_of_an_intent_order_is_reversed_with_stripe_tax(
        app, client, taxed, make_course, emulator, stripe_sdk):
    from app.orders import record_tax_due
    from app.orders.refunds import new_idempotency_key, refund_order

    taxed("inclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    _, body = _start(client, "taxed", country="DE")
    confirm_intent(emulator.url, body["client_secret"])
    order = _order(app)
    client.get(f"/orders/{order.public_id}/return")
    with app.app_context():
        order = db.session.get(Order, order.id)
        transaction_id = order.tax_transaction_id
        assert transaction_id
        refund_order(order=order, amount=2000, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order), created_by="owner")
        assert record_tax_due() == 1 and record_tax_due() == 0
        reversal_id = db.session.scalars(select(Refund)).one().tax_reversal_id
        credit = db.session.scalars(select(Invoice).where(
            Invoice.kind == "credit_note")).one()
        assert (credit.gross, credit.tax) == (2000, 319)
    reversal = stripe_sdk.v1.tax.transactions.retrieve(reversal_id)
    assert reversal.reversal.original_transaction == transaction_id
    assert [(li.amount, li.amount_tax) for li in reversal.line_items.data] == [(-2000, -319)]


def test_the_tax_is_on_the_price_after_the_coupon(app, client, taxed, make_course,
                                                  stripe_sdk):
    from app.pricing import create_coupon

    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    with app.app_context():
        create_coupon(code="TEN", amount="10.00", currency="eur")
    status, body = _start(client, "taxed", country="FR", code="TEN")
    assert status == 200, body
    order = _order(app)
    assert (order.discount_amount, order.tax_amount, order.amount) == (1000, 1180, 7080)
    assert stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id).amount == 7080


def test_when_stripe_tax_cannot_answer_nothing_is_placed(app, client, taxed, make_course,
                                                         stripe_sdk, emulator_control):
    """Stripe Tax answering 500: the page is told to try again (503 with the words), no
    order, no intent; a US buyer without a state is asked for it first (400)."""
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="usd")
    status, body = _start(client, "taxed", country="US")
    assert (status, body["field"]) == (400, "state")
    assert body["error"] == "Choose your state: the tax on your order depends on it."
    emulator_control.inject_fault(status=500, count=5, path="/v1/tax/calculations")
    status, body = _start(client, "taxed", country="US", state="TX")
    assert status == 503 and body["error"].startswith(TAX_UNAVAILABLE)
    with app.app_context():
        assert db.session.scalar(select(Order)) is None
    assert stripe_sdk.v1.payment_intents.list().data == []


def test_going_back_to_the_same_order_keeps_its_intent(app, client, taxed, make_course,
                                                       stripe_sdk):
    """Pay pressed twice at the same taxed price: the same order and intent (the
    price compared is the taxed total)."""
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    _, first = _start(client, "taxed", country="DE")
    _, again = _start(client, "taxed", country="DE")
    assert first["client_secret"] == again["client_secret"]
    assert len(stripe_sdk.v1.payment_intents.list().data) == 1


def test_one_click_charges_the_taxed_total_off_session(app, client, taxed, make_course,
                                                      stripe_sdk, cli):
    taxed("exclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    customer = stripe_sdk.v1.customers.create(params={"email": EMAIL})
    method = stripe_sdk.v1.payment_methods.attach("pm_card_visa",
                                                  params={"customer": customer.id})
    with app.app_context():
        from app.access import ensure_buyer

        ensure_buyer(EMAIL).stripe_customer_id_test = customer.id
        db.session.commit()
    assert cli.invoke(args=["cards", "backfill"]).exit_code == 0
    sign_in_by_link(client, app, EMAIL)
    html = client.get("/courses/taxed/one-click").get_data(as_text=True)
    assert 'data-testid="tax-line"' in html and "js/tax_preview.js" in html
    assert "Pay €69.00 + tax now" in html
    response = client.post("/courses/taxed/one-click", data={
        "csrf_token": csrf_from(html), "card_id": method.id, "country": "IE",
        "immediate_access_consent": "y"})
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/orders/"), response.get_data(as_text=True)
    order = _order(app)
    assert (order.status, order.payment.flow) == (OrderStatus.PAID, "saved_card_intent")
    assert (order.tax_amount, order.amount, order.tax_country) == (1587, 8487, "IE")
    assert order.tax_transaction_id.startswith("tax_")  # recorded by the checkout
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert (intent.amount, intent.payment_method) == (8487, method.id)
    with app.app_context():
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        assert (invoice.tax, invoice.gross) == (1587, 8487)


def test_refunds_adding_up_to_the_whole_reverse_exactly_the_tax(app, client, taxed,
                                                                make_course, emulator,
                                                                stripe_sdk):
    """Three partial refunds of an odd amount: the last reverses what remains in full,
    so the reversals add up to the transaction's tax exactly (no rounding past it)."""
    from app.orders import record_tax_due
    from app.orders.refunds import new_idempotency_key, refund_order

    taxed("exclusive")
    make_course(slug="taxed", price="0.97", currency="eur")
    _, body = _start(client, "taxed", country="HU")  # 27 %: 0.97 + 0.26 = 1.23
    confirm_intent(emulator.url, body["client_secret"])
    order = _order(app)
    client.get(f"/orders/{order.public_id}/return")
    with app.app_context():
        for amount in (41, 41, 41):
            order = db.session.get(Order, order.id)
            refund_order(order=order, amount=amount, reason="requested_by_customer",
                         idempotency_key=new_idempotency_key(order), created_by="owner")
            assert record_tax_due() == 1
        order = db.session.get(Order, order.id)
        assert (order.amount, order.amount_refunded, order.tax_amount) == (123, 123, 26)
        reversals = [r.tax_reversal_id for r in db.session.scalars(
            select(Refund).order_by(Refund.id))]
    taxes = [sum(li.amount_tax for li in stripe_sdk.v1.tax.transactions.retrieve(r)
                 .line_items.data) for r in reversals]
    assert sum(taxes) == -26 and taxes[-1] == -26 - sum(taxes[:-1])
