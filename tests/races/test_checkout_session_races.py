"""PAYMENT_FLOW=checkout raced against the store under gunicorn (three worker processes),
on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL): tabs of one
browser pressing "Continue to payment" at once make one order and one Checkout Session,
and one of them is sent to its page; after the buyer paid on Stripe's page, the success
page and checkout.session.completed delivered twice at once fulfil the order once. One
server for the module."""

import json
import time
from functools import partial

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db
from app.models import Access, AccessEvent, Order, OrderStatus, OutboxMessage, PaymentAttempt
from tests.hardening.signing import signature_for
from tests.helpers import csrf_from, pay_hosted_page
from tests.server_process import all_at_once, serve

EMAIL = "hosted-racer@example.com"
ROUNDS = 4  # a race lost by luck in one round is found in another


@pytest.fixture(scope="module")
def server(app, emulator, tmp_path_factory):
    yield from serve(app, emulator, tmp_path_factory.mktemp("session-races"),
                     PAYMENT_FLOW="checkout")


def _tabs(server, slug, count):
    """`count` tabs of one browser (its cookies), each with the course page's form."""
    browser = requests.Session()
    tabs = []
    for _ in range(count):
        tab = requests.Session()
        tab.cookies.update(browser.cookies)
        page = tab.get(f"{server.url}/courses/{slug}", timeout=30)
        assert page.status_code == 200, server.log()
        browser.cookies.update(tab.cookies)
        tabs.append((tab, csrf_from(page.text)))
    return tabs


def _continue(server, slug, tab):
    session, csrf = tab
    return partial(session.post, f"{server.url}/courses/{slug}/checkout-session",
                   data={"csrf_token": csrf, "email": EMAIL}, allow_redirects=False,
                   timeout=90)


def _rows(app, model, **where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def _order_of(app, slug):
    with app.app_context():
        [order] = db.session.scalars(select(Order).where(Order.course.has(slug=slug))).all()
        db.session.expunge(order)
        return order


def _sessions_of(stripe_sdk, reference):
    listed = stripe_sdk.v1.checkout.sessions.list(params={"limit": 100}).data
    return [s for s in listed if s.client_reference_id == reference]


def test_tabs_pressing_continue_at_once_make_one_session(
        server, app, make_course, emulator, emulator_control, stripe_sdk):
    slugs = [f"session-race-{n}" for n in range(ROUNDS)]
    for slug in slugs:
        make_course(slug=slug, title=slug.title())
    emulator_control.set_latency(ms=300)  # every create is in flight together
    try:
        for slug in slugs:
            tabs = _tabs(server, slug, 6)
            answers = all_at_once([_continue(server, slug, tab) for tab in tabs])
            assert {a.status_code for a in answers} <= {302, 303}, server.log()
            to_stripe = [a.headers["Location"] for a in answers if a.status_code == 303]
            assert len(to_stripe) == 1, [a.headers.get("Location") for a in answers]
            order = _order_of(app, slug)
            assert order.status == OrderStatus.PENDING
            assert _rows(app, PaymentAttempt, order_id=order.id) == 1
            [session] = _sessions_of(stripe_sdk, order.reference)
            assert (session.id, session.status) == (order.payment.checkout_session_id,
                                                    "open")
            assert to_stripe == [session.url]
    finally:
        emulator_control.set_latency(ms=0)
    assert len(stripe_sdk.v1.checkout.sessions.list(params={"limit": 100}).data) == ROUNDS


def _deliver(server, body):
    return partial(requests.post, f"{server.url}/webhooks/stripe", data=body, timeout=90,
                   headers={"Stripe-Signature": signature_for(body),
                            "Content-Type": "application/json"})


def test_the_success_page_and_completed_webhooks_fulfil_once(
        server, app, make_course, emulator_control, stripe_sdk):
    slugs = [f"completed-race-{n}" for n in range(ROUNDS)]
    for slug in slugs:
        make_course(slug=slug, title=slug.title())
    for n, slug in enumerate(slugs):
        [tab] = _tabs(server, slug, 1)
        to_stripe = _continue(server, slug, tab)()
        assert to_stripe.status_code == 303, server.log()
        paid = pay_hosted_page(to_stripe.headers["Location"], email=EMAIL)
        assert paid.status_code == 303
        success = paid.headers["Location"]
        order = _order_of(app, slug)
        assert order.status == OrderStatus.PENDING  # nobody has told the store yet
        session = stripe_sdk.v1.checkout.sessions.retrieve(
            order.payment.checkout_session_id).to_dict()
        completed = json.dumps({
            "id": f"evt_completed_{n}", "object": "event",
            "type": "checkout.session.completed", "created": int(time.time()),
            "livemode": False, "data": {"object": session}}).encode()
        browser = tab[0]
        results = all_at_once([
            partial(browser.get, success, allow_redirects=False, timeout=90),
            _deliver(server, completed),
            _deliver(server, completed),  # Stripe delivering the same event twice
        ])
        assert [r.status_code for r in results] == [302, 200, 200], server.log()
        assert results[0].headers["Location"] == f"/orders/{order.public_id}"
        paid_order = _order_of(app, slug)
        assert paid_order.status == OrderStatus.PAID
        assert paid_order.payment_intent_id == session["payment_intent"]
        intent = stripe_sdk.v1.payment_intents.retrieve(session["payment_intent"])
        assert paid_order.charge_id == intent.latest_charge
        assert _rows(app, Access, order_id=order.id) == 1
        assert _rows(app, AccessEvent, dedupe_key=f"order-paid:{order.id}") == 1
        assert _rows(app, OutboxMessage, order_id=order.id, kind="order_confirmation") == 1
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert [c.status for c in charges] == ["succeeded"] * ROUNDS
