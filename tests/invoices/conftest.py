"""Fixtures for invoices: the store with a named seller, purchases through the page."""

import io

import pytest

from tests.admin.conftest import admin_account, admin_client  # noqa: F401  (fixtures)
from tests.mail.conftest import buy_course, rows  # noqa: F401  (fixtures)

SELLER = {
    "SELLER_LEGAL_NAME": "Course Shop GmbH",
    "SELLER_ADDRESS": "Hauptstrasse 1 | 10115 Berlin",
    "SELLER_COUNTRY": "DE",
    "SELLER_TAX_IDS": "DE123456789,GB123456789",
    "INVOICE_PREFIX": "INV-",
}


@pytest.fixture
def invoicing(app, monkeypatch):
    """The store issues invoices for this test (the seller is named)."""
    for key, value in SELLER.items():
        monkeypatch.setitem(app.config, key, value)
    return SELLER


def pdf_text(data):
    """The text of a PDF, parsed back with pypdf."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)
