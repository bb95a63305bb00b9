"""Business buyers in Stripe Tax through stripe-python: `customer_details[tax_ids]` on a
Tax Calculation, the reverse charge for an EU business buyer in another member state
than the head office (`/v1/tax/settings`), VAT as usual in the head office's own
country, Stripe's 400 for a malformed EU VAT number; the hosted Checkout page's tax ID
does the same on an `automatic_tax` Session."""
import re

import pytest
import requests
import stripe


def calculation(country, tax_ids=(), behavior="exclusive"):
    return stripe.tax.Calculation.create(
        currency="eur", line_items=[{"amount": 6900, "reference": "course",
                                     "tax_behavior": behavior}],
        customer_details={"address": {"country": country}, "address_source": "billing",
                          "tax_ids": list(tax_ids)})


def head_office(country):
    return stripe.tax.Settings.modify(head_office={"address": {"country": country}})


def test_the_settings_keep_the_head_office_and_defaults():
    pending = stripe.tax.Settings.retrieve()
    assert (pending.status, pending.head_office) == ("pending", None)
    assert pending.status_details.pending.missing_fields == ["head_office"]
    done = stripe.tax.Settings.modify(head_office={"address": {"country": "de"}},
                                      defaults={"tax_behavior": "inclusive"})
    assert (done.status, done.head_office.address.country) == ("active", "DE")
    assert done.defaults.tax_behavior == "inclusive"
    with pytest.raises(stripe.InvalidRequestError):
        stripe.tax.Settings.modify(defaults={"tax_behavior": "gross"})


@pytest.mark.parametrize(("office", "country", "tax", "reason"), [
    ("DE", "FR", 0, "reverse_charge"),     # another member state: the buyer accounts
    ("DE", "DE", 1311, "standard_rated"),  # the seller's own country: VAT as usual
    (None, "IT", 0, "reverse_charge"),     # a seller outside the EU (the US account)
])
def test_an_eu_business_buyer_is_reverse_charged_across_borders(office, country, tax,
                                                                reason):
    if office:
        head_office(office)
    prefix = "EL" if country == "GR" else country
    calc = calculation(country, [{"type": "eu_vat", "value": f"{prefix}123456789"}])
    assert (calc.tax_amount_exclusive, calc.amount_total) == (tax, 6900 + tax)
    [entry] = calc.tax_breakdown
    assert entry.taxability_reason == reason
    assert entry.tax_rate_details.country == country
    assert entry.tax_rate_details.tax_type == "vat"
    assert calc.customer_details.tax_ids[0].value == f"{prefix}123456789"


def test_a_consumer_pays_vat_and_a_bad_number_is_refused():
    head_office("DE")
    assert calculation("FR").tax_amount_exclusive == 1380
    with pytest.raises(stripe.InvalidRequestError) as raised:
        calculation("FR", [{"type": "eu_vat", "value": "US12"}])
    assert raised.value.code == "tax_id_invalid"
    assert raised.value.param == "customer_details[tax_ids][0][value]"
    with pytest.raises(stripe.InvalidRequestError):
        calculation("FR", [{"type": "vat", "value": "FR12345678901"}])


def test_the_hosted_page_reverse_charges_a_business_buyer():
    head_office("DE")
    cs = stripe.checkout.Session.create(
        mode="payment", success_url="https://shop.example/ok",
        automatic_tax={"enabled": True}, tax_id_collection={"enabled": True},
        line_items=[{"quantity": 1, "price_data": {
            "currency": "eur", "unit_amount": 6900, "tax_behavior": "exclusive",
            "product_data": {"name": "Course"}}}])
    data = {"email": "b@example.com", "cardNumber": "4242424242424242",
            "cardExpiry": "12 / 34", "cardCvc": "123", "billingName": "B",
            "billingPostalCode": "75001", "billingCountry": "FR", "taxIdType": "eu_vat",
            "taxId": "FR12345678901", "shownTotal": "6900"}
    bad = requests.post(cs.url, data={**data, "taxId": "FR1"}, timeout=10,
                        allow_redirects=False)
    assert bad.status_code == 400 and "Your tax ID is invalid." in bad.text
    paid = requests.post(cs.url, data=data, timeout=10, allow_redirects=False)
    assert paid.status_code == 303, re.sub(r"\s+", " ", paid.text)[:500]
    done = stripe.checkout.Session.retrieve(cs.id, expand=["total_details.breakdown"])
    assert (done.amount_total, done.total_details.amount_tax) == (6900, 0)
    [entry] = done.total_details.breakdown.taxes
    assert entry.taxability_reason == "reverse_charge"
    assert done.customer_details.tax_ids[0].value == "FR12345678901"


def test_an_unspecified_price_takes_the_settings_default_behavior():
    stripe.tax.Settings.modify(defaults={"tax_behavior": "inclusive"})
    cs = stripe.checkout.Session.create(
        mode="payment", success_url="https://shop.example/ok",
        automatic_tax={"enabled": True}, line_items=[{"quantity": 1, "price_data": {
            "currency": "eur", "unit_amount": 6900, "product_data": {"name": "Course"}}}])
    assert cs.automatic_tax.enabled
    items = stripe.checkout.Session.list_line_items(cs.id)
    assert "_behaviors" not in str(items) and items.data[0].price.tax_behavior == \
        "unspecified"
