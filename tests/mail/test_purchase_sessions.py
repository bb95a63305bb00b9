"""Pre-account takeover (issue 15): a stranger who pays with someone else's email holds a
session that sees only what it paid for, loses it at the owner's first link sign-in, and
never reaches the saved card. Each step of the attack, through the real pages."""

import re

import pytest
from sqlalchemy import select, update

from app.catalog.lessons import add_lesson
from app.catalog.services import get_course
from app.extensions import db
from app.models import Buyer, Order
from tests.helpers import backfill_saved_cards, csrf_from, sign_in_by_link

VICTIM = "victim@example.com"
CARD_ID_RE = re.compile(r"card_[A-Za-z0-9]+")


@pytest.fixture
def courses(app, make_course):
    """Courses A, B and C, each with a lesson whose body names it."""
    for slug in ("course-a", "course-b", "course-c"):
        make_course(slug=slug, title=slug.replace("-", " ").title())
        with app.app_context():
            add_lesson(get_course(slug), title="One", body=f"BODY-OF-{slug}")
            db.session.commit()


def _lesson_opens(web, slug):
    response = web.get(f"/courses/{slug}/lessons/1")
    assert response.status_code in (200, 403)
    return response.status_code == 200 and f"BODY-OF-{slug}" in response.text


def _buyer(app, email=VICTIM):
    with app.app_context():
        buyer = db.session.scalar(select(Buyer).where(Buyer.email == email))
        db.session.expunge(buyer)
        return buyer


def _give_the_buyer_a_saved_card(app, stripe_sdk, email=VICTIM):
    """A customer with a card, as a buyer saved before saving needed a link sign-in."""
    customer = stripe_sdk.v1.customers.create(params={"email": email, "source": "tok_visa"})
    with app.app_context():
        db.session.execute(update(Buyer).where(Buyer.email == email)
                           .values(stripe_customer_id_test=customer.id))
        db.session.commit()
    backfill_saved_cards(app)  # saved before the store kept cards
    return customer


@pytest.fixture
def stranger(app, courses, buy_course):
    """A browser that paid for course A with the victim's email (never used before)."""
    web = app.test_client()
    order = buy_course(email=VICTIM, slug="course-a", web=web)
    web.order = order
    return web


def test_paying_opens_a_session_that_sees_its_order_and_course(stranger):
    """Step 1: the browser that paid is signed in for what it paid for, and says so."""
    account = stranger.get("/account")
    assert account.status_code == 200
    assert stranger.order.reference in account.text and "Course A" in account.text
    assert 'data-testid="purchase-session"' in account.text
    assert "Email me a sign-in link" in account.text
    assert _lesson_opens(stranger, "course-a")
    assert "You have this course" in stranger.get("/courses/course-a").text


def test_orders_and_access_added_later_stay_hidden_from_it(app, stranger, buy_course,
                                                           admin_client):
    """Step 2 (before any link): the owner buys course B on their own browser and an admin
    grants course C; the stranger's session sees neither."""
    owner = app.test_client()
    order_b = buy_course(email=VICTIM, slug="course-b", web=owner)
    assert owner.get("/account").status_code == 302  # the account held more: no session
    buyer = _buyer(app)
    page = admin_client.get(f"/admin/buyers/{buyer.id}")
    course_c = next(c for c in re.findall(r'<option value="(\d+)">Course C', page.text))
    granted = admin_client.post(f"/admin/buyers/{buyer.id}/access", data={
        "csrf_token": csrf_from(page.text), "course_id": course_c, "reason": "support"})
    assert granted.status_code == 302
    account = stranger.get("/account").text
    assert stranger.order.reference in account and "Course A" in account
    assert order_b.reference not in account
    assert "Course B" not in account and "Course C" not in account
    assert _lesson_opens(stranger, "course-a")
    assert not _lesson_opens(stranger, "course-b")
    assert not _lesson_opens(stranger, "course-c")
    assert "You have this course" not in stranger.get("/courses/course-b").text


