"""Invoices and credit notes: issued with the payment and the refund, numbered, frozen,
rendered to PDF with the fields art. 226 of Directive 2006/112/EC asks for, downloadable
only by who may see the order, attached to the emails."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, IssuedDocumentChanged, Order
from app.orders.refunds import new_idempotency_key, refund_order
from tests.helpers import sign_in_by_link
from tests.invoices.conftest import pdf_text


def _documents(app):
    with app.app_context():
        found = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        for row in found:
            db.session.expunge(row)
        return found


def _refund(app, reference, amount):
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        refund_order(order=order, amount=amount, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order),
                     created_by="owner@example.com")


def test_nothing_is_issued_while_the_seller_is_not_named(app, buy_course, client):
    """The default store: no invoice, no link on the receipt, emails as before."""
    order = buy_course()
    assert _documents(app) == []
    page = client.get(f"/orders/{order.public_id}").get_data(as_text=True)
    assert 'data-testid="documents"' not in page


def test_a_paid_order_gets_an_invoice_with_the_required_fields(app, invoicing, buy_course,
                                                               client):
    order = buy_course(email="Ada@Example.com")
    [invoice] = _documents(app)
    assert (invoice.kind, invoice.number, invoice.sequence) == ("invoice", "INV-000001", 1)
    assert (invoice.net, invoice.tax, invoice.gross, invoice.currency) == (6900, 0, 6900,
                                                                           "usd")
    snapshot = invoice.snapshot
    assert snapshot["number"] == "INV-000001" and snapshot["order_reference"] == \
        order.reference
    assert snapshot["seller"] == {"name": "Course Shop GmbH",
                                  "address": ["Hauptstrasse 1", "10115 Berlin"],
                                  "country": "DE",
                                  "tax_ids": ["DE123456789", "GB123456789"]}
    assert snapshot["buyer"]["email"] == "ada@example.com"
    page = client.get(f"/orders/{order.public_id}").get_data(as_text=True)
    assert "Invoice INV-000001 (PDF)" in page
    pdf = client.get(f"/orders/{order.public_id}/documents/INV-000001.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert 'filename="INV-000001.pdf"' in pdf.headers["Content-Disposition"]
    assert "no-store" in pdf.headers["Cache-Control"]
    text = pdf_text(pdf.data)
    for field in ("Invoice INV-000001", "Date of issue: " + snapshot["issue_date"],
                  "Date of supply: " + snapshot["supply_date"], order.reference,
                  "Course Shop GmbH", "Hauptstrasse 1", "10115 Berlin",
                  "VAT/tax ID: DE123456789", "VAT/tax ID: GB123456789",
                  "ada@example.com", "Python Jumpstart", "69.00 USD", "VAT 0%",
                  "No VAT charged"):
        assert field in text, (field, text)


def test_numbers_follow_one_series_without_gaps_and_a_decline_takes_none(
        app, invoicing, buy_course):
    buy_course(email="one@example.com")
    buy_course(email="declined@example.com", number="4000000000000002")
    buy_course(email="two@example.com", slug="second", title="Second")
    assert [d.number for d in _documents(app)] == ["INV-000001", "INV-000002"]


def test_a_partial_refund_gets_a_credit_note_and_a_full_one_adds_up(app, invoicing,
                                                                      buy_course, client):
    """Tax is credited in proportion and the credit notes of a fully refunded order add
    up to its invoice, cent for cent (here an invoice carrying 19% VAT inclusive)."""
    app.config["SELLER_LEGAL_NAME"] = ""  # pay without an invoice, then issue one with tax
    order = buy_course()
    app.config["SELLER_LEGAL_NAME"] = "Course Shop GmbH"
    with app.app_context():
        from app.invoices import issue_invoice

        row = db.session.get(Order, order.id)
        row.tax_amount = 1102  # 6900 including 19% VAT
        issue_invoice(row)
        db.session.commit()
    _refund(app, order.reference, 2000)
    invoice, credit = _documents(app)
    assert (credit.kind, credit.number, credit.invoice_id) == ("credit_note", "INV-000002",
                                                               invoice.id)
    assert (credit.gross, credit.tax, credit.net) == (2000, 319, 1681)  # 1102*2000/6900
    assert credit.snapshot["invoice_number"] == "INV-000001"
    text = pdf_text(client.get(f"/orders/{order.public_id}/documents/INV-000002.pdf").data)
    for field in ("Credit note INV-000002", "Credit note for invoice INV-000001",
                  "20.00 USD", "3.19 USD", "16.81 USD", "Total credited", "VAT 19%"):
        assert field in text, (field, text)
    _refund(app, order.reference, 4900)
    documents = _documents(app)
    assert [d.number for d in documents] == ["INV-000001", "INV-000002", "INV-000003"]
    credits = documents[1:]
    assert sum(d.gross for d in credits) == invoice.gross
    assert sum(d.tax for d in credits) == invoice.tax
    page = client.get(f"/orders/{order.public_id}").get_data(as_text=True)
    assert page.count('data-testid="document-link"') == 3


def test_an_issued_document_never_changes(app, invoicing, buy_course):
    buy_course()
    with app.app_context():
        invoice = db.session.scalar(select(Invoice))
        invoice.snapshot = {**invoice.snapshot, "gross": "1.00"}
        with pytest.raises(IssuedDocumentChanged, match="INV-000001 was issued"):
            db.session.flush()
        db.session.rollback()
        invoice = db.session.scalar(select(Invoice))
        invoice.number = "INV-000099"
        with pytest.raises(IssuedDocumentChanged):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(Invoice)))
        with pytest.raises(IssuedDocumentChanged, match="cannot be deleted"):
            db.session.flush()
        db.session.rollback()
    assert _documents(app)[0].snapshot["gross"] == "69.00"


def test_a_stranger_cannot_download_another_buyers_invoice(app, invoicing, buy_course):
    """Only the receipt's own address serves its documents: another order's address,
    a made-up one, or /account of another buyer never reach them."""
    victim = buy_course(email="victim@example.com", web=app.test_client())
    stranger = app.test_client()
    mine = buy_course(email="stranger@example.com", slug="other", title="Other",
                      web=stranger)
    [victims, _] = _documents(app)
    assert victims.order_id == victim.id
    for url in (f"/orders/{mine.public_id}/documents/{victims.number}.pdf",
                f"/orders/not-an-order/documents/{victims.number}.pdf",
                f"/orders/{mine.public_id}/documents/..%2F{victims.number}.pdf",
                f"/admin/purchases/{victim.reference}/documents/{victims.number}.pdf"):
        response = stranger.get(url)
        assert response.status_code in (302, 404), (url, response.status_code)
        assert response.mimetype != "application/pdf"
    sign_in_by_link(stranger, app, "stranger@example.com")
    account = stranger.get("/account").get_data(as_text=True)
    assert "INV-000002" in account and victims.number not in account
    assert victim.public_id not in account


def test_the_account_and_the_admin_purchase_page_link_the_pdf(app, invoicing, buy_course,
                                                              admin_client):
    buyer = app.test_client()
    order = buy_course(email="ada@example.com", web=buyer)
    sign_in_by_link(buyer, app, "ada@example.com")
    account = buyer.get("/account").get_data(as_text=True)
    link = f"/orders/{order.public_id}/documents/INV-000001.pdf"
    assert link in account
    assert buyer.get(link).mimetype == "application/pdf"
    page = admin_client.get(f"/admin/purchases/{order.reference}").get_data(as_text=True)
    admin_link = f"/admin/purchases/{order.reference}/documents/INV-000001.pdf"
    assert admin_link in page
    pdf = admin_client.get(admin_link)
    assert pdf.status_code == 200 and "Invoice INV-000001" in pdf_text(pdf.data)
    assert admin_client.get(f"/admin/purchases/{order.reference}/documents/"
                            "INV-000002.pdf").status_code == 404


def test_the_confirmation_and_the_refund_notice_attach_their_pdf(app, invoicing, buy_course,
                                                                 smtp, flush_mail):
    order = buy_course(email="ada@example.com")
    flush_mail()
    [confirmation] = smtp.wait_for(1)
    [attachment] = list(confirmation.iter_attachments())
    assert attachment.get_filename() == "INV-000001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert "Invoice INV-000001" in pdf_text(attachment.get_content())
    _refund(app, order.reference, 1000)
    flush_mail()
    notice = smtp.wait_for(2)[1]
    [attachment] = list(notice.iter_attachments())
    assert attachment.get_filename() == "INV-000002.pdf"
    assert "Credit note for invoice INV-000001" in pdf_text(attachment.get_content())


def test_without_invoices_the_emails_carry_no_attachment(app, buy_course, smtp, flush_mail):
    buy_course(email="ada@example.com")
    flush_mail()
    [confirmation] = smtp.wait_for(1)
    assert list(confirmation.iter_attachments()) == []


class _Crash(Exception):
    pass


def test_a_transaction_that_dies_after_taking_its_number_gives_it_back(app, invoicing,
                                                                       buy_course):
    """The number is taken at the commit; a crash after that (here: the commit itself
    fails after the numbering) rolls the counter back with the invoice."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.invoices import issue_invoice
    from app.models import InvoiceCounter

    app.config["SELLER_LEGAL_NAME"] = ""  # paid without an invoice
    order = buy_course()
    app.config["SELLER_LEGAL_NAME"] = "Course Shop GmbH"

    taken = []

    def crash(session):
        taken.append(document.number)  # numbered already, counter row updated
        raise _Crash("the process died here")

    with app.app_context():
        row = db.session.get(Order, order.id)
        document = issue_invoice(row)
        event.listen(Session, "before_commit", crash)
        try:
            with pytest.raises(_Crash):
                db.session.commit()
        finally:
            event.remove(Session, "before_commit", crash)
        db.session.rollback()
        assert taken == ["INV-000001"]
        assert db.session.scalar(select(Invoice)) is None
        counter = db.session.get(InvoiceCounter, "INV-")
        assert counter is None or counter.last_number == 0
        issue_invoice(db.session.get(Order, order.id))
        db.session.commit()
    assert [d.number for d in _documents(app)] == ["INV-000001"]
