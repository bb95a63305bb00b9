"""Coupon codes in the price: which code applies to a course, and what it takes off.

Everything is read from the database on every call; what the page sent is only the
code. A code the buyer cannot use leaves the full price and says why, in words the buyer
understands. A discount that would leave less than Stripe's minimum charge (but more
than nothing) is refused; one that leaves nothing makes the order free.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Coupon, CouponRedemption, Order
from app.models._time import as_utc, utcnow
from app.money import MINIMUM_MINOR, exponent, format_money
from app.pricing.quotes import Quote, list_quote

#: What a code may look like: letters, digits, "-" and "_", 3 to 40 of them (matched
#: without regard to case). Anything else is never looked up.
CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,39}")
#: The longest code text shown back to the buyer.
SHOWN = 40


class CouponError(ValueError):
    """A coupon that cannot be created as asked (the admin's or the CLI's mistake)."""


def normalise(raw):
    """The code in its stored form (upper case), or None when it cannot be a code."""
    if not isinstance(raw, str):
        return None
    code = raw.strip().upper()
    return code if CODE.fullmatch(code) else None


def shown(raw):
    """The typed code, safe to show back: printable, at most SHOWN characters."""
    text = "".join(ch for ch in str(raw or "") if ch.isprintable()).strip()
    return text[:SHOWN]


def find(code):
    """The coupon with this (normalised) code, or None."""
    return db.session.scalar(select(Coupon).where(Coupon.code == code))


def uses_by(coupon_id, email, *, other_than_course=None):
    """How many orders of `email` hold a use of the coupon (not counting an order of
    `other_than_course`: the buyer's one open order of the course being priced is paid
    or given up before another can be placed, which counts again)."""
    query = (select(func.count()).select_from(CouponRedemption)
             .where(CouponRedemption.coupon_id == coupon_id,
                    CouponRedemption.email == email.strip().lower(),
                    CouponRedemption.released_at.is_(None)))
    if other_than_course is not None:
        query = query.join(Order, Order.id == CouponRedemption.order_id).where(
            Order.course_id != other_than_course)
    return db.session.scalar(query)


def discount_of(coupon, list_price, currency):
    """Minor units the coupon takes off `list_price` (never more than the price)."""
    if coupon.percent_off is not None:
        raw = Decimal(list_price) * coupon.percent_off / 100
        off = int(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if exponent(currency) == 3:  # Stripe wants three-decimal amounts ending in 0
            off = int((Decimal(off) / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 10
    else:
        off = coupon.amount_off
    return max(0, min(off, list_price))


def refusal(coupon, course, *, email=None, now=None):
    """Why `coupon` cannot be used for `course` now (by `email`), or None."""
    code = coupon.code
    now = now or utcnow()
    # A code that is not valid for this course now (deactivated, not started, expired,
    # for other courses) answers like one that does not exist: telling them apart would
    # tell a guesser which codes exist. The admin pages show each code's state.
    if not coupon.active or (
            coupon.starts_at is not None and now < as_utc(coupon.starts_at)) or (
            coupon.ends_at is not None and now >= as_utc(coupon.ends_at)) or (
            not coupon.all_courses and course.id not in {c.id for c in coupon.courses}):
        return not_valid(code)
    if coupon.amount_off is not None and coupon.currency != course.currency:
        return (f"The code {code} is for prices in {coupon.currency.upper()}; this "
                f"course is priced in {course.currency.upper()}.")
    if coupon.max_redemptions is not None and coupon.redemptions >= coupon.max_redemptions:
        return f"The code {code} has been used up."
    if email and coupon.max_per_buyer is not None and \
            uses_by(coupon.id, email, other_than_course=course.id) >= coupon.max_per_buyer:
        return f"You have already used the code {code} as often as it allows."
    return None


def not_valid(code):
    """The one answer for a code that does not exist or is not valid for the course."""
    return f"The code {code} is not valid."


def below_minimum(amount, currency):
    """The message for a discounted amount Stripe cannot charge, or None."""
    minimum = MINIMUM_MINOR.get(currency, 50)
    if 0 < amount < minimum:
        return (f"With this code the price would be {format_money(amount, currency)}, "
                f"less than the smallest payment we can take "
                f"({format_money(minimum, currency)}), so it cannot be used here.")
    return None


def quote_for(course, code=None, *, email=None, now=None):
    """The quote for one purchase of `course`, with the coupon `code` (as typed) when it
    can be used; otherwise the full price and `code_error` saying why."""
    quote = list_quote(course)
    if code is None or (isinstance(code, str) and not code.strip()) or quote.free:
        return quote  # no code, or a free course: nothing to take off
    entered = shown(code)
    normal = normalise(code)
    coupon = find(normal) if normal else None
    if coupon is None:
        message = (not_valid(normal) if normal
                   else "That is not a valid code: codes are 3 to 40 letters, digits, "
                        "dashes or underscores.")
        return _refused(quote, message, entered)
    message = refusal(coupon, course, email=email, now=now)
    off = 0 if message else discount_of(coupon, quote.list_price, quote.currency)
    if message is None and off == 0:
        message = f"The code {coupon.code} takes nothing off this course's price."
    if message is None:
        message = below_minimum(quote.list_price - off, quote.currency)
    if message:
        return _refused(quote, message, entered)
    return Quote(course_id=quote.course_id, currency=quote.currency,
                 list_price=quote.list_price, discount_amount=off, code=coupon.code,
                 coupon_id=coupon.id, max_per_buyer=coupon.max_per_buyer,
                 code_entered=coupon.code)


def looked_up(course, code):
    """Whether pricing `course` with `code` (as typed) looks a coupon up (a code of the
    right form, a course that costs something)."""
    return normalise(code) is not None and not list_quote(course).free


def refused_quote(course, code, message):
    """The full-price quote of `course`, with `code` (as typed) refused for `message`."""
    return _refused(list_quote(course), message, shown(code))


def _refused(quote, message, entered):
    return Quote(course_id=quote.course_id, currency=quote.currency,
                 list_price=quote.list_price, code_error=message, code_entered=entered)
