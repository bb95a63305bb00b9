"""A coupon's uses, held by orders: taken once when an order is placed, given back when
it fails or is abandoned, taken again if Stripe's record says it was paid after all.

Taking a use is one conditional UPDATE (`redemptions < max_redemptions`), in the
transaction that inserts the order: the database decides which of many buyers racing for
the last use gets it, on SQLite (one writer at a time) and on PostgreSQL (the UPDATE
holds the coupon's row until the commit; a waiting UPDATE re-checks its WHERE against
the committed count). While that row is held, the per-buyer count is read and cannot
change underneath.
"""

import logging

from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models import Coupon, CouponRedemption
from app.models._time import utcnow

log = logging.getLogger(__name__)


class CodeRefused(Exception):
    """The code's last use went to another order, or the buyer has used it up; nothing
    was placed."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def take(order, quote):
    """Take one use of the quote's coupon for `order` (flushed, in the caller's
    transaction); raises CodeRefused (the caller rolls back)."""
    taken = db.session.execute(
        update(Coupon)
        .where(Coupon.id == quote.coupon_id, Coupon.active.is_(True),
               or_(Coupon.max_redemptions.is_(None),
                   Coupon.redemptions < Coupon.max_redemptions))
        .values(redemptions=Coupon.redemptions + 1)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not taken:
        raise CodeRefused(quote.code, f"The code {quote.code} has just been used up (or "
                                      "withdrawn), so nothing was charged. The full price "
                                      "is shown below.")
    if quote.max_per_buyer is not None:
        held = db.session.scalar(
            select(func.count()).select_from(CouponRedemption)
            .where(CouponRedemption.coupon_id == quote.coupon_id,
                   CouponRedemption.email == order.email,
                   CouponRedemption.released_at.is_(None)))
        if held >= quote.max_per_buyer:
            raise CodeRefused(quote.code, f"You have already used the code {quote.code} "
                                          "as often as it allows, so nothing was charged.")
    db.session.add(CouponRedemption(coupon_id=quote.coupon_id, order_id=order.id,
                                    email=order.email, discount_amount=order.discount_amount,
                                    currency=order.currency))
    db.session.flush()


def give_back(order):
    """The order failed or was abandoned: its use of the code is free again (once)."""
    if not order.coupon_code:
        return
    row = db.session.scalar(select(CouponRedemption).where(
        CouponRedemption.order_id == order.id, CouponRedemption.released_at.is_(None)))
    if row is None:
        return
    row.released_at = utcnow()
    db.session.execute(update(Coupon).where(Coupon.id == row.coupon_id,
                                            Coupon.redemptions > 0)
                       .values(redemptions=Coupon.redemptions - 1)
                       .execution_options(synchronize_session=False))
    log.info("Order %s gave back its use of code %s", order.reference, order.coupon_code)


def take_again(order):
    """A failed order was paid after all (Stripe's record wins): it holds its use again,
    even past the limit (the buyer paid the discounted price)."""
    if not order.coupon_code:
        return
    row = db.session.scalar(select(CouponRedemption).where(
        CouponRedemption.order_id == order.id, CouponRedemption.released_at.is_not(None)))
    if row is None:
        return
    row.released_at = None
    db.session.execute(update(Coupon).where(Coupon.id == row.coupon_id)
                       .values(redemptions=Coupon.redemptions + 1)
                       .execution_options(synchronize_session=False))
    log.warning("Order %s was paid after failing: it holds its use of code %s again",
                order.reference, order.coupon_code)
