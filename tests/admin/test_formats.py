"""One format each for dates, statuses, cards and dashes across the receipt, the account
page and the admin (the filters in app/templating.py)."""

import re

from tests.helpers import csrf_from

from .test_refunds import _refund


def _pay(client, card_token, email="ada@example.com"):
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    return client.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(), "stripeEmail": email})


def test_one_format_for_statuses_cards_and_dates(client, make_course, card_token, app,
                                                 admin_client):
    """A partly refunded order reads "Partially refunded" and "Visa •••• 4242" on the
    receipt, the account page and the admin, and its date as 2026-…-… hh:mm UTC."""
    make_course()
    location = _pay(client, card_token).headers["Location"]
    reference = re.search(r"ORD-\w+", client.get(location).get_data(as_text=True)).group(0)
    assert _refund(admin_client, reference, "20.00").status_code == 302
    receipt = client.get(location).get_data(as_text=True)
    account = client.get("/account").get_data(as_text=True)
    admin_list = admin_client.get("/admin/purchases").get_data(as_text=True)
    admin_page = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
    for html in (receipt, account, admin_list, admin_page):
        assert "Partially refunded" in html
        assert "partially refunded<" not in html and "partially_refunded<" not in html
        assert stamp.search(html)
    for html in (receipt, admin_list, admin_page):
        assert "Visa •••• 4242" in html
        assert "ending in" not in html and "••4242" not in html.replace("•••• 4242", "")


def test_the_format_filters():
    """The filters themselves: a status, a card, an expiry, a dash, a day."""
    from datetime import datetime

    from app.models import OrderStatus
    from app.templating import format_card, format_date, format_expiry, format_status, or_dash

    assert format_status(OrderStatus.PARTIALLY_REFUNDED) == "Partially refunded"
    assert format_status("requires_action") == "Requires action"
    assert format_card("visa", "4242") == "Visa •••• 4242"
    assert format_card("American Express", "0005") == "American Express •••• 0005"
    assert format_card(None, "1111") == "Card •••• 1111" and format_card("visa", None) == "—"
    assert format_expiry(3, 2034) == "03/2034" and format_expiry(None, None) == "—"
    assert or_dash("") == "—" and or_dash("x") == "x"
    assert format_date(datetime(2026, 12, 3, 23, 59)) == "2026-12-03"
