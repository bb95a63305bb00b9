"""CSV export of filtered purchases, streamed from one query whose rows are finished CSV
records (app/admin/csv_sql.py writes the cells in SQL); the card and charge columns are
those of each order's current payment attempt.

Made to be summed: by default only sales (orders whose charge captured money) are
exported; `include_attempts` adds the failed and unfinished ones, each marked
`counted=no` with nothing paid. Every row has what was paid, refunded and kept (net),
the day of the last refund and the buyer's country when the store knows it.
"""

from sqlalchemy import String, case, func, null, select, type_coerce

from app.admin import csv_sql as cell
from app.admin.csv_sql import Money, Ours, Typed
from app.admin.purchases import CAPTURED, latest_attempt_id
from app.extensions import db
from app.models import Order, PaymentAttempt, Refund

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
#: The CSV's line end (csv.writer's excel dialect, which spreadsheets expect).
LINE_END = "\r\n"


def _last_refund_at():
    """SQL: when the order's last refund was made; looked up (one indexed read) only for
    the orders with money refunded, so the other rows cost nothing more."""
    last = (select(func.max(Refund.created_at))
            .where(Refund.order_id == Order.id, Refund.status.in_(REFUND_DONE))
            .correlate(Order).scalar_subquery())
    return case((Order.amount_refunded > 0, last), else_=null())


def record():
    """SQL: one order's CSV record, its cells in COLUMNS' order. Only the cells that hold
    text someone else typed (the email, the course title, Stripe's words, the code) can
    start like a formula; the others are ours (ids, numbers, times)."""
    status = type_coerce(Order.status, String)
    counted = status.in_([s.value for s in CAPTURED])
    paid = case((counted, Order.amount), else_=0)
    refunded = case((counted, Order.amount_refunded), else_=0)
    attempt = PaymentAttempt
    return cell.record([
        Ours(Order.reference), Ours(cell.IsoUtc(Order.created_at)),
        Ours(cell.IsoUtc(Order.paid_at)), Ours(status),
        Ours(case((Order.livemode, "live"), else_="test")), Typed(Order.email),
        Ours(Order.course_id), Typed(Order.course_title),
        Typed(func.upper(Order.currency), formula=False), Money(Order.amount),
        Money(refunded), Typed(attempt.card_brand), Typed(attempt.card_last4, formula=False),
        Typed(attempt.charge_id), Typed(attempt.failure_code), Typed(attempt.decline_code),
        Typed(attempt.failure_message), Money(Order.list_price), Money(Order.discount_amount),
        Typed(Order.coupon_code), Ours(case((counted, "yes"), else_="no")), Money(paid),
        Money(paid - refunded),
        Ours(case((refunded > 0, cell.IsoUtc(_last_refund_at())), else_="")),
        Typed(func.upper(Order.buyer_country), formula=False),
    ], Order.currency)


def sales_only(filters, include_attempts):
    """Unless asked for the attempts too (or a status was chosen), only captured sales."""
    if include_attempts or filters.status is not None:
        return ()
    return (Order.status.in_(CAPTURED),)


def _query(filters, include_attempts):
    return (select(record())
            .select_from(Order)
            .outerjoin(PaymentAttempt, PaymentAttempt.id == latest_attempt_id())
            .where(*filters.conditions(), *sales_only(filters, include_attempts))
            .order_by(Order.created_at.desc(), Order.id.desc()))


def records(filters, *, include_attempts=False, batch_size=2000):
    """Yield lists of at most batch_size CSV records (newest first), read from one
    streamed query: a server-side cursor on PostgreSQL, SQLite's own stepping, so memory
    stays flat whatever the row count, and the file is one consistent snapshot."""
    connection = db.session.connection()
    cell.read_fast(connection)
    # The option goes with this statement only: Connection.execution_options() would
    # change the session's connection for every statement after it.
    result = connection.execute(_query(filters, include_attempts),
                                execution_options={"yield_per": batch_size})
    yield from result.scalars().partitions()


def csv_lines(filters, *, include_attempts=False, batch_size=2000):
    """Yield the CSV text: the header line, then one chunk per batch of rows."""
    yield ",".join(COLUMNS) + LINE_END
    for lines in records(filters, include_attempts=include_attempts, batch_size=batch_size):
        yield LINE_END.join(lines) + LINE_END


def write_csv(filters, out, *, on_rows=None, include_attempts=False, batch_size=2000):
    """Write the export to a text file; call on_rows(n) after each batch."""
    out.write(",".join(COLUMNS) + LINE_END)
    written = 0
    for lines in records(filters, include_attempts=include_attempts, batch_size=batch_size):
        out.write(LINE_END.join(lines) + LINE_END)
        written += len(lines)
        if on_rows:
            on_rows(len(lines))
    return written
