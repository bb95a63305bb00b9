"""Quotes: a course's price broken down into list price, discount, tax and total."""

from dataclasses import dataclass, replace

from flask import current_app


@dataclass(frozen=True)
class Quote:
    """What one order of a course costs, in minor units of `currency`.

    `total` is what is charged: the list price less the discount, plus tax when it is
    added on top (`tax_inclusive` False); inclusive tax is part of the list price.
    `tax_rate` (percent, "19.0") and `tax_calculation_id` come from Stripe Tax.
    """

    course_id: int
    currency: str
    list_price: int
    discount: int = 0
    tax: int = 0
    tax_inclusive: bool = False
    tax_rate: str | None = None
    tax_calculation_id: str | None = None
    tax_country: str | None = None

    @property
    def total(self):
        base = self.list_price - self.discount
        return base if self.tax_inclusive else base + self.tax


def quote_for(course):
    """The quote for one purchase of `course` at its current price (no tax asked for:
    the pages show it without calling Stripe)."""
    return Quote(course_id=course.id, currency=course.currency,
                 list_price=course.price_minor)


def taxed_quote(course, *, country=None, state=None):
    """The quote a checkout charges for `course`: its price, with tax (`with_tax`)."""
    return with_tax(quote_for(course), country=country, state=state)


def with_tax(quote, *, country=None, state=None):
    """`quote` (whatever its discount) with the tax Stripe Tax calculates, when TAX_MODE
    is inclusive or exclusive, for the buyer's country (SELLER_COUNTRY when none was
    declared; a US buyer's state too). Calls Stripe: no database transaction may be
    writing when it runs."""
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
        state=state)
    return replace(quote, tax=calculated.tax, tax_inclusive=inclusive,
                   tax_rate=calculated.rate, tax_calculation_id=calculated.calculation_id,
                   tax_country=country)
