"""Admin pages as a seller reads them: failed orders, the refund error, scroll regions,
the banner, the 404 page."""

import re

from tests.helpers import sign_in_by_link


def test_failed_order_shows_no_remaining_amount_and_no_raw_backticks(admin_client, buy):
    reference = buy(number="4000000000009995")
    html = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    assert "Remaining" not in html and "nothing was charged (failed)" in html
    assert "`" not in html
    assert "<code>insufficient_funds</code>" in html


def test_refund_error_is_summarised_at_the_top_of_the_refund_form(admin_client, buy):
    from tests.helpers import csrf_from

    reference = buy()
    page = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    response = admin_client.post(f"/admin/purchases/{reference}/refund", data={
        "csrf_token": csrf_from(page), "idempotency_key": key, "amount": "10.00",
        "reason": "requested_by_customer"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    form = html[html.index('id="refund-form"'):]
    summary = re.search(r'<div class="flash flash-error" role="alert" tabindex="-1" '
                        r'data-scroll-into-view data-testid="refund-errors">\s*(.*?)\s*</div>',
                        form, re.S).group(1)
    assert summary == "The refund was not sent: Tick the confirmation box to send the refund."
    assert form.index("refund-errors") < form.index('name="amount"')


def test_table_scroll_regions_are_focusable_and_named(app, admin_client, buy):
    """Every table that may scroll sideways on a phone does so in a region a keyboard can
    reach and a screen reader can name (axe: scrollable-region-focusable)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Buyer

    reference = buy()
    with app.app_context():
        buyer_id = db.session.scalar(select(Buyer.id))
    pages = [admin_client.get(u).get_data(as_text=True) for u in (
        "/admin/", "/admin/purchases", "/admin/purchases/totals?fragment=1",
        f"/admin/purchases/{reference}", f"/admin/buyers/{buyer_id}", "/admin/courses",
        "/admin/courses/python-jumpstart")]
    sign_in_by_link(admin_client, app, "ada@example.com")
    pages.append(admin_client.get("/account").get_data(as_text=True))
    for html in pages:
        wraps = re.findall(r'<div class="table-wrap"[^>]*>', html)
        assert wraps
        for tag in wraps:
            assert 'tabindex="0"' in tag and 'role="region"' in tag and 'aria-label="' in tag


def test_admin_pages_do_not_tell_the_admin_to_pay(admin_client):
    for url in ("/admin/", "/admin/purchases", "/admin/purchases/ORD-NOPE", "/admin/nope"):
        html = admin_client.get(url).get_data(as_text=True)
        # The buyer's hint "Pay with card 4242 4242 …" (a bare "4242" can occur by chance in
        # a random CSRF token or an SVG coordinate).
        assert "Test mode" in html and "4242 4242" not in html and "Pay with card" not in html


def test_admin_404_leads_back_to_the_dashboard(admin_client):
    for url in ("/admin/purchases/ORD-NOPE", "/admin/nope"):
        response = admin_client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert '<a href="/admin/">Back to the dashboard</a>' in html
        assert "Back to the courses" not in html


def test_buyer_404_still_leads_to_the_courses(client):
    html = client.get("/orders/nope").get_data(as_text=True)
    assert "Back to the courses" in html and "4242 4242" in html
