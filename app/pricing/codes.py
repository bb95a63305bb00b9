"""Managing coupon codes (the admin pages and `flask coupons`): create, list with their
redemptions and revenue, deactivate. The rules of a code's use are in `coupons.py`."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Coupon, CouponRedemption, Course, Order, OrderStatus
from app.models._time import FIRST_DAY, LAST_DAY, utcnow
from app.money import MoneyError, check_currency, format_money, to_minor
from app.pricing.coupons import CODE, CouponError, find, normalise

#: Orders whose money the store keeps (some of it): a code's revenue.
_EARNING = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
#: The largest limit accepted (a typo such as 1e9 is refused rather than stored).
MAX_LIMIT = 1_000_000


def parse_when(value, label, *, end=False):
    """A date ("2026-12-31") or an ISO date and time, in UTC; None when empty. A date
    given as the end means the end of that day (the code works all of it)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(0), UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise CouponError(f"{label} must be a date like 2026-12-31 (or 2026-12-31T18:00)."
                          ) from None
    # Checked before the day is added (9999-12-31 has no next day) and in UTC (an
    # offset can carry 0001-01-01 or 9999-12-31 out of the years a date can hold).
    try:
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        moment = None
    if moment is None or not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise CouponError(f"{label} must be from {FIRST_DAY} to {LAST_DAY}.")
    return moment + timedelta(days=1) if end and len(text) == 10 else moment


#: A whole number as an admin types it: ASCII digits only (int() would also take "١٠",
#: "1_000" and "+5").
_WHOLE = re.compile(r"[0-9]{1,12}")


def _whole(value):
    """The int of `value` written with ASCII digits, else None."""
    text = str(value).strip()
    return int(text) if _WHOLE.fullmatch(text) else None


def _limit(value, label):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _whole(value)
    if number is None:
        raise CouponError(f"{label} must be a whole number.")
    if not 1 <= number <= MAX_LIMIT:
        raise CouponError(f"{label} must be between 1 and {MAX_LIMIT:,}.")
    return number


def _courses(slugs):
    """The courses named by `slugs` (a list, or "a,b"); [] for every course."""
    if isinstance(slugs, str):
        slugs = slugs.split(",")
    wanted = [s.strip().lower() for s in (slugs or []) if s and s.strip()]
    if not wanted:
        return []
    found = db.session.scalars(select(Course).where(Course.slug.in_(wanted))).all()
    missing = sorted(set(wanted) - {c.slug for c in found})
    if missing:
        raise CouponError(f"No course with slug {', '.join(missing)}.")
    return list(found)


def create_coupon(*, code, percent=None, amount=None, currency=None, courses=None,
                  max_redemptions=None, per_buyer=None, starts=None, ends=None):
    """Add a code taking `percent` (1-100) or `amount` of `currency` (in its unit,
    "10.00") off; raises CouponError saying what is wrong. Commits."""
    normal = normalise(code)
    if normal is None:
        raise CouponError("A code is 3 to 40 letters, digits, dashes or underscores, "
                          "starting with a letter or digit (like LAUNCH20).")
    has_percent = percent is not None and str(percent).strip() != ""
    has_amount = amount is not None and str(amount).strip() != ""
    if has_percent == has_amount:
        raise CouponError("Give either a percentage or an amount off (with its currency).")
    coupon = Coupon(code=normal, all_courses=True, redemptions=0, active=True)
    if has_percent:
        coupon.percent_off = _whole(str(percent).strip().rstrip("%"))
        if coupon.percent_off is None or not 1 <= coupon.percent_off <= 100:
            raise CouponError("The percentage must be a whole number from 1 to 100.")
    else:
        try:
            coupon.currency = check_currency(currency)
            coupon.amount_off = to_minor(str(amount), coupon.currency)
        except MoneyError as exc:
            raise CouponError(str(exc)) from None
        if coupon.amount_off <= 0:
            raise CouponError("The amount off must be more than zero.")
    chosen = _courses(courses)
    coupon.all_courses = not chosen
    coupon.courses = chosen
    coupon.max_redemptions = _limit(max_redemptions, "The maximum number of redemptions")
    coupon.max_per_buyer = _limit(per_buyer, "The maximum per buyer")
    coupon.starts_at = parse_when(starts, "The start")
    coupon.ends_at = parse_when(ends, "The end", end=True)
    if coupon.starts_at and coupon.ends_at and coupon.ends_at <= coupon.starts_at:
        raise CouponError("The end must come after the start.")
    if find(normal) is not None:
        raise CouponError(f"The code {normal} exists already.")
    db.session.add(coupon)
    db.session.commit()
    return coupon


def deactivate_coupon(code):
    """Stop a code from being used (orders already placed keep their price). Commits."""
    normal = normalise(code)
    coupon = find(normal) if normal else None
    if coupon is None:
        raise CouponError(f"There is no code {str(code)[:40]!r}.")
    if coupon.active:
        coupon.active = False
        coupon.deactivated_at = utcnow()
        db.session.commit()
    return coupon


@dataclass(frozen=True)
class CouponStats:
    """A code with what it did: uses held, and per currency the money it took in."""

    coupon: Coupon
    #: {currency: (paid orders, revenue after refunds, discount given)} in minor units.
    revenue: dict

    @property
    def off(self):
        c = self.coupon
        if c.percent_off is not None:
            return f"{c.percent_off} %"
        return format_money(c.amount_off, c.currency)

    @property
    def state(self):
        c, now = self.coupon, utcnow()
        if not c.active:
            return "deactivated"
        if c.ends_at is not None and now >= _aware(c.ends_at):
            return "expired"
        if c.starts_at is not None and now < _aware(c.starts_at):
            return "not started"
        if c.max_redemptions is not None and c.redemptions >= c.max_redemptions:
            return "used up"
        return "active"

    @property
    def applies_to(self):
        c = self.coupon
        return "all courses" if c.all_courses else ", ".join(x.slug for x in c.courses)


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def coupons_with_stats():
    """Every code, newest first, with its redemptions and revenue."""
    coupons = db.session.scalars(select(Coupon).order_by(Coupon.id.desc())).all()
    rows = db.session.execute(
        select(CouponRedemption.coupon_id, Order.currency, func.count(Order.id),
               func.coalesce(func.sum(Order.amount - Order.amount_refunded), 0),
               func.coalesce(func.sum(Order.discount_amount), 0))
        .join(Order, Order.id == CouponRedemption.order_id)
        .where(CouponRedemption.released_at.is_(None), Order.status.in_(_EARNING))
        .group_by(CouponRedemption.coupon_id, Order.currency)).all()
    revenue = {}
    for coupon_id, currency, count, net, discount in rows:
        revenue.setdefault(coupon_id, {})[currency] = (count, int(net), int(discount))
    return [CouponStats(c, revenue.get(c.id, {})) for c in coupons]


__all__ = ["CODE", "CouponError", "CouponStats", "coupons_with_stats", "create_coupon",
           "deactivate_coupon", "parse_when"]
