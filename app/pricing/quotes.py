"""Quotes: a course's price broken down into list price, discount, tax and amount."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Quote:
    """What one order of a course costs, in minor units of `currency`.

    `amount` is what is charged: the list price less the discount, plus tax when it is
    added on top (`tax_inclusive` False); inclusive tax is part of the list price. With a
    coupon, `code` is the code applied (and `coupon_id` its row); a code that was asked
    for but cannot be used leaves the full price, `code` None and `code_error` saying why.
    """

    course_id: int
    currency: str
    list_price: int
    discount_amount: int = 0
    tax: int = 0
    tax_inclusive: bool = False
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
