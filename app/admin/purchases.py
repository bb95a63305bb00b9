"""Finding purchases: filters, keyset (seek) pagination and totals for a filtered set.

Pages are found by seeking past the (created_at, id) of the last row shown, never by
OFFSET, so the 50th page costs what the first does. Each filter has an index that
starts with its column and ends with (created_at, id).
"""

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, bindparam, case, func, select, tuple_
from sqlalchemy.orm import aliased

from app.extensions import db
from app.ids import parse_id
from app.models import Order, OrderStatus, PaymentAttempt
from app.models._time import FIRST_DAY, LAST_DAY  # the days a filter may name
from app.orders import order_by_reference

#: Statuses whose charge captured money (whatever was refunded later).
CAPTURED = (
    OrderStatus.PAID,
    OrderStatus.PARTIALLY_REFUNDED,
    OrderStatus.REFUNDED,
    OrderStatus.DISPUTED,
)


class FilterError(ValueError):
    """Filter input that cannot be understood; the message says which and why."""


@dataclass(frozen=True)
class PurchaseFilters:
    """What the list, the totals and the export are restricted to."""

    status: OrderStatus | None = None
    course_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    livemode: bool | None = None
    q: str = ""

    def conditions(self):
        """SQL conditions for these filters."""
        where = []
        if self.status is not None:
            where.append(Order.status == self.status)
        if self.course_id is not None:
            where.append(Order.course_id == self.course_id)
        if self.date_from is not None:
            where.append(Order.created_at >= _start_of(self.date_from))
        if self.date_to is not None:
            where.append(Order.created_at < _start_of(self.date_to + timedelta(days=1)))
        if self.livemode is not None:
            where.append(Order.livemode.is_(self.livemode))
        if self.q:
            where.append(search_condition(self.q))
        return where


def _start_of(day):
    return datetime.combine(day, time.min, tzinfo=UTC)


def search_condition(q):
    """What the admin's search box finds (emails are stored lower-case):

    - "ORD-…" the order, "ch_…"/"py_…" a charge, "pi_…" a PaymentIntent (exact);
    - "@example.com" every buyer at that domain;
    - "example.com" the same when a buyer has that domain, else emails starting with it;
    - anything else: emails starting with it ("alice", "alice@ex", a whole address).
    Each is served by an index that ends with (created_at, id), so pages stay cheap.
    """
    q = q.strip()
    if q.upper().startswith("ORD-"):
        return Order.reference == q.upper()
    if q.startswith(("ch_", "py_", "pi_")):
        column = (PaymentAttempt.payment_intent_id if q.startswith("pi_")
                  else PaymentAttempt.charge_id)
        return Order.id.in_(select(PaymentAttempt.order_id).where(column == q))
    text = q.lower()
    if text.startswith("@"):
        return Order.email_domain == text[1:]
    if "@" not in text and "." in text and _domain_exists(text):
        return Order.email_domain == text
    return email_prefix_condition(text)


def _domain_exists(domain):
    return db.session.scalar(
        select(Order.id).where(Order.email_domain == domain).limit(1)
    ) is not None


