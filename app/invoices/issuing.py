"""Issuing invoices and credit notes, called by the order lifecycle (app/orders/) in the
transaction that pays or refunds the order; both add rows, flush, and never commit.

What a document says is written into its snapshot now, from the order and the seller's
settings as they are today, so a later change of the course, the price or the settings
never changes a document already issued. Its number comes at the commit
(`app.invoices.numbering`).
"""

from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.invoices import numbering
from app.invoices.settings import invoicing_on, seller_address_lines, seller_tax_ids
from app.models import DocumentKind, Invoice
from app.money import decimal_string


def invoice_key(order):
    return f"invoice:{order.id}"


def _share(total, part, whole):
    """`total` * `part` / `whole`, rounded half up, in integers."""
    if whole <= 0:
        return 0
    return (2 * total * part + whole) // (2 * whole)


def _rate(order, net, tax):
    """The tax rate in percent, as text: the one the tax calculation gave, else the
    shortest rate that gives the order's tax on its amounts, inclusive or exclusive
    (19 rather than 19.01 for 1102 of 6900)."""
    rate = getattr(order, "tax_rate", None)
    if rate not in (None, ""):
        return _plain(Decimal(str(rate)))
    if not tax or net <= 0:
        return "0"
    exact = Decimal(tax) * 100 / Decimal(net)
    gross = net + tax
    for places in (0, 1, 2):
        candidate = exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        if _rounded(Decimal(net) * candidate / 100) == tax or \
                _rounded(Decimal(gross) * candidate / (100 + candidate)) == tax:
            return _plain(candidate)
    return _plain(exact.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _rounded(value):
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _plain(value):
    """"19" of 19.00, "8.1" of 8.10."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _seller(config):
    return {"name": config["SELLER_LEGAL_NAME"], "address": seller_address_lines(config),
            "country": config.get("SELLER_COUNTRY") or "",
            "tax_ids": seller_tax_ids(config)}


def _buyer(order):
    return {"email": order.email, "country": order.buyer_country or "",
            "tax_id": getattr(order, "buyer_tax_id", None) or ""}


#: What the tax a country's buyers pay is called on an invoice ("Tax" elsewhere).
_VAT = frozenset({"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR",
    "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    "GB", "NO", "CH", "IS", "LI"})
_TAX_NAMES = {"AU": "GST", "NZ": "GST", "CA": "GST/HST", "SG": "GST", "IN": "GST",
              "MY": "SST", "JP": "JCT", "US": "Sales tax"}


def tax_name(country):
    """"VAT" (the EU, the UK, Norway, Switzerland), "GST", "JCT", "Sales tax"…: what the
    tax is called where it is owed."""
    country = (country or "").upper()
    return "VAT" if country in _VAT else _TAX_NAMES.get(country, "Tax")


def _tax_note(tax, rate, buyer, reason=None, country=""):
    if tax:
        return f"{tax_name(country)} {rate}%"
    if reason == "reverse_charge":
        return "Reverse charge: VAT to be accounted for by the recipient (art. 196 " \
               "Directive 2006/112/EC)"
    return "No VAT charged" if tax_name(country) == "VAT" else "No tax charged"


def _snapshot(order, *, kind, net, tax, gross, config, rate=None):
    currency = order.currency
    rate = rate or _rate(order, net, tax)
    buyer = _buyer(order)
    paid_at = order.paid_at
    # Where the tax is owed (its name): Stripe Tax's country, the buyer's, else the seller's.
    owed_in = (getattr(order, "tax_country", None) or buyer["country"]
               or config.get("SELLER_COUNTRY") or "")
    return {
        "kind": kind.value, "title": kind.label,
        "number": None, "issued_at": None, "issue_date": None,
        "supply_date": paid_at.date().isoformat() if paid_at else None,
        "seller": _seller(config), "buyer": buyer,
        "order_reference": order.reference, "currency": currency.upper(),
        "tax_mode": config.get("TAX_MODE", "off"), "tax_rate": rate,
        # Where the tax is owed: the country Stripe Tax was asked about, else the buyer's.
        "tax_country": getattr(order, "tax_country", None) or buyer["country"] or "",
        "tax_name": tax_name(owed_in),
        "tax_note": _tax_note(tax, rate, buyer, getattr(order, "tax_reason", None),
                              owed_in),
        "lines": [{"description": order.course_title, "quantity": 1,
                   "unit_net": decimal_string(net, currency),
                   "net": decimal_string(net, currency), "tax_rate": rate,
                   "tax": decimal_string(tax, currency),
                   "gross": decimal_string(gross, currency)}],
        "list_price": decimal_string(order.list_price, currency),
        "discount": decimal_string(order.discount_amount or 0, currency),
        "net": decimal_string(net, currency), "tax": decimal_string(tax, currency),
        "gross": decimal_string(gross, currency),
        "amounts_minor": {"net": net, "tax": tax, "gross": gross},
    }


def _exists(key):
    return db.session.scalar(select(Invoice.id).where(Invoice.dedupe_key == key))


def _add(order, *, kind, key, net, tax, gross, invoice=None):
    config = current_app.config
    document = Invoice(
        kind=kind.value, series=config["INVOICE_PREFIX"], order_id=order.id,
        invoice=invoice, dedupe_key=key, currency=order.currency, net=net, tax=tax,
        gross=gross,
        snapshot=_snapshot(order, kind=kind, net=net, tax=tax, gross=gross, config=config,
                           rate=invoice.snapshot["tax_rate"] if invoice else None))
    if invoice is not None:
        document.snapshot["invoice_number"] = invoice.number
    db.session.add(document)
    numbering.queue(db.session(), document)
    return document


def issue_invoice(order):
    """The order's invoice (once per order), when the store issues invoices; None when
    it does not, the order is a duplicate payment (refunded at once), or it has one."""
    if not invoicing_on(current_app.config) or order.is_duplicate:
        return None
    key = invoice_key(order)
    if _exists(key):
        return None
    gross, tax = order.amount, order.tax_amount or 0
    return _add(order, kind=DocumentKind.INVOICE, key=key, net=gross - tax, tax=tax,
                gross=gross)


def issue_credit_note(order, *, refunded_before, refunded_now):
    """The credit note of a refund that took the order's refunded amount from
    `refunded_before` to `refunded_now` (minor units); its tax is the invoice's tax in
    proportion, so the credit notes of a fully refunded order add up to its invoice."""
    if not invoicing_on(current_app.config) or refunded_now <= refunded_before:
        return None
    invoice = db.session.scalar(select(Invoice).where(
        Invoice.dedupe_key == invoice_key(order)))
    if invoice is None:
        return None
    key = f"credit:{order.id}:{refunded_now}"
    if _exists(key):
        return None
    whole = invoice.gross
    gross = refunded_now - refunded_before
    tax = (_share(invoice.tax, refunded_now, whole)
           - _share(invoice.tax, refunded_before, whole))
    return _add(order, kind=DocumentKind.CREDIT_NOTE, key=key, net=gross - tax, tax=tax,
                gross=gross, invoice=invoice)


def documents_of(order_id):
    """The order's issued invoices and credit notes, in the order they were issued
    (none asked for while the store issues no invoices: its pages read nothing more)."""
    if not invoicing_on(current_app.config):
        return []
    return db.session.scalars(
        select(Invoice).where(Invoice.order_id == order_id, Invoice.number.is_not(None))
        .order_by(Invoice.sequence, Invoice.id)).all()


def documents_by_order(order_ids):
    """{order id: [its issued documents]} for a page that lists several orders."""
    found = {}
    if order_ids and invoicing_on(current_app.config):
        for row in db.session.scalars(select(Invoice).where(
                Invoice.order_id.in_(list(order_ids)), Invoice.number.is_not(None))
                .order_by(Invoice.sequence, Invoice.id)):
            found.setdefault(row.order_id, []).append(row)
    return found


def document_of(order_id, number):
    """The order's issued document with this number, or None (another order's too)."""
    if not isinstance(number, str) or len(number) > 40:
        return None
    return db.session.scalar(select(Invoice).where(
        Invoice.order_id == order_id, Invoice.number == number))


def by_keys(keys):
    """Issued documents by their dedupe keys (an email's attachments), in that order;
    none while the store issues no invoices (its emails read nothing more)."""
    if not keys or not invoicing_on(current_app.config):
        return []
    rows = db.session.scalars(select(Invoice).where(
        Invoice.dedupe_key.in_(list(keys)), Invoice.number.is_not(None))).all()
    found = {row.dedupe_key: row for row in rows}
    return [found[key] for key in keys if key in found]
