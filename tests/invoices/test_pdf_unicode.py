"""Invoices in any script: the PDF embeds DejaVu Sans (and Droid Sans Fallback for CJK)
from the repository, so a seller, an address or a course title in Polish, German,
Greek, Japanese or Chinese is drawn as written — parsed back with pypdf — instead of
"?"; the fonts and their licences ship in app/invoices/fonts."""

import pytest

from app.invoices import pdf
from tests.invoices.conftest import pdf_text

SELLER = "Łódź Ślązak Sp. z o.o."
ADDRESS = "ul. Piotrkowska 1 | 90-001 Łódź"
TITLE = "Zoë 山田の講座: Ελληνικά & Кириллица"


@pytest.fixture
def polish_seller(app, invoicing, monkeypatch):
    monkeypatch.setitem(app.config, "SELLER_LEGAL_NAME", SELLER)
    monkeypatch.setitem(app.config, "SELLER_ADDRESS", ADDRESS)
    monkeypatch.setitem(app.config, "SELLER_COUNTRY", "PL")


def test_the_pdf_carries_non_latin_1_text_as_written(app, polish_seller, buy_course,
                                                     client):
    order = buy_course(email="zoe@example.com", title=TITLE)
    response = client.get(f"/orders/{order.public_id}/documents/INV-000001.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    for written in (SELLER, "ul. Piotrkowska 1", "90-001 Łódź", "Zoë 山田の講座",
                    "Ελληνικά", "Кириллица"):
        assert written in text, (written, text)
    assert "?" not in text  # nothing replaced
    assert b"/FontFile2" in response.data  # TrueType embedded, not a core font
    assert b"DejaVuSans" in response.data and b"DroidSansFallback" in response.data
    again = client.get(f"/orders/{order.public_id}/documents/INV-000001.pdf")
    assert again.data == response.data  # the same document, the same bytes


def test_latin_text_embeds_dejavu_only(app, invoicing, buy_course, client):
    order = buy_course(title="Straße für Anfänger — Łódź")
    data = client.get(f"/orders/{order.public_id}/documents/INV-000001.pdf").data
    assert "Straße für Anfänger — Łódź" in pdf_text(data)
    assert b"DejaVuSans" in data and b"DroidSansFallback" not in data


def _snapshot(**overrides):
    """An invoice's snapshot as issuing.py writes it, with `overrides`."""
    return {
        "title": "Invoice", "number": "INV-000009", "issue_date": "2026-12-03",
        "supply_date": "2026-12-03", "order_reference": "ORD-1", "kind": "invoice",
        "issued_at": "2026-12-03T10:00:00+00:00", "currency": "EUR",
        "seller": {"name": "Seller", "address": ["Street 1"], "country": "DE",
                   "tax_ids": []},
        "buyer": {"email": "a@example.com", "country": "JP", "tax_id": ""},
        "lines": [{"description": "Course", "quantity": 1, "unit_net": "69.00",
                   "tax_rate": "0", "tax": "0.00", "gross": "69.00"}],
        "list_price": "69.00", "discount": "0.00", "net": "69.00", "tax_rate": "0",
        "tax": "0.00", "gross": "69.00", "tax_note": "No VAT charged", **overrides}


def test_a_long_title_is_cut_to_its_column_and_control_characters_are_spaces():
    snapshot = _snapshot(
        seller={"name": "Zoë\x00 Ślązak", "address": ["Łódź"], "country": "PL",
                "tax_ids": []},
        lines=[{"description": "山田" * 60, "quantity": 1, "unit_net": "69.00",
                "tax_rate": "0", "tax": "0.00", "gross": "69.00"}])
    text = pdf_text(pdf.render(snapshot))
    assert "Zoë  Ślązak" in text and "…" in text and "山田山田" in text
    assert "69.00 EUR" in text


def test_the_fonts_ship_with_their_licences():
    names = {p.name for p in pdf.FONTS.iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DroidSansFallback.ttf",
            "LICENSE-DejaVu.txt", "LICENSE-DroidSansFallback.txt"} <= names
    assert "Bitstream" in (pdf.FONTS / "LICENSE-DejaVu.txt").read_text()
    assert "Apache License" in (pdf.FONTS / "LICENSE-DroidSansFallback.txt").read_text()


def test_the_tax_is_named_as_where_it_is_owed():
    """US sales tax, Japan's consumption tax and Australia's GST are not VAT; a document
    issued before tax names (no `tax_name`) still reads VAT."""
    from app.invoices.issuing import tax_name

    assert [tax_name(c) for c in ("DE", "gb", "NO", "US", "JP", "AU", "BR", None)] == [
        "VAT", "VAT", "VAT", "Sales tax", "JCT", "GST", "Tax", "Tax"]
    base = _snapshot(
        currency="USD", buyer={"email": "a@example.com", "country": "US", "tax_id": ""},
        lines=[{"description": "Course", "quantity": 1, "unit_net": "69.00",
                "tax_rate": "6.5", "tax": "4.49", "gross": "73.49"}],
        tax_rate="6.5", tax="4.49", gross="73.49", tax_note="Sales tax 6.5%")
    text = pdf_text(pdf.render({**base, "tax_name": "Sales tax"}))
    assert "Sales tax 6.5%" in text and "VAT" not in text
    assert "VAT 6.5%" in pdf_text(pdf.render(base))
