"""Stripe Tax: the tax of a price for a buyer's country (a Tax Calculation), recorded
once paid (a Tax Transaction) and reversed on a refund."""

from dataclasses import dataclass

from app.payments.calls import call
from app.payments.client import get_client, with_timeout


@dataclass(frozen=True)
class TaxQuote:
    """What Stripe Tax says about one price: the tax in minor units, the total to
    charge, the rate in percent ("19.0") and the calculation to record once paid."""

    calculation_id: str
    tax: int
    total: int
    rate: str
    country: str
    #: Stripe Tax's taxability_reason ("standard_rated", "reverse_charge", …).
    reason: str | None = None


def calculate_tax(*, amount, currency, country, inclusive, tax_code, reference,
                  state=None, tax_ids=None):
    """A Tax Calculation of one line of `amount` minor units for a buyer in `country`
    (a business buyer's `tax_ids`: [{"type": "eu_vat", "value": …}])."""
    address = {"country": country}
    if state:
        address["state"] = state
    params = {"currency": currency, "line_items": [{
        "amount": amount, "reference": reference, "tax_code": tax_code,
        "tax_behavior": "inclusive" if inclusive else "exclusive"}],
        "customer_details": {"address": address, "address_source": "billing"}}
    if tax_ids:
        params["customer_details"]["tax_ids"] = list(tax_ids)
    client = get_client()
    calculation = call(lambda t: with_timeout(t, lambda: client.v1.tax.calculations.create(
        params=params)))
    tax = calculation.tax_amount_inclusive if inclusive else calculation.tax_amount_exclusive
    rates = [b.tax_rate_details.percentage_decimal for b in calculation.tax_breakdown
             if b.amount]
    reasons = [b.taxability_reason for b in calculation.tax_breakdown]
    return TaxQuote(calculation_id=calculation.id, tax=int(tax or 0),
                    total=int(calculation.amount_total), rate=rates[0] if rates else "0",
                    country=country, reason=reasons[0] if reasons else None)


def record_tax(*, calculation_id, reference):
    """The Tax Transaction of a paid calculation (its id); the reference is unique."""
    client = get_client()
    transaction = call(lambda t: with_timeout(
        t, lambda: client.v1.tax.transactions.create_from_calculation(params={
            "calculation": calculation_id, "reference": reference}, options={
            "idempotency_key": f"tax-{reference}"})))
    return transaction.id


def reverse_tax(*, transaction_id, reference, amount=None):
    """Reverse a Tax Transaction in full, or `amount` minor units (gross) of it."""
    params = {"original_transaction": transaction_id, "reference": reference,
              "mode": "full" if amount is None else "partial"}
    if amount is not None:
        params["flat_amount"] = -int(amount)
    client = get_client()
    reversal = call(lambda t: with_timeout(
        t, lambda: client.v1.tax.transactions.create_reversal(params=params, options={
            "idempotency_key": f"tax-{reference}"})))
    return reversal.id
