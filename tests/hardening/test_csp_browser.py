"""Chromium under the store's Content-Security-Policy: nothing the pages need is blocked.

The `page` fixture (tests/conftest.py) fails any browser test whose page reports a CSP
violation; these tests walk the buyer's and the admin's pages, and prove the watch works.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.browser_helpers import buy_in_browser
from tests.conftest import csp_violations

pytestmark = pytest.mark.browser


def test_buying_and_administering_reports_no_csp_violation(page, live_server, make_course,
                                                           admin_account, buy):
    make_course()
    buy_in_browser(page, live_server, email="csp@example.com")
    assert csp_violations(page) == []
    reference = buy(email="other@example.com")
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("[data-testid=revenue-chart]")).to_be_visible()
    page.goto(f"{live_server}/admin/purchases")
    expect(page.locator("[data-testid=totals-body]")).to_contain_text("$138.00")  # fetch()
    page.goto(f"{live_server}/admin/purchases/{reference}")
    expect(page.locator("[data-testid=refund-form]")).to_be_visible()
    assert csp_violations(page) == []


def test_the_watch_catches_a_violation(browser, live_server):
    """An inline script injected into a store page is blocked, and the watch sees it."""
    from tests.conftest import CSP_WATCH

    context = browser.new_context()
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.csp_console = []
    page.on("console", lambda msg: page.csp_console.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    try:
        page.goto(f"{live_server}/")
        page.evaluate("""() => { const s = document.createElement('script');
                          s.textContent = 'window.__ran = true'; document.body.appendChild(s); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__ran === true") is False
        violations = csp_violations(page)
        assert any("script-src" in v for v in violations), violations
        assert any("blocked" in m for m in page.csp_console), page.csp_console
    finally:
        context.close()
