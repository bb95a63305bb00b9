"""Races tried as races: many concurrent requests against the store served by gunicorn
(the shipped gunicorn.conf.py, several worker processes), on the suite's database."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from app.models import OrderStatus
from tests.helpers import csrf_from, new_tab


def _browser_session(server, slug):
    """A buyer's tab: its own cookies and the CSRF token of the course page."""
    session = new_tab()
    page = session.get(f"{server.url}/courses/{slug}", timeout=30)
    assert page.status_code == 200
    return session, csrf_from(page.text)


def _post_all_at_once(server, slug, tabs, tokens, email):
    barrier = threading.Barrier(len(tabs))

    def post(i):
        session, csrf = tabs[i]
        barrier.wait()
        return session.post(f"{server.url}/courses/{slug}/checkout", allow_redirects=False,
                            timeout=90, data={"csrf_token": csrf, "stripeToken": tokens[i],
                                              "stripeEmail": email})

    with ThreadPoolExecutor(len(tabs)) as pool:
        return list(pool.map(post, range(len(tabs))))


def test_fifty_tabs_with_fifty_tokens_charge_once(store_server, make_course, card_token,
                                                  emulator_control, stripe_sdk, orders):
    """50 concurrent checkouts for one course and email, each with its own new token:
    exactly one charge at Stripe and one paid order; nobody gets a 5xx. Four rounds (four
    courses), since a race lost by luck in one round is found in another."""
    server = store_server(workers=3)
    rounds = [f"race-{n}" for n in range(4)]
    for slug in rounds:
        make_course(slug=slug, title=f"Race {slug}")
    for slug in rounds:
        tabs = [_browser_session(server, slug) for _ in range(50)]
        tokens = [card_token() for _ in range(50)]
        responses = _post_all_at_once(server, slug, tabs, tokens, "Two.Tabs@example.com")
        assert sorted({r.status_code for r in responses}) == [302], server.log()
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert [c.status for c in charges] == ["succeeded"] * len(rounds)
    assert sorted(c.metadata.to_dict()["course"] for c in charges) == rounds
    paid = orders()
    assert [o.status for o in paid] == [OrderStatus.PAID] * len(rounds)
    assert {o.email for o in paid} == {"two.tabs@example.com"}
    assert {o.charge_id for o in paid} == {c.id for c in charges}


def test_slow_stripe_never_kills_a_worker(store_server, make_course, card_token,
                                          emulator_control, orders, stripe_sdk):
    """Stripe slower than the worker timeout: the checkout gives up within its budget and
    shows the 'confirming' page; the worker survives; the charge is recorded later."""
    make_course()
    server = store_server(workers=2, WORKER_TIMEOUT=12, STRIPE_REQUEST_BUDGET=2,
                          STRIPE_TIMEOUT=30, STRIPE_MAX_NETWORK_RETRIES=3)
    session, csrf = _browser_session(server, "python-jumpstart")
    token = card_token()
    emulator_control.set_latency(ms=15_000)
    try:
        started = time.monotonic()
        response = session.post(f"{server.url}/courses/python-jumpstart/checkout",
                                data={"csrf_token": csrf, "stripeToken": token,
                                      "stripeEmail": "slow@example.com"}, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        emulator_control.set_latency(ms=0)
    assert response.status_code == 200, server.log()
    assert elapsed < 10, elapsed
    assert "We are confirming your payment" in response.text
    assert "Please do not pay again" in response.text
    assert "WORKER TIMEOUT" not in server.log()
    [order] = orders()
    assert order.status == OrderStatus.PENDING
    # Once the slow request has finished at Stripe, the buyer's next look settles it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and orders()[0].status == OrderStatus.PENDING:
        time.sleep(1)
        session.get(response.url, timeout=30)
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert len(stripe_sdk.v1.charges.list(params={"limit": 10}).data) == 1
