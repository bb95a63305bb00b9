"""Chromium: after paying, the invoice downloads from the receipt and from /account, and
the PDF is the order's."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import buy_in_browser
from tests.invoices.conftest import pdf_text

pytestmark = pytest.mark.browser


def _download(page, selector):
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_the_invoice_downloads_from_the_receipt_and_the_account(page, live_server,
                                                               make_course, invoicing):
    make_course()
    buy_in_browser(page, live_server)
    expect(page.locator("[data-testid=documents]")).to_contain_text("Invoice INV-000001")
    name, data = _download(page, "[data-testid=documents] [data-testid=document-link]")
    assert name == "INV-000001.pdf"
    text = pdf_text(data)
    assert "Invoice INV-000001" in text and "Python Jumpstart" in text
    assert "Course Shop GmbH" in text and "ada@example.com" in text
    page.click("text=My account")
    expect(page.locator("[data-testid=my-orders]")).to_contain_text("Invoice INV-000001")
    name, again = _download(page, "[data-testid=my-orders] [data-testid=document-link]")
    assert name == "INV-000001.pdf" and again == data  # the same frozen document
