"""An invoice or credit note as a one-page A4 PDF, drawn by fpdf2 from its snapshot.

The text is drawn in DejaVu Sans (regular and bold, embedded as subsets), which covers
Latin in full (Łódź, Ślązak, Zoë), Greek, Cyrillic and much more; a document with text
outside it (山田, a Japanese or Chinese name or title) also embeds Droid Sans Fallback for
those characters. Both fonts ship in `fonts/` beside this file, with their licences (from
Debian's fonts-dejavu-core and fonts-droid-fallback), so nothing depends on the fonts of
the machine. A character neither has (an emoji) is left out of the drawing, never
refused. The PDF's creation date is the document's own, so the same document renders to
the same bytes.
"""

import functools
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).with_name("fonts")
_FONT = "DejaVu"
_FALLBACK = "DroidSansFallback"


@functools.cache
def _covered():
    """The code points DejaVu Sans draws (read once)."""
    from fontTools.ttLib import TTFont

    with TTFont(FONTS / "DejaVuSans.ttf", lazy=True) as font:
        return frozenset(font.getBestCmap())


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def needs_fallback(snapshot):
    """Whether the snapshot has text DejaVu Sans cannot draw (CJK, …)."""
    covered = _covered()
    return any(ord(ch) not in covered for text in _strings(snapshot) for ch in text
               if not ch.isspace())


def _text(value):
    """`value` as one line of printable text (control characters become spaces)."""
    text = "" if value is None else str(value)
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _fit(pdf, text, width):
    """`text` cut (with "…") to fit `width` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _money(amount, currency):
    return f"{amount} {currency}"


class _Document(FPDF):
    def __init__(self, snapshot):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.snapshot = snapshot
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.add_font(_FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(_FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        if needs_fallback(snapshot):
            self.add_font(_FALLBACK, "", FONTS / "DroidSansFallback.ttf")
            self.set_fallback_fonts([_FALLBACK], exact_match=False)  # bold too
        self.set_title(_text(f"{snapshot['title']} {snapshot.get('number') or ''}"))
        self.set_author(_text(snapshot["seller"]["name"]))
        self.set_creator("Course Shop")
        issued = snapshot.get("issued_at")
        if issued:
            self.set_creation_date(datetime.fromisoformat(issued))

    def line_text(self, text, *, size=10, style="", height=5.2):
        self.set_font(_FONT, style=style, size=size)
        self.multi_cell(0, height, _text(text), new_x="LMARGIN", new_y="NEXT")


def _party(pdf, heading, lines):
    pdf.line_text(heading, size=9, style="B")
    for line in lines:
        if line:
            pdf.line_text(line, size=10)
    pdf.ln(3)


def _table(pdf, snapshot):
    currency = snapshot["currency"]
    widths = (64, 10, 32, 16, 26, 26)
    name = snapshot.get("tax_name", "VAT")  # documents issued before tax names: VAT
    heads = ("Description", "Qty", "Unit price (net)", f"{name} %", name, "Total")
    pdf.set_font(_FONT, style="B", size=9)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 7, _fit(pdf, _text(head), width - 1), border="B")
    pdf.ln()
    pdf.set_font(_FONT, size=9)
    for line in snapshot["lines"]:
        cells = (line["description"], str(line["quantity"]),
                 _money(line["unit_net"], currency), line["tax_rate"],
                 _money(line["tax"], currency), _money(line["gross"], currency))
        for width, cell in zip(widths, cells, strict=True):
            pdf.cell(width, 7, _fit(pdf, _text(cell), width - 1))
        pdf.ln()
    pdf.ln(3)


def _totals(pdf, snapshot):
    currency = snapshot["currency"]
    rows = []
    if snapshot.get("kind") == "invoice" and snapshot.get("discount") not in (None, "0",
                                                                              "0.00"):
        rows.append(("List price", _money(snapshot["list_price"], currency)))
        rows.append(("Discount", "-" + _money(snapshot["discount"], currency)))
    rows += [(f"Net amount (taxable at {snapshot['tax_rate']}%)",
              _money(snapshot["net"], currency)),
             (f"{snapshot.get('tax_name', 'VAT')} {snapshot['tax_rate']}%",
              _money(snapshot["tax"], currency)),
             ("Total" if snapshot.get("kind") == "invoice" else "Total credited",
              _money(snapshot["gross"], currency))]
    for index, (label, value) in enumerate(rows):
        pdf.set_font(_FONT, style="B" if index == len(rows) - 1 else "", size=10)
        pdf.cell(120, 6, _text(label), align="R")
        pdf.cell(54, 6, _text(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def render(snapshot):
    """PDF bytes of a document's snapshot."""
    pdf = _Document(snapshot)
    pdf.add_page()
    pdf.line_text(f"{snapshot['title']} {snapshot.get('number') or ''}", size=18,
                  style="B", height=9)
    facts = [f"Number: {snapshot.get('number')}",
             f"Date of issue: {snapshot.get('issue_date')}"]
    if snapshot.get("supply_date"):
        facts.append(f"Date of supply: {snapshot['supply_date']}")
    facts.append(f"Order: {snapshot['order_reference']}")
    if snapshot.get("invoice_number"):
        facts.append(f"Credit note for invoice {snapshot['invoice_number']}")
    for fact in facts:
        pdf.line_text(fact)
    pdf.ln(4)
    seller = snapshot["seller"]
    _party(pdf, "Seller", [seller["name"], *seller["address"], seller.get("country"),
                           *(f"VAT/tax ID: {tax_id}" for tax_id in seller["tax_ids"])])
    buyer = snapshot["buyer"]
    _party(pdf, "Customer", [buyer["email"],
                             f"Country: {buyer['country']}" if buyer.get("country") else "",
                             f"VAT ID: {buyer['tax_id']}" if buyer.get("tax_id") else ""])
    _table(pdf, snapshot)
    _totals(pdf, snapshot)
    pdf.line_text(snapshot.get("tax_note") or "", size=9)
    pdf.line_text(f"All amounts in {snapshot['currency']}.", size=9)
    return bytes(pdf.output())
