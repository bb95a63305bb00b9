"""Coupon codes cannot be guessed: COUPON_MAX_WRONG_CODES codes that cannot be used from
one address within COUPON_WRONG_CODE_WINDOW_SECONDS refuse every further code from it
for the window, at every place a typed code is read, without saying anything about the
code; and a code that does not apply answers like one that does not exist."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order
from tests.helpers import csrf_from, sign_in_by_link

LIMIT = 3
TOO_MANY = "Too many codes were tried from your connection"


@pytest.fixture
def small_limit(app):
    saved = app.config["COUPON_MAX_WRONG_CODES"]
    app.config["COUPON_MAX_WRONG_CODES"] = LIMIT
    yield LIMIT
    app.config["COUPON_MAX_WRONG_CODES"] = saved


def _guess(client, code, **kwargs):
    return client.get("/courses/python-jumpstart", query_string={"code": code},
                      **kwargs).get_data(as_text=True)


def _use_up_the_guesses(client, **kwargs):
    for n in range(LIMIT):
        assert f"The code WRONG{n} is not valid." in _guess(client, f"wrong{n}", **kwargs)


def test_wrong_codes_from_one_address_stop_every_code_check(app, client, make_course,
                                                            make_coupon, small_limit):
    """After the limit even the right code (a private 100 % one) is not revealed, by the
    page or by enrolling; another address still gets its answers."""
    make_course()
    make_coupon("ZQ7", percent=100)
    _use_up_the_guesses(client)
    page = _guess(client, "ZQ7")
    assert TOO_MANY in page and "try again in 10 minutes" in page
    assert "Enrol for free" not in page and "Pay $69.00" in page
    assert TOO_MANY in _guess(client, "nope")  # the same answer for any code
    enrol = client.post("/courses/python-jumpstart/enrol", data={
        "csrf_token": csrf_from(page), "email": "freeloader@example.com", "code": "ZQ7"},
        follow_redirects=True).get_data(as_text=True)
    assert TOO_MANY in enrol and "Nothing was charged" in enrol
    applied = client.post("/courses/python-jumpstart/code", data={
        "csrf_token": csrf_from(page), "stripeEmail": "x@example.com", "code": "ZQ7"})
    assert TOO_MANY in applied.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Order)).all() == []
    other = {"environ_base": {"REMOTE_ADDR": "10.0.0.9"}}
    assert "Enrol for free" in _guess(app.test_client(), "ZQ7", **other)


def test_a_right_code_does_not_count(client, make_course, make_coupon, small_limit):
    make_course()
    make_coupon("LAUNCH20", percent=20)
    for _ in range(LIMIT + 2):
        assert "Code LAUNCH20 applied" in _guess(client, "launch20")
    assert "is not valid" in _guess(client, "wrong")


def test_malformed_codes_do_not_count(client, make_course, make_coupon, small_limit):
    """A code that can never exist is never looked up: nothing to guess."""
    make_course()
    make_coupon("LAUNCH20", percent=20)
    for _ in range(LIMIT + 2):
        assert "That is not a valid code" in _guess(client, "!")
    assert "Code LAUNCH20 applied" in _guess(client, "launch20")


@pytest.mark.parametrize(("name", "path"), [
    ("charges", "checkout"), ("payment_intents", "payment-intent"),
    ("checkout", "checkout-session")])
def test_every_checkout_refuses_codes_once_the_limit_is_reached(
        app, client, make_course, make_coupon, small_limit, flow, card_token, stripe_sdk,
        name, path):
    make_course()
    make_coupon("LAUNCH20", percent=20)
    _use_up_the_guesses(client)
    flow(name)
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "code": "LAUNCH20"}
    if name == "charges":
        data.update(stripeEmail="ada@example.com", stripeToken=card_token())
    else:
        data["email"] = "ada@example.com"
    response = client.post(f"/courses/python-jumpstart/{path}", data=data,
                           follow_redirects=True)
    text = response.get_json()["error"] if response.is_json else response.get_data(
        as_text=True)
    assert TOO_MANY in text
    assert stripe_sdk.v1.charges.list().data == []
    assert stripe_sdk.v1.payment_intents.list().data == []
    with app.app_context():
        assert db.session.scalars(select(Order)).all() == []


def test_one_click_refuses_codes_once_the_limit_is_reached(app, client, make_course,
                                                           make_coupon, small_limit,
                                                           card_token, stripe_sdk):
    """A signed-in buyer with a saved card: the confirmation step gives no discount and
    the one-click purchase with the code charges nothing."""
    make_course()
    make_course(slug="first", title="First")
    make_coupon("LAUNCH20", percent=20)
    sign_in_by_link(client, app, "ada@example.com")
    page = client.get("/courses/first").get_data(as_text=True)
    assert client.post("/courses/first/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(),
        "stripeEmail": "ada@example.com", "save_card": "y"}).status_code == 302
    charges = len(stripe_sdk.v1.charges.list().data)
    _use_up_the_guesses(client)
    confirm = client.get("/courses/python-jumpstart/one-click?code=LAUNCH20")
    html = confirm.get_data(as_text=True)
    assert "Pay $69.00 now" in html and 'name="code"' not in html
    card_id = html.split('name="card_id" type="hidden" value="')[1].split('"')[0]
    response = client.post("/courses/python-jumpstart/one-click", data={
        "csrf_token": csrf_from(html), "card_id": card_id, "code": "LAUNCH20"},
        follow_redirects=True)
    assert TOO_MANY in response.get_data(as_text=True)
    assert len(stripe_sdk.v1.charges.list().data) == charges


def test_codes_that_do_not_apply_answer_like_unknown_ones(client, make_course,
                                                          make_coupon, app):
    """Expired, not started, deactivated, for another course: "is not valid", as for a
    code that does not exist; a code that applies keeps its own words."""
    from app.pricing import deactivate_coupon

    make_course()
    make_course(slug="other", title="Other")
    make_coupon("EXPIRED", percent=10, ends="2020-01-01")
    make_coupon("LATER", percent=10, starts="2999-01-01")
    make_coupon("OTHER", percent=10, courses="other")
    make_coupon("OFF", percent=10)
    with app.app_context():
        deactivate_coupon("OFF")
    for code in ("EXPIRED", "LATER", "OTHER", "OFF", "NOSUCH"):
        page = _guess(client, code)
        assert f"The code {code} is not valid." in page, code
        for words in ("has expired", "no longer valid", "not valid yet", "does not apply"):
            assert words not in page, (code, words)
    assert "Code OTHER applied" in client.get("/courses/other?code=other").get_data(
        as_text=True)
