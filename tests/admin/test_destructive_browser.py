"""Destructive actions in Chromium at 390 and 1280 px: revoke access, archive a course,
refund, and (for the buyer) remove a card are red and ask for a tick first; the server
refuses them without it too (see test_buyers, test_catalog_admin, test_saved_cards)."""

import re

import pytest
from playwright.sync_api import expect

from app.models import Access
from tests.helpers import serious_axe_violations

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
DANGER = "rgb(180, 35, 24)"  # --err in site.css


@pytest.fixture(params=sorted(WIDTHS))
def sized(request, browser):
    context = browser.new_context(viewport=WIDTHS[request.param])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.width_name = request.param
    yield page
    context.close()


def _sign_in(page, live_server):
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def _background(page, selector):
    return page.locator(selector).evaluate("e => getComputedStyle(e).backgroundColor")


def test_revoke_archive_and_refund_look_destructive_and_ask_first(
        sized, live_server, admin_account, buy, app):
    """Each button is red; pressing it without the tick sends nothing (the browser asks
    for the box); with the tick it acts."""
    from sqlalchemy import select

    from app.extensions import db

    reference = buy()
    _sign_in(sized, live_server)
    sized.goto(f"{live_server}/admin/purchases/{reference}")
    assert _background(sized, "[data-testid=refund-submit]") == DANGER
    sized.click("[data-testid=buyer-link]")
    sized.wait_for_url(re.compile(r"/admin/buyers/\d+$"))
    assert _background(sized, "[data-testid=revoke]") == DANGER
    sized.fill("[data-testid=revoke-form] input[name=reason]", "Asked to close the account")
    sized.screenshot(path=f"test-artifacts/revoke-{sized.width_name}.png", full_page=True)
    assert serious_axe_violations(sized) == []
    sized.click("[data-testid=revoke]")
    assert sized.locator("[data-testid=revoke-confirm]").evaluate(
        "e => !e.checkValidity()")
    with app.app_context():
        assert db.session.scalar(select(Access)).revoked_at is None
    sized.check("[data-testid=revoke-confirm]")
    sized.click("[data-testid=revoke]")
    expect(sized.locator("main")).to_contain_text("Access to Python Jumpstart revoked.")

    sized.goto(f"{live_server}/admin/courses/python-jumpstart")
    assert _background(sized, "[data-testid=archive]") == DANGER
    sized.click("[data-testid=archive]")
    expect(sized.locator("[data-testid=course-state]")).to_have_text("on sale")
    sized.check("[data-testid=archive-confirm]")
    sized.screenshot(path=f"test-artifacts/archive-{sized.width_name}.png", full_page=True)
    assert serious_axe_violations(sized) == []
    sized.click("[data-testid=archive]")
    expect(sized.locator("[data-testid=course-state]")).to_have_text("archived")


def test_the_seller_writes_a_policy_in_the_admin(sized, live_server, admin_account):
    """Policies in the admin nav; write the refund policy, preview it, save version 1;
    the list says so and links the public page."""
    _sign_in(sized, live_server)
    sized.click("nav.admin-nav >> text=Policies")
    sized.click("[data-testid=edit-refund]")
    sized.fill("textarea[name=body]", "## Refunds\n\nWithin **14 days**, no questions asked.")
    sized.click("[data-testid=preview]")
    expect(sized.locator("[data-testid=preview-pane] strong")).to_have_text("14 days")
    sized.screenshot(path=f"test-artifacts/admin-policy-{sized.width_name}.png",
                     full_page=True)
    assert serious_axe_violations(sized) == []
    sized.click("[data-testid=save-policy]")
    expect(sized.locator("main")).to_contain_text("Saved Refund policy as version 1.")
    sized.click("text=← Policies")
    row = sized.locator("[data-kind=refund]")
    expect(row).to_contain_text("version 1")
    row.locator("text=version 1").click()
    expect(sized.locator("[data-testid=policy] h2")).to_have_text("Refunds")
