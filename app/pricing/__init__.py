"""The pricing step between a course and an order: what the buyer is asked to pay.

Every payment flow charges `Quote.amount`, computed on the server from the database for
every request (never from the page): the course's list price, less a coupon's discount
(`app.pricing.coupons`); tax plugs in here too, once for every flow. An amount of 0 is
a free enrolment (no payment at all).
"""

from app.pricing.codes import (
    CouponStats,
    coupons_with_stats,
    create_coupon,
    deactivate_coupon,
)
from app.pricing.coupons import CouponError, looked_up, normalise, quote_for, refused_quote
from app.pricing.quotes import Quote, with_tax

__all__ = ["CouponError", "CouponStats", "Quote", "coupons_with_stats", "create_coupon",
           "deactivate_coupon", "looked_up", "normalise", "quote_for", "refused_quote",
           "with_tax"]
