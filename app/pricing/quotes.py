"""Quotes: a course's price broken down into list price, discount, tax and amount."""

from dataclasses import dataclass, replace

from flask import current_app


@dataclass(frozen=True)
class Quote:
    """What one order of a course costs, in minor units of `currency`.

    `amount` is what is charged: the list price less the discount, plus tax when it is
    added on top (`tax_inclusive` False); inclusive tax is part of the list price. With a
    coupon, `code` is the code applied (and `coupon_id` its row); a code that was asked
    for but cannot be used leaves the full price, `code` None and `code_error` saying why.
    `tax_rate` (percent, "19.0") and `tax_calculation_id` come from Stripe Tax.
    """

    course_id: int
    currency: str
    list_price: int
    discount_amount: int = 0
    tax: int = 0
    tax_inclusive: bool = False
    tax_rate: str | None = None
    tax_calculation_id: str | None = None
    tax_country: str | None = None
    #: A business buyer's VAT number ("FR12345678901") and Stripe Tax's
    #: taxability_reason ("reverse_charge": no tax, the buyer accounts for it).
    buyer_tax_id: str | None = None
    tax_reason: str | None = None
    code: str | None = None
    coupon_id: int | None = None
    #: The coupon's per-buyer limit, checked again when the order is placed.
    max_per_buyer: int | None = None
    #: Why the code the buyer gave is not applied (None: no code, or applied).
    code_error: str | None = None
    #: The code as the buyer typed it (shortened), to show it back in the field.
    code_entered: str = ""

    @property
    def amount(self):
        base = self.list_price - self.discount_amount
        return base if self.tax_inclusive else base + self.tax

    @property
    def total(self):
        """`amount` (the name the templates used first)."""
        return self.amount

    @property
    def discount(self):
        return self.discount_amount

    @property
    def free(self):
        """Nothing to pay: the buyer is enrolled without a payment (the "free" flow)."""
        return self.amount == 0


def list_quote(course):
    """The quote for one purchase of `course` at its list price."""
    return Quote(course_id=course.id, currency=course.currency,
                 list_price=course.price_minor)


def with_tax(quote, *, country=None, state=None, vat=None):
    """`quote` (whatever its discount) with the tax Stripe Tax calculates, when TAX_MODE
    is inclusive or exclusive, for the buyer's country (SELLER_COUNTRY when none was
    declared; a US buyer's state too; a business buyer's VAT number, `vat`, a
    vat_numbers.VatNumber, which Stripe Tax may reverse charge). Calls Stripe: no
    database transaction may be writing when it runs."""
    config = current_app.config
    mode = config.get("TAX_MODE", "off")
    country = (country or config.get("SELLER_COUNTRY") or "").strip().upper()
    if mode == "off" or not country:
        return quote
    from app import payments

    inclusive = mode == "inclusive"
    base = quote.list_price - quote.discount
    calculated = payments.calculate_tax(
        amount=base, currency=quote.currency, country=country, inclusive=inclusive,
        tax_code=config["TAX_CODE_ELEARNING"], reference=f"course-{quote.course_id}",
        state=state, tax_ids=[vat.stripe_tax_id] if vat else None)
    return replace(quote, tax=calculated.tax, tax_inclusive=inclusive,
                   tax_rate=calculated.rate, tax_calculation_id=calculated.calculation_id,
                   tax_country=country, buyer_tax_id=vat.value if vat else None,
                   tax_reason=calculated.reason)
