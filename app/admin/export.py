"""CSV export of filtered purchases, produced row by row from keyset batches (the card
and charge columns are those of each order's current payment attempt).

Made to be summed: by default only sales (orders whose charge captured money) are
exported; `include_attempts` adds the failed and unfinished ones, each marked
`counted=no` with nothing paid. Every row has what was paid, refunded and kept (net),
the day of the last refund and the buyer's country when the store knows it.
"""

import csv
import io
from datetime import UTC

from sqlalchemy import case, func, null, select

from app.admin.purchases import CAPTURED, batches
from app.models import Order, PaymentAttempt, Refund
from app.money import exponent

COLUMNS = [
    "order_id", "created_at", "paid_at", "status", "mode", "email", "course_id",
    "course_title", "currency", "amount", "amount_minor", "amount_refunded",
    "amount_refunded_minor", "card_brand", "card_last4", "charge_id", "failure_code",
    "decline_code", "failure_message", "list_price", "list_price_minor", "discount",
    "discount_minor", "coupon_code",
    # For the books: a sale or not, money in, money back, kept, when, from where.
    "counted", "amount_paid", "amount_paid_minor", "net", "net_minor", "refunded_at",
    "buyer_country",
]  # fmt: skip
#: Refunds that count in `amount_refunded` (the receipt reads the same ones).
REFUND_DONE = ("succeeded", "pending")


def _last_refund_at():
    """SQL: when the order's last refund was made; looked up (one indexed read) only for
    the orders with money refunded, so the other rows cost nothing more."""
    last = (select(func.max(Refund.created_at))
            .where(Refund.order_id == Order.id, Refund.status.in_(REFUND_DONE))
            .correlate(Order).scalar_subquery())
    return case((Order.amount_refunded > 0, last), else_=null())


def _fields():
    return [
        Order.reference, Order.created_at, Order.paid_at, Order.status, Order.livemode,
        Order.email, Order.buyer_country, Order.course_id, Order.course_title, Order.currency,
        Order.amount, Order.amount_refunded, _last_refund_at(), PaymentAttempt.card_brand,
        PaymentAttempt.card_last4, PaymentAttempt.charge_id, PaymentAttempt.failure_code,
        PaymentAttempt.decline_code, PaymentAttempt.failure_message, Order.list_price,
        Order.discount_amount, Order.coupon_code,
    ]  # fmt: skip


#: A spreadsheet treats a cell starting with one of these as a formula (Excel and
#: LibreOffice read the full-width forms ＝＋－＠ as their ASCII twins).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value):
    """Prefix a text cell that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def iso_utc(value):
    """ISO 8601 in UTC with a Z, or an empty cell."""
    if value is None:
        return ""
    offset = value.utcoffset()
    if offset:  # an aware time not in UTC (a naive one is UTC already, as stored)
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Amounts:
    """Minor units as the currency's decimal string ("69.00", "5000", "1.250") by integer
    arithmetic, the same strings as money.decimal_string at a fraction of its cost (a
    Decimal per cell was most of the export's time)."""

    def __init__(self):
        self._places = {}

    def __call__(self, minor, currency):
        places = self._places.get(currency)
        if places is None:
            places = self._places[currency] = exponent(currency)
        if not places:
            return str(minor)
        whole, part = divmod(abs(minor), 10 ** places)
        return f"{'-' if minor < 0 else ''}{whole}.{part:0{places}d}"


def to_cells(row, amount_text=None):
    """One CSV record for a row of _fields(). Only the cells that hold text someone else
    typed (the email, the course title, Stripe's message, the code) can start like a
    formula; the others are ours (ids, numbers, times) and are written as they are."""
    text = amount_text or _Amounts()
    (reference, created_at, paid_at, status, livemode, email, country, course_id, title,
     currency, amount, refunded, refunded_at, brand, last4, charge_id, code, decline,
     message, list_price, discount, coupon) = row[:22]
    counted = status in CAPTURED
    paid = amount if counted else 0
    refunded = refunded if counted else 0
    net = paid - refunded
    return [
        reference, iso_utc(created_at), iso_utc(paid_at), status.value,
        "live" if livemode else "test", neutralise(email), course_id, neutralise(title),
        currency.upper(), text(amount, currency), amount, text(refunded, currency),
        refunded, neutralise(brand or ""), last4 or "", neutralise(charge_id or ""),
        neutralise(code or ""), neutralise(decline or ""), neutralise(message or ""),
        text(list_price, currency), list_price, text(discount, currency), discount,
        neutralise(coupon or ""), "yes" if counted else "no", text(paid, currency), paid,
        text(net, currency), net, iso_utc(refunded_at) if refunded else "",
        (country or "").upper(),
    ]


def sales_only(filters, include_attempts):
    """Unless asked for the attempts too (or a status was chosen), only captured sales."""
    if include_attempts or filters.status is not None:
        return ()
    return (Order.status.in_(CAPTURED),)


def _rows(filters, *, include_attempts, batch_size):
    return batches(filters, size=batch_size, columns=_fields(),
                   extra=sales_only(filters, include_attempts))


def csv_lines(filters, *, include_attempts=False, batch_size=2000):
    """Yield the CSV text: the header line, then one chunk per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    amounts = _Amounts()
    yield _flush(buffer)
    for rows in _rows(filters, include_attempts=include_attempts, batch_size=batch_size):
        writer.writerows(to_cells(row, amounts) for row in rows)
        yield _flush(buffer)


def _flush(buffer):
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def write_csv(filters, out, *, on_rows=None, include_attempts=False, batch_size=2000):
    """Write the export to a text file; call on_rows(n) after each batch."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    written, amounts = 0, _Amounts()
    for rows in _rows(filters, include_attempts=include_attempts, batch_size=batch_size):
        writer.writerows(to_cells(row, amounts) for row in rows)
        written += len(rows)
        if on_rows:
            on_rows(len(rows))
    return written
