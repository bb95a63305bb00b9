"""Malformed codes (huge, unicode, control characters, markup) never cause a 500: every
page that reads a code says it is not valid, keeps the full price and charges nothing."""

import pytest

from tests.helpers import csrf_from

BAD_CODES = [
    "x" * 100_000,
    "LAUNCH20" * 6,
    "ＬＡＵＮＣＨ２０",  # full-width letters
    "LAUNCH\u200b20",  # zero-width space
    "١٢٣٤٥",  # Arabic-Indic digits
    "LAUNCH\x0020",
    "LAUNCH\r\n20",
    "\x1b[31mRED",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00%ff",
    "🎉🎉🎉",
    "  ",
    "ab",
]


@pytest.mark.parametrize("code", BAD_CODES, ids=range(len(BAD_CODES)))
def test_a_malformed_code_is_a_clear_message_never_a_500(client, make_course, make_coupon,
                                                         card_token, orders, code):
    make_course()
    make_course(slug="intro", title="Intro", price="0")
    make_coupon("LAUNCH20", percent=20)
    page = client.get("/courses/python-jumpstart", query_string={"code": code})
    if "\x00" in code:  # the request guard refuses NUL anywhere in a request, clearly
        assert page.status_code == 400 and "Traceback" not in page.get_data(as_text=True)
        return
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Pay $69.00" in html and "<script>alert" not in html
    csrf = csrf_from(html)
    applied = client.post("/courses/python-jumpstart/code", data={
        "csrf_token": csrf, "code": code, "stripeEmail": "a@example.com"})
    assert applied.status_code == 200
    assert "Pay $69.00" in applied.get_data(as_text=True)
    paid = client.post("/courses/python-jumpstart/checkout", follow_redirects=True, data={
        "csrf_token": csrf, "code": code, "stripeEmail": "a@example.com",
        "stripeToken": card_token()})
    assert paid.status_code in (200, 400)
    enrolled = client.post("/courses/intro/enrol", follow_redirects=True, data={
        "csrf_token": csrf, "code": code, "email": "a@example.com"})
    assert enrolled.status_code in (200, 400)
    if code.strip():
        assert "not a valid code" in html or "is not valid" in html
        assert [o.amount for o in orders() if o.course_id != 2 and o.amount] in ([], [6900])
        assert all(o.coupon_code is None for o in orders())


def test_a_code_that_is_not_utf8_is_a_clear_answer(client, make_course):
    """Bytes that are no UTF-8 at all, in the link and in the posted form."""
    make_course()
    page = client.get("/courses/python-jumpstart?code=%ED%A0%BD%FF%FE")
    assert page.status_code in (200, 400)
    assert "Traceback" not in page.get_data(as_text=True)
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    body = f"csrf_token={csrf_from(html)}&stripeEmail=a%40example.com&code=%ED%A0%BD%FF"
    applied = client.post("/courses/python-jumpstart/code", data=body,
                          content_type="application/x-www-form-urlencoded")
    assert applied.status_code in (200, 400)
