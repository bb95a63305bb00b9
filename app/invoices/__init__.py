"""Invoices and credit notes: issued by the order lifecycle in the transaction that pays
or refunds an order, numbered in one gap-free series at its commit, frozen once issued,
rendered to PDF (see README.md, "Tax and invoices").

The lifecycle (app/orders/fulfilment.py) calls `issue_invoice` and `issue_credit_note`;
pages and emails read documents with `documents_of`, `document_of`, `by_keys` and render
them with `render_pdf`.
"""

from app.invoices.issuing import (
    by_keys,
    document_of,
    documents_by_order,
    documents_of,
    invoice_key,
    issue_credit_note,
    issue_invoice,
)


def pdf_response(document):
    """The document as a PDF download, never stored by a shared cache."""
    from flask import Response

    return Response(render_pdf(document), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{document.filename}"',
        "Cache-Control": "private, no-store"})


def render_pdf(document):
    """The document as PDF bytes (fpdf2 is imported on first use)."""
    from app.invoices.pdf import render

    return render(document.snapshot)


__all__ = [
    "by_keys",
    "document_of",
    "documents_by_order",
    "documents_of",
    "invoice_key",
    "issue_credit_note",
    "issue_invoice",
    "pdf_response",
    "render_pdf",
]
