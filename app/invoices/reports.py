"""What an accountant asks for: every invoice and credit note of a period (CSV), and a
tax summary by country and rate (net, tax, gross, count) for an EU OSS or UK VAT return.

Credit notes count negative, so a period's sums are what was finally sold. Dates are UTC
days, both ends included; the figures come from the documents' frozen snapshots.
"""

import csv
import io
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice
from app.models._time import FIRST_DAY, LAST_DAY, as_utc
from app.money import decimal_string
from app.spreadsheet import neutralised

COLUMNS = ("number", "kind", "issued_at", "order", "credits_invoice", "buyer_email",
           "buyer_country", "tax_country", "currency", "net", "tax_rate", "tax", "gross")


def parse_day(raw):
    """A YYYY-MM-DD day, or None (empty or malformed)."""
    try:
        return datetime.strptime((raw or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def parse_period(raw_from, raw_to):
    """(start, end, error) from the typed days of a period (either may be empty): the
    days, or an error saying what is wrong with them."""
    raw_from, raw_to = raw_from or "", raw_to or ""
    start, end = parse_day(raw_from), parse_day(raw_to)
    if (raw_from.strip() and start is None) or (raw_to.strip() and end is None):
        return None, None, "Dates are written YYYY-MM-DD, e.g. 2026-12-31."
    for label, day in (("From", start), ("To", end)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            return None, None, (f"{label} date {day} is out of range "
                                f"({FIRST_DAY} to {LAST_DAY}).")
    if start and end and start > end:
        return None, None, "The period ends before it starts."
    return start, end, None


def documents_between(start, end):
    """Issued documents from day `start` to day `end` (either may be None), in number
    order."""
    query = select(Invoice).where(Invoice.number.is_not(None))
    if start is not None:
        query = query.where(Invoice.issued_at >= as_utc(datetime.combine(start, time.min)))
    if end is not None:
        query = query.where(Invoice.issued_at < as_utc(
            datetime.combine(end + timedelta(days=1), time.min)))
    return db.session.scalars(query.order_by(Invoice.sequence, Invoice.id)).all()


def _sign(document):
    return -1 if document.kind == "credit_note" else 1


def csv_text(documents):
    """The documents as CSV, amounts in the currency's unit (credit notes negative). A
    text cell that starts like a spreadsheet formula (a buyer can type an email such as
    =cmd|…@example.com) gets a leading quote, by the purchases export's rule; the
    amounts are numbers and written as they are."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for d in documents:
        snap, sign = d.snapshot, _sign(d)
        texts = [
            d.number, d.kind, as_utc(d.issued_at).isoformat(), snap["order_reference"],
            snap.get("invoice_number") or "", snap["buyer"]["email"],
            snap["buyer"].get("country") or "", snap.get("tax_country") or "",
            d.currency.upper()]
        writer.writerow([neutralised(str(t)) for t in texts] + [
            decimal_string(sign * d.net, d.currency), snap["tax_rate"],
            decimal_string(sign * d.tax, d.currency),
            decimal_string(sign * d.gross, d.currency)])
    return out.getvalue()


def tax_summary(documents):
    """Rows {country, rate, currency, count, net, tax, gross} (minor units, credit notes
    subtracted), by country, then rate, then currency."""
    rows = {}
    for d in documents:
        snap, sign = d.snapshot, _sign(d)
        key = (snap.get("tax_country") or snap["buyer"].get("country") or "",
               snap["tax_rate"], d.currency)
        row = rows.setdefault(key, {"country": key[0], "rate": key[1], "currency": key[2],
                                    "count": 0, "net": 0, "tax": 0, "gross": 0})
        row["count"] += 1
        row["net"] += sign * d.net
        row["tax"] += sign * d.tax
        row["gross"] += sign * d.gross
    return [rows[key] for key in sorted(rows)]
