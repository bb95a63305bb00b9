"""CSV export of filtered purchases, produced row by row from keyset batches (the card
and charge columns are those of each order's current payment attempt)."""

import csv
import io
from datetime import UTC

from app.admin.purchases import batches
from app.models import Order, PaymentAttempt
from app.money import decimal_string

COLUMNS = [
    "order_id", "created_at", "paid_at", "status", "mode", "email", "course_id",
    "course_title", "currency", "amount", "amount_minor", "amount_refunded",
    "amount_refunded_minor", "card_brand", "card_last4", "charge_id", "failure_code",
    "decline_code", "failure_message", "list_price", "list_price_minor", "discount",
    "discount_minor", "coupon_code",
]  # fmt: skip
_FIELDS = [
    Order.reference, Order.created_at, Order.paid_at, Order.status, Order.livemode,
    Order.email, Order.course_id, Order.course_title, Order.currency, Order.amount,
    Order.amount_refunded, PaymentAttempt.card_brand, PaymentAttempt.card_last4,
    PaymentAttempt.charge_id, PaymentAttempt.failure_code, PaymentAttempt.decline_code,
    PaymentAttempt.failure_message, Order.list_price, Order.discount_amount,
    Order.coupon_code,
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
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def to_cells(row):
    """One CSV record for a row of _FIELDS."""
    (reference, created_at, paid_at, status, livemode, email, course_id, title,
     currency, amount, refunded, brand, last4, charge_id, code, decline, message,
     list_price, discount, coupon) = row[: len(_FIELDS)]
    cells = [
        reference, iso_utc(created_at), iso_utc(paid_at), str(status.value),
        "live" if livemode else "test", email, course_id, title, currency.upper(),
        decimal_string(amount, currency), amount, decimal_string(refunded, currency),
        refunded, brand or "", last4 or "", charge_id or "", code or "", decline or "",
        message or "", decimal_string(list_price, currency), list_price,
        decimal_string(discount, currency), discount, coupon or "",
    ]
    return [neutralise(cell) for cell in cells]


def csv_lines(filters, *, batch_size=2000):
    """Yield the CSV text: the header line, then one chunk per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield _flush(buffer)
    for rows in batches(filters, size=batch_size, columns=_FIELDS):
        writer.writerows(to_cells(row) for row in rows)
        yield _flush(buffer)


def _flush(buffer):
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def write_csv(filters, out, *, on_rows=None, batch_size=2000):
    """Write the export to a text file; call on_rows(n) after each batch."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    written = 0
    for rows in batches(filters, size=batch_size, columns=_FIELDS):
        writer.writerows(to_cells(row) for row in rows)
        written += len(rows)
        if on_rows:
            on_rows(len(rows))
    return written

