"""PAYMENT_FLOW=payment_intents raced against the store under gunicorn (the shipped
config, three worker processes), on the suite's database (SQLite, or PostgreSQL with
TEST_DATABASE_URL): a double click or tabs of one browser asking for the course's
PaymentIntent at once make one order and one intent; the return page, the webhook
delivered twice at once and "Check again now" racing after the buyer paid fulfil the
order once (one access grant, one confirmation email). One server for the module."""

from functools import partial

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Access, AccessEvent, OrderStatus, OutboxMessage, PaymentAttempt
from tests.helpers import confirm_intent, csrf_from
from tests.races.browser_tabs import count_rows, deliver, event, order_of, tabs
from tests.server_process import all_at_once, serve

EMAIL = "racer@example.com"
ROUNDS = 3  # a race lost by luck in one round is found in another


@pytest.fixture(scope="module")
def server(app, emulator, tmp_path_factory):
    yield from serve(app, emulator, tmp_path_factory.mktemp("intent-races"),
                     PAYMENT_FLOW="payment_intents")


def _ask_for_intent(server, slug, tab):
    session, csrf = tab
    return lambda: session.post(f"{server.url}/courses/{slug}/payment-intent",
                                data={"csrf_token": csrf, "email": EMAIL},
                                headers={"Accept": "application/json"}, timeout=90)


def test_double_click_and_tabs_make_one_order_and_one_intent(
        server, app, make_course, emulator_control, stripe_sdk):
    slugs = [f"intent-race-{n}" for n in range(ROUNDS)]
    for slug in slugs:
        make_course(slug=slug, title=slug.title())
    emulator_control.set_latency(ms=300)  # every create is in flight together
    try:
        for slug in slugs:
            opened = tabs(server, slug, 6)
            answers = all_at_once([_ask_for_intent(server, slug, tab) for tab in opened])
            codes = sorted({a.status_code for a in answers})
            assert set(codes) <= {200, 409}, (codes, server.log())
            secrets = {a.json()["client_secret"] for a in answers if a.status_code == 200}
            assert len(secrets) == 1, [a.json() for a in answers]
            order = order_of(app, slug)
            assert order.status == OrderStatus.PENDING
            assert count_rows(app, PaymentAttempt, order_id=order.id) == 1
            intents = stripe_sdk.v1.payment_intents.search(params={
                "query": f"metadata['order_id']:'{order.reference}'"}).data
            assert [i.id for i in intents] == [order.payment_intent_id]
            assert secrets == {intents[0].client_secret}
    finally:
        emulator_control.set_latency(ms=0)
    assert len(stripe_sdk.v1.payment_intents.list(params={"limit": 100}).data) == ROUNDS


def test_return_page_webhooks_and_check_again_fulfil_once(
        server, app, make_course, emulator, emulator_control, stripe_sdk):
    slugs = [f"settle-race-{n}" for n in range(ROUNDS)]
    for slug in slugs:
        make_course(slug=slug, title=slug.title())
    for n, slug in enumerate(slugs):
        [(browser, csrf)] = tabs(server, slug, 1)
        answer = _ask_for_intent(server, slug, (browser, csrf))()
        assert answer.status_code == 200, server.log()
        secret = answer.json()["client_secret"]
        status, paid = confirm_intent(emulator.url, secret)  # Stripe.js, in the browser
        assert (status, paid["status"]) == (200, "succeeded")
        order = order_of(app, slug)
        assert order.status == OrderStatus.PENDING  # nobody has told the store yet
        intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id).to_dict()
        succeeded = event(f"evt_race_{n}", "payment_intent.succeeded", intent)
        receipt = browser.get(f"{server.url}/orders/{order.public_id}", timeout=30)
        check_csrf = csrf_from(receipt.text) if 'data-testid="check-again"' in receipt.text \
            else csrf
        results = all_at_once([
            partial(browser.get, answer.json()["return_url"], allow_redirects=False,
                    timeout=90),
            deliver(server, succeeded),
            deliver(server, succeeded),  # Stripe delivering the same event twice
            partial(browser.post, f"{server.url}/orders/{order.public_id}/check",
                    data={"csrf_token": check_csrf}, allow_redirects=False, timeout=90),
        ])
        assert [r.status_code for r in results] == [302, 200, 200, 302], server.log()
        assert results[0].headers["Location"] == f"/orders/{order.public_id}"
        paid_order = order_of(app, slug)
        assert paid_order.status == OrderStatus.PAID
        assert paid_order.charge_id == intent["latest_charge"]
        assert count_rows(app, Access, order_id=order.id) == 1
        assert count_rows(app, AccessEvent, dedupe_key=f"order-paid:{order.id}") == 1
        assert count_rows(app, OutboxMessage, order_id=order.id, kind="order_confirmation") == 1
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert [c.status for c in charges] == ["succeeded"] * ROUNDS


def test_a_decline_delivered_twice_at_once_counts_once(server, app, make_course, emulator,
                                                       emulator_control, stripe_sdk):
    """payment_intent.payment_failed delivered twice at the same moment (one event id) to
    two workers: the card-testing pause counts one decline, and the order stays payable."""
    from app.models import Throttle

    make_course(slug="decline-race", title="Decline Race")
    [tab] = tabs(server, "decline-race", 1)
    answer = _ask_for_intent(server, "decline-race", tab)()
    assert answer.status_code == 200, server.log()
    status, _ = confirm_intent(emulator.url, answer.json()["client_secret"],
                               "pm_card_chargeDeclined")
    assert status == 402
    order = order_of(app, "decline-race")
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id).to_dict()
    failed = event("evt_declined_once", "payment_intent.payment_failed", intent)
    results = all_at_once([deliver(server, failed) for _ in range(4)])
    assert {r.status_code for r in results} == {200}, server.log()
    with app.app_context():
        [row] = db.session.scalars(select(Throttle).where(
            Throttle.key.like("checkout-ip:%"))).all()
        assert row.failures == 1
    declined = order_of(app, "decline-race")
    assert declined.status == OrderStatus.PENDING
    assert declined.payment.decline_code == "generic_decline"
