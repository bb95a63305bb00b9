"""Admin coupon pages (create, list with redemptions and revenue, deactivate) and the
coupon on the purchase page, the CSV and the dashboard."""

import csv
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Coupon
from tests.helpers import csrf_from


def _create(admin_client, **fields):
    page = admin_client.get("/admin/coupons").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "kind": "percent", "currency": "usd", **fields}
    return admin_client.post("/admin/coupons", data=data)


def _buy_with_code(app, make_course, card_token, code, email="ada@example.com",
                   slug="python-jumpstart"):
    from app.catalog.services import get_course
    from app.checkout.services import place_order

    with app.app_context():
        if get_course(slug) is None:
            make_course(slug=slug)
        outcome = place_order(course=get_course(slug), email=email, token=card_token(),
                              code=code)
        assert outcome.message is None, outcome.message
        return outcome.order.reference


def test_the_admin_creates_lists_and_deactivates_codes(app, admin_client, make_course,
                                                       card_token, emulator_control):
    make_course()
    created = _create(admin_client, code="launch20", percent="20", max_redemptions="10",
                      per_buyer="1", ends="2030-12-31")
    assert created.status_code == 302, created.get_data(as_text=True)
    fixed = _create(admin_client, code="TENOFF", kind="amount", amount="10.00",
                    currency="usd", courses="python-jumpstart")
    assert fixed.status_code == 302
    _buy_with_code(app, make_course, card_token, "LAUNCH20")
    _buy_with_code(app, make_course, card_token, "TENOFF", email="bob@example.com")
    html = admin_client.get("/admin/coupons").get_data(as_text=True)
    assert 'data-code="LAUNCH20"' in html and 'data-code="TENOFF"' in html
    row = html[html.index('data-code="LAUNCH20"'):]
    row = row[:row.index("</tr>")]
    assert '<td class="num" data-field="off">20 %</td>' in row
    assert "1 / 10" in row and "(1 per buyer)" in row
    assert "$55.20" in row and "$13.80 off" in row  # revenue and discount given
    assert ">active<" in row
    fixed_row = html[html.index('data-code="TENOFF"'):]
    assert "$10.00" in fixed_row[:fixed_row.index("</tr>")]
    form = html[html.index('action="/admin/coupons/LAUNCH20/deactivate"'):]
    response = admin_client.post("/admin/coupons/LAUNCH20/deactivate",
                                 data={"csrf_token": csrf_from(form)})
    assert response.status_code == 302
    with app.app_context():
        coupon = db.session.scalar(select(Coupon).where(Coupon.code == "LAUNCH20"))
        assert coupon.active is False and coupon.deactivated_at is not None
    after = admin_client.get("/admin/coupons").get_data(as_text=True)
    assert ">deactivated<" in after


@pytest.mark.parametrize(("fields", "message"), [
    ({"code": "no spaces", "percent": "10"}, "A code is 3 to 40 letters"),
    ({"code": "OK10", "percent": "101"}, "The percentage must be a whole number"),
    # Only ASCII digits: int() alone took Arabic-Indic digits, "1_0" and "+5".
    ({"code": "OK10", "percent": "\u0661\u0660"}, "The percentage must be a whole number"),
    ({"code": "OK10", "percent": "1_0"}, "The percentage must be a whole number"),
    ({"code": "OK10", "percent": "10", "max_redemptions": "\u0661"},
     "must be a whole number"),
    ({"code": "OK10", "percent": "10", "max_redemptions": "+5"}, "must be a whole number"),
    ({"code": "OK10", "percent": "10", "per_buyer": "1_0"}, "must be a whole number"),
    ({"code": "OK10", "kind": "amount", "amount": "abc"}, "is not a number"),
    ({"code": "OK10", "percent": "10", "courses": "missing"}, "No course with slug"),
    ({"code": "OK10", "percent": "10", "ends": "tomorrow"}, "The end must be a date"),
    ({"code": "X" * 5000, "percent": "10"}, "A code is 3 to 40 letters"),
    ({"code": "OK\x0110", "percent": "10"}, "A code is 3 to 40 letters"),
    # Days at the edges of what a date holds: the day after 9999-12-31 was a 500.
    ({"code": "OK10", "percent": "10", "ends": "9999-12-31"},
     "The end must be from 2000-01-01 to 9998-12-31."),
    ({"code": "OK10", "percent": "10", "ends": "0001-01-01"}, "The end must be from"),
    ({"code": "OK10", "percent": "10", "starts": "9999-12-31"}, "The start must be from"),
    ({"code": "OK10", "percent": "10", "starts": "0001-01-01"}, "The start must be from"),
    ({"code": "OK10", "percent": "10", "ends": "9999-12-31T23:00-05:00"},
     "The end must be from"),
    ({"code": "OK10", "percent": "10", "starts": "0001-01-01T00:00+05:00"},
     "The start must be from"),
])
def test_a_wrong_code_form_says_why(admin_client, fields, message):
    response = _create(admin_client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_deactivating_needs_the_form_and_a_known_code(admin_client):
    assert admin_client.post("/admin/coupons/NOPE/deactivate").status_code == 400
    page = admin_client.get("/admin/coupons").get_data(as_text=True)
    missing = admin_client.post("/admin/coupons/NOPE/deactivate",
                                data={"csrf_token": csrf_from(page)})
    assert missing.status_code == 404


def test_the_coupon_pages_need_an_admin(client):
    assert client.get("/admin/coupons").status_code == 302


def test_purchase_page_csv_and_dashboard_show_list_price_discount_and_paid(
        app, admin_client, make_course, card_token, emulator_control):
    make_course()
    from app.pricing import create_coupon

    with app.app_context():
        create_coupon(code="HALF", percent=50)
    reference = _buy_with_code(app, make_course, card_token, "HALF")
    page = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    assert "$69.00, discount $34.50 (code" in page and ">HALF<" in page
    assert "$34.50 USD (3450 minor units)" in page
    exported = admin_client.get("/admin/purchases.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert (row["amount"], row["list_price"], row["discount"], row["coupon_code"]) == (
        "34.50", "69.00", "34.50", "HALF")
    assert (row["list_price_minor"], row["discount_minor"]) == ("6900", "3450")
    dashboard = admin_client.get("/admin/").get_data(as_text=True)
    assert '<td class="num" data-field="list">$69.00</td>' in dashboard
    assert '<td class="num" data-field="discount">$34.50</td>' in dashboard
