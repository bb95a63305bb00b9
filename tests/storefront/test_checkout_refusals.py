"""What a checkout refused before or by Stripe tells, and to whom: a card token posted
again for another email or course never shows its order or opens a session on its
account, and counts against the address like a decline; so does a made-up token; an
address paused for them is not told which emails bought a course; failed orders are not
listed under My account."""

from app.models import OrderStatus
from tests.helpers import sign_in_by_link
from tests.storefront.conftest import csrf_token

VICTIM = "kate@example.com"


def _charges(stripe_sdk):
    return stripe_sdk.v1.charges.list(params={"limit": 100}).data


def test_a_token_posted_again_for_another_email_shows_nothing_and_charges_nothing(
        app, make_course, card_token, checkout, orders, stripe_sdk):
    make_course()
    make_course(slug="sql", title="SQL for Analysts", price="49.00")
    before = len(_charges(stripe_sdk))
    token = card_token()
    paid = checkout("sql", token, email=VICTIM)
    receipt = paid.headers["Location"]
    [order] = orders()
    stranger = app.test_client()
    for slug, email in (("python-jumpstart", "mallory@example.com"),
                        ("sql", "mallory@example.com"), ("python-jumpstart", VICTIM)):
        response = stranger.post(f"/courses/{slug}/checkout", data={
            "csrf_token": csrf_token(stranger, slug), "stripeToken": token,
            "stripeEmail": email})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/courses/{slug}#checkout", (slug, email)
        page = stranger.get(response.headers["Location"]).get_data(as_text=True)
        assert "already used for another payment" in page
        assert order.reference not in page and order.public_id not in page
        if email != VICTIM:  # (the form keeps what the stranger typed)
            assert VICTIM not in page
    account = stranger.get("/account", follow_redirects=True).get_data(as_text=True)
    assert VICTIM not in account  # no session was opened on the victim's account
    assert order.reference not in account
    [order] = orders()
    assert order.email == VICTIM and order.status == OrderStatus.PAID
    assert len(_charges(stripe_sdk)) == before + 1
    # The same email and course again (a double click, a resubmit): the same receipt.
    again = checkout("sql", token, email=VICTIM)
    assert again.headers["Location"] == receipt


def test_made_up_tokens_count_like_declines_and_pause_the_address(
        app, make_course, checkout, orders, stripe_sdk, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKOUT_MAX_DECLINES", 3)
    make_course()
    before = len(_charges(stripe_sdk))
    for i in range(3):
        response = checkout("python-jumpstart", f"tok_madeup{i}", email=f"x{i}@example.com",
                            follow=True)
        html = response.get_data(as_text=True)
        assert "could not use the card details your browser sent" in html
        assert "have not been charged" in html
    assert [o.status for o in orders()] == [OrderStatus.FAILED] * 3
    response = checkout("python-jumpstart", "tok_madeup9", email="y@example.com",
                        follow=True)
    assert "Too many declined payments" in response.get_data(as_text=True)
    assert len(orders()) == 3  # the paused address placed nothing more
    assert len(_charges(stripe_sdk)) == before


def test_a_paused_address_is_not_told_which_emails_bought(
        app, make_course, card_token, checkout, orders, monkeypatch):
    """"An order for this course with this email was already paid" needs no valid card:
    an address paused by its made-up tokens or declines is told only that it is paused."""
    monkeypatch.setitem(app.config, "CHECKOUT_MAX_DECLINES", 2)
    make_course()
    checkout("python-jumpstart", card_token(), email=VICTIM)
    html = checkout("python-jumpstart", "tok_madeup", email=VICTIM,
                    follow=True).get_data(as_text=True)
    assert "was already paid" in html
    for i in range(2):
        checkout("python-jumpstart", f"tok_madeup{i}", email=f"x{i}@example.com")
    html = checkout("python-jumpstart", "tok_madeup", email=VICTIM,
                    follow=True).get_data(as_text=True)
    assert "Too many declined payments" in html
    assert "was already paid" not in html
    assert sorted(o.status for o in orders()) == sorted(
        [OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.FAILED])


def test_a_token_of_another_order_counts_against_the_address(
        app, make_course, card_token, checkout, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKOUT_MAX_DECLINES", 2)
    make_course()
    token = card_token()
    checkout("python-jumpstart", token, email=VICTIM)
    for i in range(2):
        html = checkout("python-jumpstart", token, email=f"m{i}@example.com",
                        follow=True).get_data(as_text=True)
        assert "already used for another payment" in html
    html = checkout("python-jumpstart", card_token(), email="new@example.com",
                    follow=True).get_data(as_text=True)
    assert "Too many declined payments" in html


def test_my_account_lists_no_failed_order(app, client, make_course, card_token, checkout,
                                          orders):
    make_course()
    make_course(slug="sql", title="SQL for Analysts", price="49.00")
    checkout("sql", "tok_madeup", email=VICTIM)
    checkout("python-jumpstart", card_token(), email=VICTIM)
    failed, paid = sorted(orders(), key=lambda o: o.id)
    assert failed.status == OrderStatus.FAILED and paid.status == OrderStatus.PAID
    sign_in_by_link(client, app, VICTIM)
    html = client.get("/account").get_data(as_text=True)
    assert paid.reference in html
    assert failed.reference not in html
