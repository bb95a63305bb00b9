"""PAYMENT_FLOW=checkout raced against the store under gunicorn (three worker processes),
on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL): tabs of one
browser pressing "Continue to payment" at once make one order and one Checkout Session,
and one of them is sent to its page; after the buyer paid on Stripe's page, the success
page and checkout.session.completed delivered twice at once fulfil the order once. One
server for the module."""

from functools import partial

import pytest

from app.models import Access, AccessEvent, OrderStatus, OutboxMessage, PaymentAttempt
from tests.helpers import pay_hosted_page
from tests.races.browser_tabs import count_rows, deliver, event, order_of, tabs
from tests.server_process import all_at_once, serve

EMAIL = "hosted-racer@example.com"
ROUNDS = 4  # a race lost by luck in one round is found in another


@pytest.fixture(scope="module")
def server(app, emulator, tmp_path_factory):
    yield from serve(app, emulator, tmp_path_factory.mktemp("session-races"),
                     PAYMENT_FLOW="checkout")


def _continue(server, slug, tab):
    session, csrf = tab
    return partial(session.post, f"{server.url}/courses/{slug}/checkout-session",
                   data={"csrf_token": csrf, "email": EMAIL}, allow_redirects=False,
                   timeout=90)


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
            opened = tabs(server, slug, 6)
            answers = all_at_once([_continue(server, slug, tab) for tab in opened])
            assert {a.status_code for a in answers} <= {302, 303}, server.log()
            to_stripe = [a.headers["Location"] for a in answers if a.status_code == 303]
            assert len(to_stripe) == 1, [a.headers.get("Location") for a in answers]
            order = order_of(app, slug)
            assert order.status == OrderStatus.PENDING
            assert count_rows(app, PaymentAttempt, order_id=order.id) == 1
            [session] = _sessions_of(stripe_sdk, order.reference)
            assert (session.id, session.status) == (order.payment.checkout_session_id,
                                                    "open")
            assert to_stripe == [session.url]
    finally:
        emulator_control.set_latency(ms=0)
    assert len(stripe_sdk.v1.checkout.sessions.list(params={"limit": 100}).data) == ROUNDS


def test_the_success_page_and_completed_webhooks_fulfil_once(
        server, app, make_course, emulator_control, stripe_sdk):
    slugs = [f"completed-race-{n}" for n in range(ROUNDS)]
    for slug in slugs:
        make_course(slug=slug, title=slug.title())
    for n, slug in enumerate(slugs):
        [tab] = tabs(server, slug, 1)
        to_stripe = _continue(server, slug, tab)()
        assert to_stripe.status_code == 303, server.log()
        paid = pay_hosted_page(to_stripe.headers["Location"], email=EMAIL)
        assert paid.status_code == 303
        success = paid.headers["Location"]
        order = order_of(app, slug)
        assert order.status == OrderStatus.PENDING  # nobody has told the store yet
        session = stripe_sdk.v1.checkout.sessions.retrieve(
            order.payment.checkout_session_id).to_dict()
        completed = event(f"evt_completed_{n}", "checkout.session.completed", session)
        browser = tab[0]
        results = all_at_once([
            partial(browser.get, success, allow_redirects=False, timeout=90),
            deliver(server, completed),
            deliver(server, completed),  # Stripe delivering the same event twice
        ])
        assert [r.status_code for r in results] == [302, 200, 200], server.log()
        assert results[0].headers["Location"] == f"/orders/{order.public_id}"
        paid_order = order_of(app, slug)
        assert paid_order.status == OrderStatus.PAID
        assert paid_order.payment_intent_id == session["payment_intent"]
        intent = stripe_sdk.v1.payment_intents.retrieve(session["payment_intent"])
        assert paid_order.charge_id == intent.latest_charge
        assert count_rows(app, Access, order_id=order.id) == 1
        assert count_rows(app, AccessEvent, dedupe_key=f"order-paid:{order.id}") == 1
        assert count_rows(app, OutboxMessage, order_id=order.id, kind="order_confirmation") == 1
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert [c.status for c in charges] == ["succeeded"] * ROUNDS
