"""Throttles under concurrency: many simultaneous requests against a real server thread.

Each throttle reserves an attempt atomically (one INSERT … ON CONFLICT DO UPDATE …
RETURNING) before the guarded work, so concurrency cannot overrun the limit.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from app.extensions import db
from app.models import Throttle
from tests.admin.conftest import ADMIN_EMAIL
from tests.helpers import csrf_from, new_tab

WRONG = "Wrong email or password."
LOCKED = "Too many failed sign-ins"


def _burst(count, prepare, fire):
    """prepare(i) for each request, then fire(state) all at once from `count` threads."""
    states = [prepare(i) for i in range(count)]
    barrier = threading.Barrier(count)

    def run(state):
        barrier.wait()
        return fire(state)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, states))


def test_concurrent_wrong_passwords_reach_the_check_exactly_limit_times(live_server, app,
                                                                         admin_account):
    """30 simultaneous wrong passwords: exactly LOGIN_MAX_FAILURES are checked; no 500."""
    limit = app.config["LOGIN_MAX_FAILURES"]

    def prepare(_):
        session = new_tab()
        token = csrf_from(session.get(f"{live_server}/admin/login", timeout=30).text)
        return session, token

    def fire(state):
        session, token = state
        return session.post(f"{live_server}/admin/login", timeout=60, data={
            "csrf_token": token, "email": ADMIN_EMAIL, "password": "not the password!"})

    responses = _burst(30, prepare, fire)
    assert sorted({r.status_code for r in responses}) == [401]
    checked = sum(WRONG in r.text for r in responses)
    refused = sum(LOCKED in r.text for r in responses)
    assert (checked, refused) == (limit, 30 - limit)
    with app.app_context():
        rows = {r.key: r.failures for r in db.session.scalars(select(Throttle))}
    assert rows == {f"email:{ADMIN_EMAIL}": limit, "ip:127.0.0.1": limit}


def test_concurrent_sign_ins_for_a_new_key_never_hit_a_unique_violation(live_server, app):
    """The first failure of a key inserts its row; 20 racing first failures are fine."""

    def prepare(i):
        session = new_tab()
        token = csrf_from(session.get(f"{live_server}/admin/login", timeout=30).text)
        return session, token, f"nobody{i % 2}@example.com"

    def fire(state):
        session, token, email = state
        return session.post(f"{live_server}/admin/login", timeout=60, data={
            "csrf_token": token, "email": email, "password": "whatever password"})

    responses = _burst(20, prepare, fire)
    assert {r.status_code for r in responses} == {401}
    assert sum(WRONG in r.text for r in responses) == app.config["LOGIN_MAX_FAILURES"]


def test_reserved_attempts_never_exceed_the_limit_around_real_stripe_calls(app, card_token):
    """The checkout's pattern: try_acquire before Stripe, fail() on a decline.

    40 threads each reserve, charge a declining card through the real SDK and the
    emulator, and confirm the failure: exactly `limit` reach Stripe.
    """
    from app import payments, throttle

    limit, window, keys = 10, 3600, ["checkout-ip:203.0.113.9"]
    tokens = [card_token("4000000000000002") for _ in range(40)]
    reached = []

    def attempt(token):
        with app.app_context():
            wait = throttle.try_acquire(keys, limit=limit, window=window)
            if wait:
                return wait
            try:
                payments.create_charge({"amount": 6900, "currency": "usd", "source": token,
                                        "description": "race"},
                                       idempotency_key=f"race-{token}")
            except payments.CardDeclined:
                reached.append(token)
                throttle.fail(keys, limit=limit, window=window)
            finally:
                db.session.remove()
            return 0

    barrier = threading.Barrier(40)

    def run(token):
        barrier.wait()
        return attempt(token)

    with ThreadPoolExecutor(max_workers=40) as pool:
        waits = list(pool.map(run, tokens))
    assert len(reached) == limit
    assert sum(1 for w in waits if w > 0) == 40 - limit
    assert all(0 < w <= window + 5 for w in waits if w)
    with app.app_context():
        assert throttle.seconds_locked(keys) > window - 60


def test_release_gives_an_attempt_back(app_ctx):
    """A reservation whose attempt did not fail is returned; a failure stays counted."""
    from app import throttle

    keys = ["k:release"]
    for _ in range(3):
        assert throttle.try_acquire(keys, limit=3, window=60) == 0
    assert throttle.try_acquire(keys, limit=3, window=60) > 0  # three in flight
    throttle.release(keys)
    assert throttle.try_acquire(keys, limit=3, window=60) == 0
    throttle.fail(keys, limit=3, window=60)
    assert throttle.seconds_locked(keys) > 0


def _declined_checkout_race(live_server, make_course, card_token, count):
    make_course()

    def prepare(i):
        session = new_tab()
        page = session.get(f"{live_server}/courses/python-jumpstart", timeout=30).text
        return session, csrf_from(page), card_token("4000000000000002"), i

    def fire(state):
        session, token, card, i = state
        return session.post(f"{live_server}/courses/python-jumpstart/checkout", timeout=60,
                            data={"csrf_token": token, "stripeToken": card,
                                  "stripeEmail": f"tester{i}@example.com"})

    return _burst(count, prepare, fire)


def test_concurrent_declined_cards_from_one_address_reach_stripe_at_most_limit_times(
    live_server, app, make_course, card_token, stripe_sdk, emulator_control
):
    """40 simultaneous declined cards from one address: at most 10 charges at Stripe."""
    responses = _declined_checkout_race(live_server, make_course, card_token, 40)
    assert all(r.status_code < 500 for r in responses)
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert len(charges) <= app.config["CHECKOUT_MAX_DECLINES"]
    assert sum("Too many declined payments" in r.text for r in responses) >= 30
