"""The pricing step between a course and an order: what the buyer is asked to pay.

Every payment flow charges `Quote.total`, computed on the server from the database for
every request (never from the page). Today a quote is the course's list price with no
discount and no tax; coupons and tax plug in here, once for every flow.
"""

from app.pricing.quotes import Quote, quote_for, taxed_quote, with_tax

__all__ = ["Quote", "quote_for", "taxed_quote", "with_tax"]