def test_the_owners_first_link_sign_in_ends_every_session_opened_by_paying(
        app, stranger, admin_client, buy_course):
    """Step 2: the owner signs in with an emailed link; the stranger's session (and every
    copy of its cookie) is dead, and paying again no longer signs anyone in."""
    copy = app.test_client()
    copy.set_cookie("session", stranger.get_cookie("session").value)
    assert copy.get("/account").status_code == 200
    owner = app.test_client()
    sign_in_by_link(owner, app, VICTIM)
    assert _buyer(app).email_proven_at is not None
    for web in (stranger, copy):
        assert web.get("/account").status_code == 302
        assert not _lesson_opens(web, "course-a")
    account = owner.get("/account").text
    assert stranger.order.reference in account and "purchase-session" not in account
    assert _lesson_opens(owner, "course-a")
    late = app.test_client()  # a new stranger paying now gets no session
    buy_course(email=VICTIM, slug="course-c", web=late)
    assert late.get("/account").status_code == 302
    page = admin_client.get(f"/admin/buyers/{_buyer(app).id}").text
    assert "email proven by a sign-in link" in page


def test_a_session_opened_by_paying_never_sees_or_uses_the_saved_card(
        emulator_control, app, stranger, stripe_sdk, card_token, orders):
    """Step 3: with a card on the account (saved under the old rule, email never proven),
    the stranger sees no card, gets no one-click button, cannot confirm one click, remove
    the card or save another; each refusal says to sign in with the emailed link."""
    customer = _give_the_buyer_a_saved_card(app, stripe_sdk)
    [card] = stripe_sdk.v1.customers.payment_sources.list(customer.id).data
    account = stranger.get("/account").text
    assert "•••• 4242" not in account
    assert 'data-testid="saved-card"' not in account and card.id not in account
    assert "one-click-button" not in stranger.get("/courses/course-b").text
    confirm = stranger.get("/courses/course-b/one-click", follow_redirects=True)
    assert confirm.request.path == "/account/sign-in"
    assert "signed in with the link we email you" in confirm.text
    assert f'value="{VICTIM}"' in confirm.text  # the sign-in form is prefilled
    token = csrf_from(stranger.get("/account").text)
    posted = stranger.post("/courses/course-b/one-click", follow_redirects=True,
                           data={"csrf_token": token, "card_id": card.id})
    assert posted.request.path == "/account/sign-in"
    removed = stranger.post("/account/saved-card/remove", follow_redirects=True,
                            data={"csrf_token": token, "card_id": card.id, "confirm": "y"})
    assert removed.request.path == "/account/sign-in"
    assert len(stripe_sdk.v1.customers.payment_sources.list(customer.id).data) == 1
    page = stranger.get("/courses/course-b").text
    assert 'id="save-card"' not in page and 'data-testid="save-card-sign-in"' in page
    saved = stranger.post("/courses/course-b/checkout", follow_redirects=True, data={
        "csrf_token": csrf_from(page), "stripeToken": card_token("5555555555554444"),
        "stripeEmail": VICTIM, "save_card": "y"})
    assert "Your card was not saved" in saved.text
    assert len(stripe_sdk.v1.customers.payment_sources.list(customer.id).data) == 1
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert [c.customer for c in charges] == [None, None]  # two token charges, no card used
    assert not any(order.payment.saved_card for order in orders())


def test_the_owner_signed_in_by_link_sees_everything(emulator_control, app, stranger,
                                                     stripe_sdk, buy_course):
    """The same account through a link: every order, every course, the saved card."""
    order_b = buy_course(email=VICTIM, slug="course-b", web=app.test_client())
    _give_the_buyer_a_saved_card(app, stripe_sdk)
    owner = app.test_client()
    sign_in_by_link(owner, app, VICTIM)
    account = owner.get("/account").text
    assert stranger.order.reference in account and order_b.reference in account
    assert 'data-testid="saved-card"' in account and "Visa •••• 4242" in account
    assert _lesson_opens(owner, "course-a") and _lesson_opens(owner, "course-b")
    assert "one-click-button" in owner.get("/courses/course-c").text


