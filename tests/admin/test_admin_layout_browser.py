"""The admin pages in Chromium at laptop and phone size: where errors show, ids, filters,
the totals table and the chart's labels."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, live_server):
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def _in_viewport(page, selector):
    return page.locator(selector).evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }")


def test_refund_error_is_in_view_after_the_submit(page, live_server, admin_account, buy):
    reference = buy()
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server)
    page.goto(f"{live_server}/admin/purchases/{reference}")
    page.click("[data-testid=refund-submit]")  # without ticking "I confirm"
    errors = page.locator("[data-testid=refund-errors]")
    expect(errors).to_contain_text("Tick the confirmation box")
    assert _in_viewport(page, "[data-testid=refund-errors]")
    expect(errors).to_be_focused()


def test_search_placeholder_ids_and_filter_labels(page, live_server, admin_account, buy):
    buy(email="ada@example.com")
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server)
    page.goto(f"{live_server}/admin/purchases")
    # The placeholder fits its box.
    fits = page.locator("#q").evaluate(
        "e => { const c = document.createElement('canvas').getContext('2d');"
        " const s = getComputedStyle(e); c.font = s.font;"
        " const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);"
        " return c.measureText(e.placeholder).width <= room; }")
    assert fits
    # Ids sit on one line.
    for selector in ("td[data-label=Order] a", "td[data-label=Charge] .mono"):
        lines = page.locator(selector).first.evaluate("e => e.getClientRects().length")
        height = page.locator(selector).first.evaluate(
            "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).fontSize)")
        assert lines == 1 and height < 2, selector
    charge = page.locator("td[data-label=Charge] .mono").first
    assert charge.get_attribute("title").startswith("ch_")
    # The filter labels of one row line up.
    tops = page.locator(".filters label").evaluate_all(
        "ls => ls.map(l => Math.round(l.getBoundingClientRect().top))")
    first_row = [t for t in tops if t == tops[0]]
    assert len(first_row) >= 4, tops
    fields = page.locator(".filters input, .filters select").evaluate_all(
        "fs => fs.map(f => Math.round(f.getBoundingClientRect().bottom))")
    assert fields[:len(first_row)] == [fields[0]] * len(first_row)


def test_totals_and_chart_at_phone_width(page, live_server, admin_account, buy):
    buy(email="ada@example.com", slug="payments-engineering", price="199.00",
        currency="gbp", title="Payments Engineering")
    page.set_viewport_size({"width": 360, "height": 740})
    _sign_in(page, live_server)
    page.goto(f"{live_server}/admin/purchases")
    wrap = page.locator("[data-testid=totals-body] .table-wrap")
    expect(wrap).to_contain_text("£199.00")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")  # nothing clipped
    expect(wrap).to_have_attribute("tabindex", "0")
    page.goto(f"{live_server}/admin/")
    axis = page.locator(".chart-axis")
    expect(axis).to_be_visible()
    size = axis.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 12
    assert page.locator(".chart svg text").first.evaluate(
        "e => getComputedStyle(e).display") == "none"
