"""The revenue picture: SQL aggregates for the dashboard and the geometry of its chart.

Revenue is net of refunds (amount - amount_refunded) over orders whose charge captured
money, dated by when the order was placed (UTC). The daily chart is drawn in the
store's main currency (STORE_CURRENCY); other currencies are listed beside it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.admin.purchases import CAPTURED
from app.extensions import db
from app.models import Order, OrderStatus
from app.models._time import utcnow
from app.payments.keys import describe_mode, is_test_mode

DAYS = 30
NET = Order.amount - Order.amount_refunded


def _day_expression():
    """The UTC calendar day of created_at, as SQL for the current database."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Order.created_at), "YYYY-MM-DD")
    return func.substr(Order.created_at, 1, 10)  # SQLite keeps "YYYY-MM-DD HH:MM:SS"


def revenue_by_day(*, days=DAYS, today=None):
    """[(day, {currency: net minor units})] for each of the last `days` days, oldest first."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    day = _day_expression().label("day")
    query = (
        select(day, Order.currency, func.sum(NET))
        .where(Order.created_at >= datetime.combine(first, time.min, tzinfo=UTC),
               Order.status.in_(CAPTURED))
        .group_by(day, Order.currency)
    )
    found = {}
    for day_text, currency, net in db.session.execute(query):
        found.setdefault(str(day_text), {})[currency] = int(net or 0)
    return [
        (d, found.get(d.isoformat(), {}))
        for d in (first + timedelta(days=n) for n in range(days))
    ]


#: Periods the per-course table can cover (days; None = all time, a full scan).
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}


def revenue_by_course(*, days=DAYS, today=None):
    """Per course and currency over the last `days` days: paid orders, what they would
    have cost at list price, the coupons' discounts and net revenue."""
    where = [Order.status.in_(CAPTURED)]
    if days is not None:
        first = (today or utcnow().date()) - timedelta(days=days - 1)
        where.append(Order.created_at >= datetime.combine(first, time.min, tzinfo=UTC))
    query = (
        select(Order.course_id, func.max(Order.course_title), Order.currency,
               func.count(), func.sum(NET), func.sum(Order.list_price),
               func.sum(Order.discount_amount))
        .where(*where)
        .group_by(Order.course_id, Order.currency)
        .order_by(func.sum(NET).desc())
    )
    return [
        {"course_id": cid, "title": title, "currency": cur, "count": n, "net": int(net or 0),
         "list": int(listed or 0), "discount": int(off or 0)}
        for cid, title, cur, n, net, listed, off in db.session.execute(query)
    ]


def status_counts(statuses=(OrderStatus.FAILED, OrderStatus.PENDING)):
    """{status: number of orders}, one index range count per status."""
    return {
        status: db.session.scalar(
            select(func.count()).select_from(Order).where(Order.status == status)
        )
        for status in statuses
    }


def withdrawal_counts(*, days=DAYS, today=None):
    """(all withdrawals, those of the last `days` days): orders whose buyer used the
    withdrawal function (the EU/EEA and UK rules)."""
    since = datetime.combine((today or utcnow().date()) - timedelta(days=days - 1),
                             time.min, tzinfo=UTC)
    total = db.session.scalar(select(func.count()).select_from(Order)
                              .where(Order.withdrawn_at.is_not(None)))
    recent = db.session.scalar(select(func.count()).select_from(Order)
                               .where(Order.withdrawn_at >= since))
    return total, recent


@dataclass(frozen=True)
class Bar:
    day: date
    amount: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class Chart:
    """Bars of a daily revenue chart in SVG user units (viewBox 0 0 width height)."""

    currency: str
    bars: list
    maximum: int
    total: int
    width: int = 600
    height: int = 220
    top: int = 16
    bottom: int = 28
    left: int = 8
    bar_width: float = 0.0

    @property
    def baseline(self):
        return self.height - self.bottom


def chart_for(series, currency, *, width=600, height=220):
    """Lay out one bar per day of `series` for `currency`."""
    amounts = [day_totals.get(currency, 0) for _, day_totals in series]
    maximum = max(amounts, default=0)
    top, bottom, left = 16, 28, 8
    slot = (width - 2 * left) / max(len(series), 1)
    plot = height - top - bottom
    bars = []
    for n, ((day, _), amount) in enumerate(zip(series, amounts, strict=True)):
        h = plot * amount / maximum if maximum else 0
        bars.append(Bar(day=day, amount=amount, x=round(left + n * slot + slot * 0.1, 2),
                        y=round(height - bottom - h, 2), height=round(h, 2)))
    return Chart(currency=currency, bars=bars, maximum=maximum, total=sum(amounts),
                 width=width, height=height, top=top, bottom=bottom, left=left,
                 bar_width=round(slot * 0.8, 2))


def overview(period="30"):
    """Everything the dashboard shows; `period` is a key of PERIODS for the course table."""
    config = current_app.config
    currency = config["STORE_CURRENCY"]
    series = revenue_by_day()
    others = {}
    for _, day_totals in series:
        for cur, amount in day_totals.items():
            if cur != currency:
                others[cur] = others.get(cur, 0) + amount
    return {
        "chart": chart_for(series, currency),
        "other_currencies": sorted(others.items()),
        "courses": revenue_by_course(days=PERIODS.get(period, DAYS)),
        "period": period if period in PERIODS else "30",
        "periods": PERIODS,
        "counts": status_counts(),
        "withdrawals": withdrawal_counts(),
        "mode": "test" if is_test_mode(config) else "live",
        "mode_detail": describe_mode(config),
        "emulated": bool(config.get("STRIPE_API_BASE")),
    }
