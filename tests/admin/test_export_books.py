"""The CSV an accountant can sum: sales only by default (attempts on request, marked),
paid, refunded and net per row, the refund's date, the buyer's country column."""

import csv
import io
from decimal import Decimal

from app.admin.export import COLUMNS

from .test_refunds import _refund


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def _sum(rows, column):
    return sum((Decimal(r[column]) for r in rows), Decimal("0"))


def test_default_export_sums_to_the_money_taken(admin_client, buy):
    """Two sales (one partly refunded) and a declined card: the default file has the two
    sales, and its paid, refunded and net columns add up to what the store kept."""
    kept = buy(email="ada@example.com")
    partly = buy(email="bob@example.com")
    declined = buy(email="cy@example.com", number="4000000000009995")
    assert _refund(admin_client, partly, "20.00").status_code == 302

    response = admin_client.get("/admin/purchases.csv")
    assert response.status_code == 200
    rows = _csv(response.get_data(as_text=True))
    assert list(rows[0]) == COLUMNS
    assert sorted(r["order_id"] for r in rows) == sorted([kept, partly])
    assert declined not in {r["order_id"] for r in rows}
    assert {r["counted"] for r in rows} == {"yes"}
    assert _sum(rows, "amount_paid") == Decimal("138.00")
    assert _sum(rows, "amount_refunded") == Decimal("20.00")
    assert _sum(rows, "net") == Decimal("118.00")
    assert sum(int(r["net_minor"]) for r in rows) == 11800
    by_ref = {r["order_id"]: r for r in rows}
    assert by_ref[partly]["refunded_at"].endswith("Z")
    assert (by_ref[partly]["amount_paid"], by_ref[partly]["net"]) == ("69.00", "49.00")
    assert by_ref[kept]["refunded_at"] == ""
    assert {r["buyer_country"] for r in rows} == {""}  # the store has no country yet


def test_attempts_are_included_on_request_and_marked(admin_client, buy):
    """`attempts=1` adds the declined attempt, marked counted=no with nothing paid, so
    the sums are the same as without it."""
    buy(email="ada@example.com")
    declined = buy(email="cy@example.com", number="4000000000009995")
    rows = _csv(admin_client.get("/admin/purchases.csv?attempts=1").get_data(as_text=True))
    by_ref = {r["order_id"]: r for r in rows}
    assert by_ref[declined]["counted"] == "no"
    assert by_ref[declined]["status"] == "failed"
    assert (by_ref[declined]["amount"], by_ref[declined]["amount_paid"],
            by_ref[declined]["net"]) == ("69.00", "0.00", "0.00")
    assert _sum(rows, "net") == Decimal("69.00")
    page = admin_client.get("/admin/purchases").get_data(as_text=True)
    assert 'data-testid="export-csv-attempts"' in page and "attempts=1" in page


def test_a_chosen_status_is_exported_as_asked(admin_client, insert_orders):
    """Filtering by status failed still gives the failed rows (the filter is explicit)."""
    insert_orders([{"status": "failed", "paid": False, "email": "f@example.com"},
                   {"email": "p@example.com"}])
    rows = _csv(admin_client.get("/admin/purchases.csv?status=failed").get_data(as_text=True))
    assert [(r["email"], r["counted"]) for r in rows] == [("f@example.com", "no")]


def test_bad_attempts_value_is_a_400(admin_client):
    """Anything but 0 or 1 is refused with a message, not a 500."""
    response = admin_client.get("/admin/purchases.csv?attempts=yes")
    assert response.status_code == 400
    assert "attempts is 1" in response.get_data(as_text=True)


def test_cli_export_leaves_attempts_out_unless_asked(cli, insert_orders, tmp_path):
    """`flask purchases export` writes sales; --include-attempts adds the failed ones."""
    insert_orders([{"email": "a@example.com"},
                   {"status": "pending", "paid": False, "email": "p@example.com"},
                   {"status": "failed", "paid": False, "email": "f@example.com"}])
    out = tmp_path / "sales.csv"
    result = cli.invoke(args=["purchases", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 purchase(s)" in result.output
    assert [r["email"] for r in _csv(out.read_text())] == ["a@example.com"]
    result = cli.invoke(args=["purchases", "export", "--include-attempts", "-o", str(out)])
    rows = _csv(out.read_text())
    assert sorted((r["email"], r["counted"]) for r in rows) == [
        ("a@example.com", "yes"), ("f@example.com", "no"), ("p@example.com", "no")]
