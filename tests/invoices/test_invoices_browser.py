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


@pytest.mark.parametrize("width", ["laptop", "phone"])
def test_the_invoice_pages_pass_axe_and_fit_a_phone(browser, live_server, app, make_course,
                                                    invoicing, monkeypatch, card_token,
                                                    admin_account, width):
    """The receipt and account with their invoices, the admin purchase page and the
    tax report: no serious axe violation, none wider than the screen (the suite's
    check), with an email too long for a phone's line."""
    import re

    from sqlalchemy import select

    from app.checkout.services import place_order
    from app.extensions import db
    from app.models import Course, Order
    from app.orders.refunds import new_idempotency_key, refund_order
    from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
    from tests.conftest import PHONE
    from tests.helpers import serious_axe_violations

    monkeypatch.setitem(app.config, "TAX_MODE", "inclusive")
    make_course(slug="taxed", price="69.00", currency="eur", title="Payments Engineering")
    email = "maximilian.alexander.featherstonehaugh@engineering-department.example.com"
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "taxed"))
        order = place_order(course=course, email=email, token=card_token(),
                            country="DE", country_confirmed="DE").order
        order = db.session.get(Order, order.id)
        refund_order(order=order, amount=2000, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(order), created_by=ADMIN_EMAIL)
        reference, public_id = order.reference, order.public_id
    viewport = PHONE if width == "phone" else {"width": 1280, "height": 800}
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    try:
        page.goto(f"{live_server}/orders/{public_id}")
        expect(page.locator("[data-testid=documents]")).to_contain_text("Credit note")
        problems += serious_axe_violations(page)
        page.goto(f"{live_server}/admin/login")
        page.fill("input[name=email]", ADMIN_EMAIL)
        page.fill("input[name=password]", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))
        for path in (f"/admin/purchases/{reference}", "/admin/invoices"):
            page.goto(f"{live_server}{path}")
            page.wait_for_load_state("networkidle")
            problems += [f"{path}: {line}" for line in serious_axe_violations(page)]
        expect(page.locator("[data-testid=tax-summary]")).to_contain_text("DE")
    finally:
        context.close()
    assert problems == []
