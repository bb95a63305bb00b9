"""``automatic_tax[enabled]=true`` on Checkout Sessions through stripe-python: the Session
waits for the buyer's location, the hosted page asks for the billing country, shows the
taxed total before charging it, and the completed Session carries the tax
(``total_details.amount_tax``, ``expand[]=total_details.breakdown``, the line items'
``amount_tax``), its intent and charge the taxed total; Stripe's refusals without a
tax behavior or, for a customer without an address, without ``customer_update``."""
import re

import pytest
import requests
import stripe

SUCCESS = "https://shop.example/orders/42/paid?session_id={CHECKOUT_SESSION_ID}"
CARD = {"cardNumber": "4242424242424242", "cardExpiry": "12 / 34", "cardCvc": "123",
        "billingName": "Jenny Rosen", "billingPostalCode": "10115"}


def taxed(behavior="exclusive", amount=6900, currency="eur", **params):
    return stripe.checkout.Session.create(
        mode="payment", success_url=SUCCESS, automatic_tax={"enabled": True},
        line_items=[{"quantity": 1, "price_data": {
            "currency": currency, "unit_amount": amount, "tax_behavior": behavior,
            "product_data": {"name": "Python Jumpstart", "tax_code": "txcd_10000000"}}}],
        **params)


def pay(cs, shown=None, **fields):
    data = {"email": "buyer@example.com", **CARD, **fields}
    if shown is not None:
        data["shownTotal"] = str(shown)
    return requests.post(cs.url, data=data, timeout=10, allow_redirects=False)


def shown_total(page):
    return int(re.search(r'name="shownTotal" value="(\d+)"', page.text).group(1))


@pytest.mark.parametrize(("behavior", "country", "state", "tax", "total", "label"), [
    ("exclusive", "DE", "", 1311, 8211, "VAT (19%)"),
    ("inclusive", "FR", "", 1150, 6900, "VAT (20%)"),
    ("exclusive", "US", "WA", 449, 7349, "Sales Tax (6.5%)"),
    ("exclusive", "BR", "", 0, 6900, "Tax"),
])
def test_the_page_taxes_the_billing_address_and_the_session_carries_it(
        behavior, country, state, tax, total, label):
    cs = taxed(behavior, currency="usd" if country == "US" else "eur")
    assert (cs.automatic_tax.enabled, cs.automatic_tax.status) == (
        True, "requires_location_inputs")
    assert cs.automatic_tax.liability.type == "self" and cs.automatic_tax.provider == "stripe"
    assert (cs.amount_total, cs.total_details.amount_tax) == (6900, 0)
    page = requests.get(cs.url, timeout=10)
    assert 'name="billingCountry"' in page.text and "Enter address to calculate" in page.text
    first = pay(cs, shown=shown_total(page), billingCountry=country,
                billingAdministrativeArea=state)
    if total != 6900:  # the total changed: shown again, nothing charged
        assert first.status_code == 400 and "now includes the tax" in first.text
        assert stripe.checkout.Session.retrieve(cs.id).payment_intent is None
        assert label in first.text
        first = pay(cs, shown=shown_total(first), billingCountry=country,
                    billingAdministrativeArea=state)
    assert first.status_code == 303, first.text
    done = stripe.checkout.Session.retrieve(cs.id, expand=[
        "total_details.breakdown", "line_items", "payment_intent.latest_charge"])
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert (done.amount_total, done.amount_subtotal, done.total_details.amount_tax) == (
        total, 6900, tax)
    assert done.automatic_tax.status == "complete"
    assert done.customer_details.address.country == country
    [item] = done.line_items.data
    assert (item.amount_tax, item.amount_total, item.price.tax_behavior) == (
        tax, 6900 if behavior == "inclusive" else 6900 + tax, behavior)
    [entry] = done.total_details.breakdown.taxes
    assert entry.amount == tax and entry.rate.object == "tax_rate"
    assert entry.rate.inclusive is (behavior == "inclusive")
    if tax:
        assert entry.taxability_reason == "standard_rated"
        assert entry.rate.country == country and entry.rate.state == (state or None)
    else:
        assert entry.taxability_reason == "not_collecting"
    assert done.payment_intent.amount == total
    assert done.payment_intent.latest_charge.amount == total
    assert "breakdown" not in stripe.checkout.Session.retrieve(cs.id).total_details


def test_the_page_asks_for_a_country_and_a_us_state():
    cs = taxed()
    page = requests.get(cs.url, timeout=10)
    none = pay(cs, shown=shown_total(page))
    assert none.status_code == 400 and "Choose your country or region." in none.text
    us = pay(cs, shown=shown_total(page), billingCountry="US")
    assert us.status_code == 400 and "Enter your state." in us.text
    assert stripe.checkout.Session.retrieve(cs.id).payment_intent is None


def test_a_forged_or_missing_shown_total_is_never_charged():
    cs = taxed()
    bad = pay(cs, shown=None, billingCountry="DE")
    assert bad.status_code == 400 and "now includes the tax" in bad.text
    again = pay(cs, shown=1, billingCountry="DE")
    assert again.status_code == 400
    assert stripe.checkout.Session.retrieve(cs.id).payment_intent is None


def test_prices_need_a_tax_behavior():
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.checkout.Session.create(
            mode="payment", success_url=SUCCESS, automatic_tax={"enabled": True},
            line_items=[{"quantity": 1, "price_data": {
                "currency": "eur", "unit_amount": 6900, "product_data": {"name": "A"}}}])
    assert raised.value.param == "line_items[0][price_data][tax_behavior]"
    assert "tax_behavior" in raised.value.user_message


def test_a_customer_without_an_address_needs_customer_update():
    customer = stripe.Customer.create(email="c@example.com")
    with pytest.raises(stripe.InvalidRequestError) as raised:
        taxed(customer=customer.id)
    assert raised.value.param == "customer_update[address]"
    assert "customer_update[address]" in raised.value.user_message
    cs = taxed(customer=customer.id, customer_update={"address": "auto"})
    page = requests.get(cs.url, timeout=10)
    first = pay(cs, shown=shown_total(page), billingCountry="IE")
    pay(cs, shown=shown_total(first), billingCountry="IE")
    assert stripe.checkout.Session.retrieve(cs.id).amount_total == 8487
    assert stripe.Customer.retrieve(customer.id).address.country == "IE"  # saved: auto


def test_a_customer_with_an_address_is_taxed_at_creation():
    customer = stripe.Customer.create(email="c@example.com", address={"country": "NL"})
    cs = taxed(customer=customer.id)
    assert (cs.automatic_tax.status, cs.amount_total, cs.total_details.amount_tax) == (
        "complete", 8349, 1449)


def test_an_invalid_tax_behavior_or_tax_code_is_refused():
    for behavior, code, param in (("gross", "txcd_10000000", "tax_behavior"),
                                  ("exclusive", "elearning", "tax_code")):
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe.checkout.Session.create(
                mode="payment", success_url=SUCCESS, line_items=[{"quantity": 1,
                    "price_data": {"currency": "eur", "unit_amount": 6900,
                                   "tax_behavior": behavior,
                                   "product_data": {"name": "A", "tax_code": code}}}])
        assert raised.value.param.endswith(f"[{param}]")
