"""Quotes: a course's price broken down into list price, discount, tax and total."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Quote:
    """What one order of a course costs, in minor units of `currency`.

    `total` is what is charged: the list price less the discount, plus tax when it is
    added on top (`tax_inclusive` False); inclusive tax is part of the list price.
    """

    course_id: int
    currency: str
    list_price: int
    discount: int = 0
    tax: int = 0
    tax_inclusive: bool = False

    @property
    def total(self):
        base = self.list_price - self.discount
        return base if self.tax_inclusive else base + self.tax


def quote_for(course):
    """The quote for one purchase of `course` at its current price."""
    return Quote(course_id=course.id, currency=course.currency,
                 list_price=course.price_minor)
