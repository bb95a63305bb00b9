"""What the buyer's receipt shows of an order, read in one lean statement.

The receipt is the page a buyer reloads; loading the whole order as ORM entities (every
column, its course and each attempt's stored Stripe request) cost more CPU than the page's
rendering. `receipt_of` reads only the columns the receipt shows, with the course's slug,
each attempt's card and outcome, and the time of the order's last refund, from the tables
in one SELECT, into plain frozen objects that read like an `Order` where the page and its
helpers (consent rights, the failure message) look.
"""

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select

from app.extensions import db
from app.models import Course, Order, PaymentAttempt, Refund
from app.models.order import OrderFacts
from app.models.payment_attempt import LIVE_STATUSES

#: Refunds whose money is (or is being) given back: the receipt dates the refund by them.
_GIVEN_BACK = ("succeeded", "pending")


@dataclass(frozen=True, slots=True)
class ReceiptPayment:
    """One payment attempt as the receipt shows it."""

    id: int
    status: str
    card_brand: str | None
    card_last4: str | None
    receipt_url: str | None
    failure_code: str | None
    decline_code: str | None
    failure_message: str | None

    @property
    def live(self):
        """The attempt can still take money, or its outcome is not known yet."""
        return self.status in LIVE_STATUSES


@dataclass(frozen=True, slots=True)
class ReceiptOrder(OrderFacts):
    """An order as its receipt shows it (the attributes named as `Order`'s; its derived
    facts, such as `payment`, are `Order`'s own)."""

    id: int
    public_id: str
    reference: str
    course_slug: str | None
    course_title: str
    email: str
    list_price: int
    discount_amount: int
    tax_amount: int
    amount: int
    coupon_code: str | None
    currency: str
    tax_rate: str | None
    buyer_tax_id: str | None
    tax_reason: str | None
    status: str
    duplicate_of_id: int | None
    amount_refunded: int
    created_at: datetime
    paid_at: datetime | None
    updated_at: datetime
    consent_applies: bool
    immediate_access_at: datetime | None
    withdrawn_at: datetime | None
    #: When the last refund giving money back was made (None: no such refund row).
    last_refund_at: datetime | None
    attempts: tuple[ReceiptPayment, ...]


_ORDER_COLUMNS = tuple(name for name in ReceiptOrder.__dataclass_fields__
                       if name not in ("course_slug", "last_refund_at", "attempts"))
_PAYMENT_COLUMNS = tuple(ReceiptPayment.__dataclass_fields__)


@functools.cache
def _statement():
    """Built once per process (before any thread sees it): the order's columns, its
    course's slug and last refund time, and one row per attempt, oldest first."""
    orders, attempts = Order.__table__, PaymentAttempt.__table__
    courses, refunds = Course.__table__, Refund.__table__
    last_refund = (select(func.max(refunds.c.created_at))
                   .where(refunds.c.order_id == orders.c.id,
                          refunds.c.status.in_(_GIVEN_BACK))
                   .scalar_subquery())
    return (select(*(orders.c[name] for name in _ORDER_COLUMNS),
                   courses.c.slug.label("course_slug"),
                   last_refund.label("last_refund_at"),
                   *(attempts.c[name].label(f"attempt_{name}") for name in _PAYMENT_COLUMNS))
            .select_from(orders)
            .outerjoin(courses, courses.c.id == orders.c.course_id)
            .outerjoin(attempts, attempts.c.order_id == orders.c.id)
            .where(orders.c.public_id == bindparam("public_id"))
            .order_by(attempts.c.id))


def receipt_of(public_id):
    """The receipt's view of the order with this public id, or None."""
    rows = db.session.execute(_statement(), {"public_id": public_id}).all()
    if not rows:
        return None
    first, width = rows[0], len(_ORDER_COLUMNS)
    payments = tuple(ReceiptPayment(*row[width + 2:]) for row in rows
                     if row[width + 2] is not None)  # the attempt's id: None without one
    return ReceiptOrder(**dict(zip(_ORDER_COLUMNS, first[:width], strict=True)),
                        course_slug=first[width], last_refund_at=first[width + 1],
                        attempts=payments)
