"""The CSV records the database writes (app/admin/csv_sql.py) are exactly what the slow,
obvious Python would write: each cell formatted in Python (money.decimal_string, ISO
times, formula neutralising) and the row written by csv.writer.

Hundreds of orders with hostile text (commas, quotes, CR/LF, formula starts, full-width
signs, tabs, accents, emoji), every status, 0-, 2- and 3-decimal currencies, negative
nets and refunds are exported and compared line by line, on the database the suite runs
on (SQLite, or PostgreSQL in CI).
"""

import csv
import io
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from app.admin.export import COLUMNS
from app.extensions import db
from app.models import Order, OrderStatus, Refund
from app.money import decimal_string

CAPTURED = {"paid", "partially_refunded", "refunded", "disputed"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PIECES = [",", '"', "\r", "\n", "\r\n", "=", "+", "-", "@", "\t", "'", ";", " ", "\uff1d",
          "\uff0b", "\uff0d", "\uff20", "é", "Zoë", "山田", "🎓", "a", "b", "1", "%s", "%",
          "\\", "''", '""', "*", "[", "]", "?"]
CURRENCIES = ["usd", "eur", "gbp", "jpy", "krw", "kwd", "bhd"]


def _text(rnd, most=30):
    """A short text built from the hostile pieces, or None."""
    if rnd.random() < 0.25:
        return None
    text = "".join(rnd.choice(PIECES) for _ in range(rnd.randrange(0, 8)))
    return text[:most]


def _neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _iso(moment):
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expected_cells(row, refunded_at):
    """One record's cells, the slow and obvious way (the export's specification)."""
    currency = row["currency"]
    counted = row["status"] in CAPTURED
    paid = row["amount"] if counted else 0
    refunded = row["amount_refunded"] if counted else 0

    def text(minor):
        return decimal_string(minor, currency)

    def typed(value):
        return _neutralise(value or "")

    return [
        row["reference"], _iso(row["created_at"]), _iso(row.get("paid_at")), row["status"],
        "live" if row["livemode"] else "test", typed(row["email"]), row["course_id"],
        typed(row["course_title"]), currency.upper(), text(row["amount"]), row["amount"],
        text(refunded), refunded, typed(row.get("card_brand")), row.get("card_last4") or "",
        typed(row.get("charge_id")), typed(row.get("failure_code")),
        typed(row.get("decline_code")), typed(row.get("failure_message")),
        text(row["list_price"]), row["list_price"], text(row["discount_amount"]),
        row["discount_amount"], typed(row.get("coupon_code")), "yes" if counted else "no",
        text(paid), paid, text(paid - refunded), paid - refunded,
        _iso(refunded_at) if refunded else "", (row.get("buyer_country") or "").upper(),
    ]


def _rows(rnd, n):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = [s.value for s in OrderStatus]
    for i in range(n):
        amount = rnd.choice([0, 1, 5, 99, 100, 6900, 123456, 99_999_999, 2_147_483_000])
        status = rnd.choice(statuses)
        yield {
            "email": f"{_text(rnd, 20) or ''}{i}@example.com",
            "course_title": _text(rnd) or "t",
            "currency": rnd.choice(CURRENCIES),
            "amount": amount,
            "list_price": amount + rnd.choice([0, 1, 500]),
            "discount_amount": rnd.choice([0, 1, 500]),
            "coupon_code": _text(rnd, 20),
            # More refunded than paid happens only in bad data; the net is then negative.
            "amount_refunded": rnd.choice([0, amount, amount // 3, amount + 250]),
            "status": status,
            "livemode": rnd.random() < 0.3,
            "buyer_country": rnd.choice([None, "fr", "US", "gb"]),
            "created_at": start + timedelta(seconds=i * 37, microseconds=rnd.randrange(10**6)),
            "paid_at": rnd.choice([None, start + timedelta(days=3, microseconds=999_999)]),
            "paid": status != "failed",
            "card_brand": _text(rnd, 20), "card_last4": rnd.choice([None, "4242", "0005"]),
            # Unique in the table: a hostile text, then the row's number.
            "charge_id": rnd.choice([None, f"{_text(rnd, 30) or ''}{i}"]),
            "failure_code": _text(rnd, 40),
            "decline_code": _text(rnd, 40), "failure_message": _text(rnd, 200),
        }


def _refund_times(values):
    """A refund row (or two) for each order with money refunded; its latest time."""
    moments, refunds = {}, []
    for n, value in enumerate(values):
        if not value["amount_refunded"]:
            continue
        latest = value["created_at"] + timedelta(days=1, hours=n % 7)
        for k, (moment, status) in enumerate([(latest - timedelta(hours=5), "succeeded"),
                                              (latest, "pending"),
                                              (latest + timedelta(days=9), "failed")]):
            refunds.append({"order_id": value["id"], "amount": 1, "currency": "usd",
                            "status": status, "idempotency_key": f"r-{value['id']}-{k}",
                            "created_at": moment})
        moments[value["reference"]] = latest
    return moments, refunds


def test_records_are_what_csv_writer_writes_for_the_python_cells(admin_client, insert_orders,
                                                                  app):
    rnd = random.Random(20261203)
    values = insert_orders(list(_rows(rnd, 400)))
    with app.app_context():
        ids = dict(db.session.execute(select(Order.reference, Order.id)).all())
        for value in values:
            value["id"] = ids[value["reference"]]
        moments, refunds = _refund_times(values)
        db.session.execute(insert(Refund), refunds)
        db.session.commit()
    response = admin_client.get("/admin/purchases.csv?attempts=1")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow(COLUMNS)
    ordered = sorted(values, key=lambda v: v["created_at"], reverse=True)
    for value in ordered:
        writer.writerow(_expected_cells(value, moments.get(value["reference"])))
    got, want = body.split("\r\n"), expected.getvalue().split("\r\n")
    # A record with CR/LF inside quotes splits here too, in both, at the same places.
    assert len(got) == len(want)
    for line, (mine, theirs) in enumerate(zip(got, want, strict=True)):
        assert mine == theirs, f"line {line}"
    # And a csv reader reads every row back with the stored text.
    parsed = list(csv.DictReader(io.StringIO(body, newline="")))
    assert [r["order_id"] for r in parsed] == [v["reference"] for v in ordered]
    hostile = [v for v in ordered if v["course_title"] and ('"' in v["course_title"] or
                                                            "\n" in v["course_title"])]
    assert hostile, "the sample has titles that need quoting"
    by_reference = {r["order_id"]: r for r in parsed}
    for value in hostile:
        assert by_reference[value["reference"]]["course_title"] == _neutralise(
            value["course_title"])
