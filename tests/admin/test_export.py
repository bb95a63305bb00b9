"""CSV export: columns, formula neutralising, filters, streaming; `flask purchases export`."""

import csv
import io
from datetime import UTC, datetime

import pytest

from app.admin.export import COLUMNS


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_has_decimal_and_minor_amounts_and_utc_timestamps(admin_client, buy,
                                                                 order_row):
    """A real order exports with its amount twice (decimal and minor) and ISO 8601 UTC."""
    reference = buy(email="ada@example.com")
    order = order_row(reference)
    response = admin_client.get("/admin/purchases.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="purch')
    [row] = _csv(response)
    assert list(row) == COLUMNS
    assert row["order_id"] == reference and row["email"] == "ada@example.com"
    assert (row["amount"], row["amount_minor"], row["currency"]) == ("69.00", "6900", "USD")
    assert (row["amount_refunded"], row["amount_refunded_minor"]) == ("0.00", "0")
    assert row["status"] == "paid" and row["mode"] == "test"
    assert row["charge_id"] == order.charge_id and row["card_last4"] == "4242"
    assert row["created_at"].endswith("Z")
    assert datetime.fromisoformat(row["created_at"]).tzinfo == UTC


def test_zero_and_three_decimal_currencies(admin_client, insert_orders):
    """¥5000 exports as 5000; 1.250 KWD as 1.250."""
    insert_orders([{"currency": "jpy", "amount": 5000, "email": "y@example.com"},
                   {"currency": "kwd", "amount": 1250, "email": "k@example.com"}])
    rows = {r["email"]: r for r in _csv(admin_client.get("/admin/purchases.csv"))}
    assert (rows["y@example.com"]["amount"], rows["y@example.com"]["amount_minor"]) == (
        "5000", "5000")
    assert rows["k@example.com"]["amount"] == "1.250"


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)",
                                   "\tcmd", "\rcmd", "\uff1dcmd", "\uff0b1", "\uff0d1",
                                   "\uff20SUM(1)"])
def test_formula_cells_are_neutralised(admin_client, insert_orders, value):
    """Cells a spreadsheet would evaluate get a leading quote; others are untouched."""
    insert_orders([{"course_title": value, "email": "a@example.com"},
                   {"course_title": "Plain =title", "email": "b@example.com"}])
    rows = {r["email"]: r for r in _csv(admin_client.get("/admin/purchases.csv"))}
    assert rows["a@example.com"]["course_title"] == "'" + value
    assert rows["b@example.com"]["course_title"] == "Plain =title"
    assert rows["a@example.com"]["amount_minor"] == "6900"


def test_injection_through_stored_fields_is_neutralised_in_the_file(admin_client,
                                                                     insert_orders):
    """A course title or failure message starting with = comes out quoted."""
    insert_orders([{"course_title": "=cmd|' /C calc'!A0", "failure_message": "@SUM(1+1)",
                    "email": "-x@example.com"}])
    [row] = _csv(admin_client.get("/admin/purchases.csv"))
    assert row["course_title"] == "'=cmd|' /C calc'!A0"
    assert row["failure_message"] == "'@SUM(1+1)"
    assert row["email"] == "'-x@example.com"


def test_export_follows_the_list_filters(admin_client, insert_orders):
    """status, date range and search apply to the file as to the list."""
    insert_orders([{"status": "failed", "paid": False, "email": "f@example.com"},
                   {"email": "p@example.com"},
                   {"email": "old@example.com", "created_at": datetime(2025, 1, 1, tzinfo=UTC)}])
    assert [r["email"] for r in _csv(admin_client.get("/admin/purchases.csv?status=failed"))
            ] == ["f@example.com"]
    assert [r["email"] for r in _csv(admin_client.get("/admin/purchases.csv?to=2025-12-31"))
            ] == ["old@example.com"]
    assert [r["email"] for r in _csv(admin_client.get("/admin/purchases.csv?q=P@EXAMPLE.COM"))
            ] == ["p@example.com"]
    bad = admin_client.get("/admin/purchases.csv?from=soon")
    assert bad.status_code == 400 and "is not a date" in bad.get_data(as_text=True)


def test_export_is_streamed_in_batches(admin_client, insert_orders, app_ctx):
    """The response is a stream; the generator yields the header then one chunk per batch."""
    from app.admin.export import csv_lines
    from app.admin.purchases import PurchaseFilters

    insert_orders([{"email": f"b{n}@example.com",
                    "created_at": datetime(2026, 3, 1, 0, n, tzinfo=UTC)} for n in range(7)])
    chunks = list(csv_lines(PurchaseFilters(), batch_size=3))
    assert chunks[0].startswith("order_id,created_at")
    assert [c.count("\n") for c in chunks[1:]] == [3, 3, 1]
    emails = [line.split(",")[5] for c in chunks[1:] for line in c.splitlines()]
    assert emails == [f"b{n}@example.com" for n in reversed(range(7))]
    response = admin_client.get("/admin/purchases.csv")
    assert response.is_streamed
    assert len(_csv(response)) == 7


def test_cli_export_to_a_file_with_filters_and_progress(cli, insert_orders, tmp_path):
    """`flask purchases export --status paid -o FILE --progress` writes the rows and a bar."""
    insert_orders([{"email": "a@example.com"}, {"email": "b@example.com"},
                   {"status": "failed", "paid": False, "email": "c@example.com"}])
    out = tmp_path / "paid.csv"
    result = cli.invoke(args=["purchases", "export", "--status", "paid", "-o", str(out),
                              "--progress"])
    assert result.exit_code == 0, result.output
    assert "Exporting" in result.output and "Wrote 2 purchase(s)" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sorted(r["email"] for r in rows) == ["a@example.com", "b@example.com"]


def test_cli_export_to_stdout_and_date_filters(cli, insert_orders):
    """Without -o the CSV goes to stdout (no bar); --from/--to are UTC days."""
    insert_orders([{"email": "jan@example.com", "created_at": datetime(2026, 1, 5, tzinfo=UTC)},
                   {"email": "feb@example.com", "created_at": datetime(2026, 2, 5, tzinfo=UTC)}])
    result = cli.invoke(args=["purchases", "export", "--from", "2026-02-01",
                              "--to", "2026-02-28"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["email"] for r in rows] == ["feb@example.com"]


def test_cli_export_rejects_bad_dates(cli):
    """A malformed date is a usage error with the reason."""
    result = cli.invoke(args=["purchases", "export", "--from", "last week"])
    assert result.exit_code == 2
    assert "is not a date" in result.output
