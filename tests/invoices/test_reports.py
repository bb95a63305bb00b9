"""The admin's reports: every invoice and credit note of a period as CSV, and the tax
summary by country and rate, credit notes subtracted."""

import csv
import io

from sqlalchemy import select

from app.checkout.services import place_order
from app.extensions import db
from app.models import Course, Order
from app.orders.refunds import new_idempotency_key, refund_order


def _buy(app, card_token, email, country):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "taxed"))
        outcome = place_order(course=course, email=email, token=card_token(),
                              country=country, country_confirmed=country)
        return outcome.order.reference


def test_the_csv_and_the_tax_summary_of_a_period(app, invoicing, monkeypatch, make_course,
                                                 card_token, admin_client, client):
    monkeypatch.setitem(app.config, "TAX_MODE", "inclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    first = _buy(app, card_token, "a@example.com", "DE")
    _buy(app, card_token, "b@example.com", "DE")
    _buy(app, card_token, "c@example.com", "FR")
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == first))
        refund_order(order=order, amount=2000, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order), created_by="owner")
        today = order.paid_at.date().isoformat()
    purchase = admin_client.get(f"/admin/purchases/{first}").get_data(as_text=True)
    assert "19.0% for DE; calculation" in purchase and "transaction <span" in purchase
    page = admin_client.get(f"/admin/invoices?from={today}&to={today}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # DE: 2 invoices of 69.00 (11.02 VAT each) less a credit note of 20.00 (3.19 VAT).
    assert ("<tr><td>DE</td><td>19%</td><td>EUR</td><td>3</td>\n      <td>€99.15</td>"
            "<td>€18.85</td><td>€118.00</td></tr>") in text
    assert ("<tr><td>FR</td><td>20%</td><td>EUR</td><td>1</td>\n      <td>€57.50</td>"
            "<td>€11.50</td><td>€69.00</td></tr>") in text
    export = admin_client.get(f"/admin/invoices.csv?from={today}&to={today}")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [r["number"] for r in rows] == ["INV-000001", "INV-000002", "INV-000003",
                                           "INV-000004"]
    credit = rows[3]
    assert (credit["kind"], credit["credits_invoice"], credit["order"]) == (
        "credit_note", "INV-000001", first)
    assert (credit["net"], credit["tax"], credit["gross"], credit["tax_rate"],
            credit["tax_country"]) == ("-16.81", "-3.19", "-20.00", "19", "DE")
    assert rows[2]["buyer_email"] == "c@example.com" and rows[2]["tax_country"] == "FR"
    empty = admin_client.get("/admin/invoices?from=2001-01-01&to=2001-01-31")
    assert "No invoices in this period." in empty.get_data(as_text=True)


def test_the_csv_neutralises_text_that_starts_like_a_formula(app, invoicing, monkeypatch,
                                                            make_course, card_token,
                                                            admin_client):
    """A buyer email a spreadsheet would run as a formula is written with a leading
    quote, as the purchases CSV writes it; amounts (a credit note's -20.00) stay
    numbers."""
    monkeypatch.setitem(app.config, "TAX_MODE", "inclusive")
    make_course(slug="taxed", price="69.00", currency="eur")
    emails = ["=cmd|'/ccalc'!a0@example.com", "+1@example.com", "-2+3@example.com"]
    references = [_buy(app, card_token, email, "DE") for email in emails]
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == references[0]))
        refund_order(order=order, amount=2000, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order), created_by="owner")
    text = admin_client.get("/admin/invoices.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["buyer_email"] for r in rows] == ["'" + e for e in emails] + ["'" + emails[0]]
    assert (rows[3]["kind"], rows[3]["gross"]) == ("credit_note", "-20.00")
    assert "\n=cmd" not in text and ",=cmd" not in text


def test_bad_periods_are_refused_and_strangers_sent_away(app, admin_client):
    for query in ("from=31.12.2026", "from=2026-12-31&to=2026-01-01", "to=2026-13-01"):
        assert admin_client.get(f"/admin/invoices?{query}").status_code == 400
        assert admin_client.get(f"/admin/invoices.csv?{query}").status_code == 400
    # The first and last days a date can hold: the day after 9999-12-31 was a 500.
    for query in ("to=9999-12-31", "from=9999-12-31", "from=0001-01-01",
                  "to=0001-01-01", "from=0001-01-01&to=9999-12-31"):
        page = admin_client.get(f"/admin/invoices?{query}")
        assert page.status_code == 400, query
        assert "is out of range (2000-01-01 to 9998-12-31)." in page.get_data(as_text=True)
        export = admin_client.get(f"/admin/invoices.csv?{query}")
        assert export.status_code == 400, query
        assert "is out of range (2000-01-01 to 9998-12-31)." in export.get_data(as_text=True)
    assert admin_client.get("/admin/invoices?from=2000-01-01&to=9998-12-31").status_code == 200
    stranger = app.test_client()
    assert stranger.get("/admin/invoices").status_code == 302
    assert stranger.get("/admin/invoices.csv").status_code == 302
