"""The card-testing pause: many declined cards from one address (how stolen cards are
tested) pause checkout from it for a while (CHECKOUT_MAX_DECLINES within
CHECKOUT_DECLINE_WINDOW_SECONDS), before anything more reaches Stripe.

The token checkout reserves one attempt of the address before it calls Stripe and keeps
it only for a decline (`reserve`, then `declined` or `release`), so concurrent
checkouts cannot send more than the limit of declines to Stripe. A reservation only
waits its turn while the address's attempts in flight fill the limit: buyers paying at
the same moment from one address (an office, a school, a proxy) are never refused for
it; only declines pause an address. Flows whose declines happen in the buyer's browser
count them when Stripe reports them (`count_decline`).
"""

import time

from flask import current_app

from app import throttle
from app.extensions import db

#: The longest a checkout waits for one of its address's attempts in flight to end.
PATIENCE_SECONDS = 15


def key(ip):
    """The throttle key an address's declined cards are counted under."""
    return f"checkout-ip:{ip or 'unknown'}"


def _limits():
    config = current_app.config
    return {"limit": config["CHECKOUT_MAX_DECLINES"],
            "window": config["CHECKOUT_DECLINE_WINDOW_SECONDS"]}


def reserve(ip, *, commit=True):
    """Reserve one attempt for `ip`; 0, or the seconds its checkout stays paused.

    While the address is not paused but its attempts in flight fill the limit, this
    waits (without holding a transaction) until one of them ends, for at most
    PATIENCE_SECONDS. With `commit=False` the reservation is committed with the
    caller's transaction (the order it places).
    """
    deadline = time.monotonic() + PATIENCE_SECONDS
    pause = 0.05
    while True:
        wait = throttle.try_acquire([key(ip)], **_limits(), commit=commit)
        if not wait:
            return 0
        paused = seconds_paused(ip)
        if paused or time.monotonic() + pause > deadline:
            return paused or wait
        db.session.rollback()  # hold nothing while the others finish
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def declined(ip, *, commit=True):
    """The reserved attempt was declined: it stays counted."""
    throttle.fail([key(ip)], **_limits(), commit=commit)


def release(ip, *, commit=True):
    """The reserved attempt was not declined (or never reached Stripe): give it back."""
    throttle.release([key(ip)], commit=commit)


def count_decline(ip):
    """A decline Stripe reported afterwards (no attempt was reserved for it), counted in
    the caller's transaction."""
    throttle.record_failure([key(ip)], **_limits(), commit=False)


def seconds_paused(ip):
    """Seconds checkout from this address stays paused (0 when it is not)."""
    return throttle.seconds_locked([key(ip)])