def test_more_purchases_in_the_same_browser_join_its_session(app, stranger, buy_course):
    """A purchase session sees every order it paid for in that browser, and only those."""
    order_c = buy_course(email=VICTIM, slug="course-c", web=stranger)
    buy_course(email=VICTIM, slug="course-b", web=app.test_client())  # another browser's
    account = stranger.get("/account").text
    assert stranger.order.reference in account and order_c.reference in account
    assert "Course B" not in account
    assert _lesson_opens(stranger, "course-c") and not _lesson_opens(stranger, "course-b")


def test_buying_a_gift_keeps_the_browser_signed_in_as_its_owner(app, courses, buy_course):
    """A browser signed in as Ada that pays for Bob's course stays Ada's."""
    web = app.test_client()
    sign_in_by_link(web, app, "ada@example.com")
    buy_course(email="bob@example.com", slug="course-a", web=web)
    account = web.get("/account").text
    assert "ada@example.com" in account and "bob@example.com" not in account
    assert not _lesson_opens(web, "course-a")  # Bob's course


@pytest.mark.parametrize("cookie", [
    {},  # a cookie from before proofs existed (made by paying or by a link: unknown)
    {"buyer_proof": "Link"}, {"buyer_proof": []}, {"buyer_proof": ["1"]},
    {"buyer_proof": [1.0]}, {"buyer_proof": list(range(1, 50))}, {"buyer_proof": None},
    {"buyer_proof": {"link": True}},
])
def test_a_session_without_a_valid_proof_signs_nobody_in(app, stranger, cookie):
    """Only the two proofs the store writes count; anything else is not signed in."""
    buyer = _buyer(app)
    with stranger.session_transaction() as session:
        session.pop("buyer_proof", None)
        session.update(buyer_id=buyer.id, buyer_sv=buyer.session_version, **cookie)
    assert stranger.get("/account").status_code == 302
    assert not _lesson_opens(stranger, "course-a")


def test_a_purchase_session_cannot_claim_an_order_it_did_not_pay(app, stranger, buy_course):
    """The order ids live in the signed cookie: editing them breaks the signature."""
    order_b = buy_course(email=VICTIM, slug="course-b", web=app.test_client())
    cookie = stranger.get_cookie("session").value
    forged = app.test_client()
    body, _, signature = cookie.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged.set_cookie("session", f"{body}.{flipped}")
    assert forged.get("/account").status_code == 302
    with app.app_context():
        assert db.session.get(Order, order_b.id) is not None


def test_signing_out_a_purchase_session_ends_it_everywhere(app, stranger):
    copy = app.test_client()
    copy.set_cookie("session", stranger.get_cookie("session").value)
    token = csrf_from(stranger.get("/account").text)
    assert stranger.post("/account/sign-out", data={"csrf_token": token}).status_code == 302
    assert stranger.get("/account").status_code == 302
    assert copy.get("/account").status_code == 302


def test_saving_a_card_needs_a_link_sign_in(app, courses, stripe_sdk, card_token, client,
                                           emulator_control):
    """No session, or one opened by paying: the box is replaced by a sign-in hint and a
    posted `save_card` saves nothing; signed in with a link, the card is saved."""
    page = client.get("/courses/course-a").text
    assert 'id="save-card"' not in page and 'data-testid="save-card-sign-in"' in page
    response = client.post("/courses/course-a/checkout", follow_redirects=True, data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(), "stripeEmail": VICTIM,
        "save_card": "y"})
    assert "Your card was not saved" in response.text and "link we email you" in response.text
    assert stripe_sdk.v1.customers.list(params={"email": VICTIM}).data == []
    assert _buyer(app).stripe_customer_id_test is None
    sign_in_by_link(client, app, VICTIM)
    page = client.get("/courses/course-b").text
    assert 'id="save-card"' in page
    response = client.post("/courses/course-b/checkout", follow_redirects=True, data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(), "stripeEmail": VICTIM,
        "save_card": "y"})
    assert "Your card was not saved" not in response.text
    [customer] = stripe_sdk.v1.customers.list(params={"email": VICTIM}).data
    assert _buyer(app).stripe_customer_id_test == customer.id
