"""Stripe Tax in the emulator, through the real SDK: calculations for buyers in several
countries, inclusive and exclusive, exact in minor units (per line, half up); a
transaction recorded from a calculation; full and partial reversals; Stripe's 400s."""

import pytest
import stripe


def _calculate(client, *, country, behavior, amount=6900, currency="eur", state=None):
    address = {"country": country}
    if state:
        address["state"] = state
    return client.v1.tax.calculations.create(params={
        "currency": currency,
        "line_items": [{"amount": amount, "reference": "course", "tax_behavior": behavior,
                        "tax_code": "txcd_10000000"}],
        "customer_details": {"address": address, "address_source": "billing"}})


@pytest.mark.parametrize(("country", "state", "currency", "amount", "behavior", "tax",
                          "total", "percent", "tax_type"), [
    ("DE", None, "eur", 6900, "inclusive", 1102, 6900, "19.0", "vat"),
    ("DE", None, "eur", 6900, "exclusive", 1311, 8211, "19.0", "vat"),
    ("FR", None, "eur", 6900, "inclusive", 1150, 6900, "20.0", "vat"),
    ("FR", None, "eur", 6900, "exclusive", 1380, 8280, "20.0", "vat"),
    ("IE", None, "eur", 6900, "inclusive", 1290, 6900, "23.0", "vat"),
    ("IE", None, "eur", 6900, "exclusive", 1587, 8487, "23.0", "vat"),
    ("GB", None, "gbp", 6900, "inclusive", 1150, 6900, "20.0", "vat"),
    ("GB", None, "gbp", 6900, "exclusive", 1380, 8280, "20.0", "vat"),
    ("US", "WA", "usd", 6900, "inclusive", 421, 6900, "6.5", "sales_tax"),
    ("US", "WA", "usd", 6900, "exclusive", 449, 7349, "6.5", "sales_tax"),
    ("JP", None, "jpy", 5000, "inclusive", 455, 5000, "10.0", "jct"),
    ("JP", None, "jpy", 5000, "exclusive", 500, 5500, "10.0", "jct"),
    ("CH", None, "chf", 6900, "exclusive", 559, 7459, "8.1", "vat"),
])
def test_a_calculation_gives_the_rate_of_the_buyers_country(
        client, country, state, currency, amount, behavior, tax, total, percent, tax_type):
    calc = _calculate(client, country=country, state=state, currency=currency,
                      amount=amount, behavior=behavior)
    assert calc.object == "tax.calculation" and calc.id.startswith("taxcalc_")
    assert calc.amount_total == total
    inclusive = behavior == "inclusive"
    assert (calc.tax_amount_inclusive, calc.tax_amount_exclusive) == (
        (tax, 0) if inclusive else (0, tax))
    [breakdown] = calc.tax_breakdown
    assert breakdown.amount == tax and breakdown.inclusive is inclusive
    assert breakdown.taxable_amount == (amount - tax if inclusive else amount)
    assert breakdown.taxability_reason == "standard_rated"
    details = breakdown.tax_rate_details
    assert (details.country, details.state, details.percentage_decimal, details.tax_type) == (
        country, state, percent, tax_type)
    [line] = calc.line_items.data
    assert (line.amount, line.amount_tax, line.tax_behavior, line.reference) == (
        amount, tax, behavior, "course")
    assert calc.customer_details.address.country == country


def test_where_the_account_collects_nothing_the_tax_is_zero(client):
    calc = _calculate(client, country="US", state="CA", currency="usd", behavior="exclusive")
    assert calc.amount_total == 6900 and calc.tax_amount_exclusive == 0
    assert calc.tax_breakdown[0].taxability_reason == "not_collecting"


def test_a_transaction_and_its_partial_then_full_reversal(client):
    calc = _calculate(client, country="DE", behavior="inclusive")
    txn = client.v1.tax.transactions.create_from_calculation(params={
        "calculation": calc.id, "reference": "ORD-1", "metadata": {"order": "ORD-1"}})
    assert (txn.object, txn.type, txn.reference) == ("tax.transaction", "transaction",
                                                     "ORD-1")
    assert txn.line_items.data[0].amount_tax == 1102
    partial = client.v1.tax.transactions.create_reversal(params={
        "mode": "partial", "original_transaction": txn.id, "reference": "ORD-1-refund-1",
        "flat_amount": -2000})
    assert partial.type == "reversal"
    assert partial.reversal.original_transaction == txn.id
    [line] = partial.line_items.data
    assert (line.amount, line.amount_tax) == (-2000, -319)
    rest = client.v1.tax.transactions.create_reversal(params={
        "mode": "full", "original_transaction": txn.id, "reference": "ORD-1-refund-2"})
    [line] = rest.line_items.data
    assert (line.amount, line.amount_tax) == (-4900, -783)
    assert client.v1.tax.transactions.retrieve(txn.id).id == txn.id
    with pytest.raises(stripe.InvalidRequestError, match="exceeds"):
        client.v1.tax.transactions.create_reversal(params={
            "mode": "partial", "original_transaction": txn.id, "reference": "ORD-1-r3",
            "flat_amount": -1})


def test_stripes_400s(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.tax.calculations.create(params={"currency": "eur", "line_items": [
            {"amount": 100}]})
    assert raised.value.param == "customer_details"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _calculate(client, country="US", currency="usd", behavior="exclusive")
    assert raised.value.code == "customer_tax_location_invalid"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _calculate(client, country="DE", behavior="sometimes")
    assert raised.value.param == "line_items[0][tax_behavior]"
    calc = _calculate(client, country="FR", behavior="exclusive")
    client.v1.tax.transactions.create_from_calculation(params={
        "calculation": calc.id, "reference": "dup"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.tax.transactions.create_from_calculation(params={
            "calculation": calc.id, "reference": "dup"})
    assert raised.value.code == "tax_transaction_reference_already_exists"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.tax.transactions.create_from_calculation(params={
            "calculation": "taxcalc_missing", "reference": "x"})
    assert raised.value.code == "resource_missing"


def test_a_repeated_request_under_one_key_gets_the_first_answer(client):
    """Idempotency as on every POST: the same key and body replays the first calculation
    and the first transaction; the same key with other parameters is refused."""
    params = {"currency": "eur", "line_items": [{"amount": 6900, "tax_behavior": "inclusive"}],
              "customer_details": {"address": {"country": "IE"}}}
    first = client.v1.tax.calculations.create(params=params,
                                              options={"idempotency_key": "calc-1"})
    again = client.v1.tax.calculations.create(params=params,
                                              options={"idempotency_key": "calc-1"})
    assert again.id == first.id and again.amount_total == 6900
    with pytest.raises(stripe.IdempotencyError):
        client.v1.tax.calculations.create(
            params={**params, "currency": "usd"}, options={"idempotency_key": "calc-1"})
    txn = client.v1.tax.transactions.create_from_calculation(
        params={"calculation": first.id, "reference": "ORD-9"},
        options={"idempotency_key": "txn-1"})
    replayed = client.v1.tax.transactions.create_from_calculation(
        params={"calculation": first.id, "reference": "ORD-9"},
        options={"idempotency_key": "txn-1"})
    assert replayed.id == txn.id