def _successor(text):
    """The smallest string greater than every string that starts with `text` (None when
    there is none: `text` is all U+10FFFF). Skips the surrogates, which no text holds."""
    while text and ord(text[-1]) == 0x10FFFF:
        text = text[:-1]
    if not text:
        return None
    code = ord(text[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    return text[:-1] + chr(code)


def email_prefix_condition(prefix):
    """Emails starting with `prefix`, in a form each database answers from its index:
    LIKE 'prefix%' on PostgreSQL (varchar_pattern_ops index), a range on SQLite (whose
    LIKE is case-insensitive and cannot use a plain index)."""
    if not prefix:
        return Order.email.is_not(None)
    if db.session.get_bind().dialect.name == "postgresql":
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return Order.email.like(escaped + "%")  # PostgreSQL's default escape is backslash
    def in_range(email):
        upper = _successor(prefix)
        return and_(email >= prefix, email < upper) if upper else email >= prefix

    if _matches_at_least(in_range(Order.email), COMMON_PREFIX_ROWS):
        # SQLite's planner would read every match through the email index and sort them
        # all; for a prefix this common, walking the (created_at, id) index newest first
        # finds a page sooner. `email || ''` keeps it off the email index.
        return in_range(Order.email.concat(""))
    return in_range(Order.email)


#: From this many matches on, a prefix search reads newest-first instead of by email.
COMMON_PREFIX_ROWS = 3000


def _matches_at_least(condition, n):
    """True when at least n orders match (counts at most n entries of an index)."""
    probe = select(Order.id).where(condition).limit(n).subquery()
    return db.session.scalar(select(func.count()).select_from(probe)) >= n


def parse_filters(*, status=None, course_id=None, date_from=None, date_to=None,
                  mode=None, q=None):
    """Build filters from text (query string or CLI); raise FilterError on bad input."""
    errors = []
    status_value = None
    if status:
        try:
            status_value = OrderStatus(status)
        except ValueError:
            errors.append(f"Unknown status {status!r}.")
    course_value = None
    if course_id not in (None, ""):
        course_value = parse_id(str(course_id).strip())
        if course_value is None:
            errors.append(f"Unknown course {course_id!r}.")
    dates = {}
    for label, value in (("From", date_from), ("To", date_to)):
        dates[label] = None
        if value not in (None, ""):
            try:
                dates[label] = (
                    value if isinstance(value, date) else date.fromisoformat(value.strip())
                )
            except ValueError:
                errors.append(f"{label} date {value!r} is not a date (use YYYY-MM-DD).")
                continue
            if not FIRST_DAY <= dates[label] <= LAST_DAY:
                errors.append(f"{label} date {value!r} is out of range "
                              f"({FIRST_DAY} to {LAST_DAY}).")
                dates[label] = None
    if dates["From"] and dates["To"] and dates["From"] > dates["To"]:
        errors.append("The From date is after the To date.")
    livemode = {"": None, None: None, "test": False, "live": True}.get(mode, "bad")
    if livemode == "bad":
        errors.append(f"Unknown mode {mode!r} (use test or live).")
        livemode = None
    q = (q or "").strip()
    if len(q) > 254:
        errors.append("The search is too long.")
    elif any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in q):
        errors.append("The search has characters no email or id has.")
    if errors:
        raise FilterError(" ".join(errors))
    return PurchaseFilters(status=status_value, course_id=course_value,
                           date_from=dates["From"], date_to=dates["To"],
                           livemode=livemode, q=q)


# --- Cursors -------------------------------------------------------------------------

def encode_cursor(created_at, order_id):
    """Text form of a row's position: '<UTC timestamp>_<id>'."""
    if created_at.tzinfo is not None:
        created_at = created_at.astimezone(UTC).replace(tzinfo=None)
    return f"{created_at.isoformat(timespec='microseconds')}_{order_id}"


def decode_cursor(text):
    """(created_at, id) from a cursor; raise FilterError when it is not one."""
    invalid = FilterError("That page link is not valid; start again from the newest purchases.")
    stamp, _, order_id = (text or "").rpartition("_")
    if parse_id(order_id) is None:
        raise invalid
    try:
        created_at = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    except ValueError:
        raise invalid from None
    if not FIRST_DAY <= created_at.date() <= LAST_DAY:
        raise invalid
    return created_at, parse_id(order_id)


@dataclass
class Page:
    """One page of purchases, newest first, with the cursors to move on."""

    rows: list = field(default_factory=list)
    older: str | None = None
    newer: str | None = None


#: What the list shows of a purchase: these columns of the order and of its current
#: (latest) payment attempt, read in one statement — no ORM objects, no course, no other
#: attempts, none of the stored requests.
LIST_COLUMNS = (
    Order.id, Order.reference, Order.created_at, Order.email, Order.course_title,
    Order.amount, Order.currency, Order.status, Order.livemode, Order.withdrawn_at,
    PaymentAttempt.card_brand, PaymentAttempt.card_last4, PaymentAttempt.charge_id,
)


def list_page(filters, *, after=None, before=None, size=50):
    """A page of purchases (rows of LIST_COLUMNS) older than `after` or newer than
    `before` (cursor texts)."""
    direction = "before" if before else "after" if after else None
    params = {}
    if direction:
        params["at"], params["id"] = decode_cursor(before or after)
    where = filters.conditions()
    query = (_page_query(direction, size, tuple(where)) if where
             else _unfiltered_page_query(direction, size))
    rows = list(db.session.execute(query, params))
    more = len(rows) > size
    rows = rows[:size]
    if before:
        rows.reverse()
    page = Page(rows=rows)
    if rows:
        first, last = rows[0], rows[-1]
        if (more and not before) or before:
            page.older = encode_cursor(last.created_at, last.id)
        if (more and before) or after:
            page.newer = encode_cursor(first.created_at, first.id)
    return page


def _page_query(direction, size, conditions=()):
    """The statement of a page: newest first (`direction` None), older than the cursor
    (:at, :id) ("after") or newer than it, oldest first ("before"); size + 1 rows (the
    extra one says whether there are more)."""
    position = tuple_(Order.created_at, Order.id)
    cursor = tuple_(bindparam("at", type_=Order.__table__.c.created_at.type),
                    bindparam("id", type_=Order.__table__.c.id.type))
    query = (select(*LIST_COLUMNS).select_from(Order)
             .outerjoin(PaymentAttempt, PaymentAttempt.id == latest_attempt_id())
             .where(*conditions))
    if direction == "before":
        query = query.where(position > cursor)
        query = query.order_by(Order.created_at.asc(), Order.id.asc())
    else:
        if direction == "after":
            query = query.where(position < cursor)
        query = query.order_by(Order.created_at.desc(), Order.id.desc())
    return query.limit(size + 1)


#: Unfiltered pages (the list as it opens, and paging through it) are the same
#: statement every time: built once per process, so SQLAlchemy neither builds it nor
#: computes its cache key again (that was half of the first page's query time).
_unfiltered_page_query = functools.cache(_page_query)


@functools.cache
def latest_attempt_id():
    """SQL: the id of the order's latest payment attempt (its current one). Built once
    per process (it has no parameters): building the alias and subquery anew was a
    quarter of the list page's query time."""
    inner = aliased(PaymentAttempt)
    return (select(func.max(inner.id)).where(inner.order_id == Order.id)
            .correlate(Order).scalar_subquery())


def probe(filters):
    """Run the filters' query once (one row), so bad input fails before a stream starts."""
    db.session.execute(select(Order.id).where(*filters.conditions()).limit(1)).all()


def count(filters, *, extra=()):
    """How many orders match."""
    query = select(func.count()).select_from(Order).where(*filters.conditions(), *extra)
    return db.session.scalar(query)


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    captured: int
    refunded: int

    @property
    def net(self):
        return self.captured - self.refunded


def totals(filters):
    """Per currency: orders, money captured, money refunded (minor units)."""
    captured = case((Order.status.in_(CAPTURED), Order.amount), else_=0)
    query = (
        select(Order.currency, func.count(), func.sum(captured),
               func.sum(Order.amount_refunded))
        .where(*filters.conditions())
        .group_by(Order.currency)
        .order_by(Order.currency)
    )
    return [
        CurrencyTotal(currency=cur, count=n, captured=int(cap or 0), refunded=int(ref or 0))
        for cur, n, cap, ref in db.session.execute(query)
    ]


def get_purchase(reference):
    """The order with this reference (our order id), or None."""
    return order_by_reference(reference)


def duplicate_of(order):
    """The order a duplicate payment duplicates, or None."""
    return db.session.get(Order, order.duplicate_of_id) if order.duplicate_of_id else None


def dashboard_link(order, *, real_stripe=True):
    """Stripe dashboard URL of the order's charge, or None without a charge or when the
    charge only exists in the offline emulator."""
    if not order.charge_id or not real_stripe:
        return None
    prefix = "" if order.livemode else "test/"
    return f"https://dashboard.stripe.com/{prefix}payments/{order.charge_id}"


def customer_dashboard_link(customer_id, livemode, *, real_stripe=True):
    """Stripe dashboard URL of a customer (test or live path by mode), or None without a
    customer or when it only exists in the offline emulator (as `dashboard_link`)."""
    if not customer_id or not real_stripe:
        return None
    prefix = "" if livemode else "test/"
    return f"https://dashboard.stripe.com/{prefix}customers/{customer_id}"


def paid_with(order):
    """How the order was (to be) paid: a card saved earlier, a card saved now, a token."""
    payment = order.payment
    if payment is None:
        return "not yet"
    if payment.saved_card:
        return "saved card (one click)"
    if payment.setup_request:
        return "card, saved for later at this checkout"
    return "card"
