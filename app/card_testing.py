"""The card-testing pause: many declined cards from one address (how stolen cards are
tested) pause checkout from it for a while (CHECKOUT_MAX_DECLINES within
CHECKOUT_DECLINE_WINDOW_SECONDS), before anything more reaches Stripe.

The token checkout reserves one attempt of the address before it calls Stripe and keeps
it only for a decline (`reserve_now`, then `declined` or `release`), so concurrent
checkouts cannot send more than the limit of declines to Stripe. A checkout only waits
its turn (PATIENCE_SECONDS, in app/checkout/services.py) while the address's attempts in
flight fill the limit: buyers paying at the same moment from one address (an office, a
school, a proxy) are never refused for it; only declines pause an address. Flows whose
declines happen in the buyer's browser count them when Stripe reports them
(`count_decline`).
"""

import math
import time

from flask import current_app

from app import throttle
from app.models._time import utcnow

#: The longest a checkout waits for one of its address's attempts in flight to end.
PATIENCE_SECONDS = 15


PREFIX = "checkout-ip:"


def key(ip):
    """The throttle key an address's declined cards are counted under."""
    return f"{PREFIX}{ip or 'unknown'}"


def _limits():
    config = current_app.config
    return {"limit": config["CHECKOUT_MAX_DECLINES"],
            "window": config["CHECKOUT_DECLINE_WINDOW_SECONDS"]}


class Full(Exception):
    """The address's attempts in flight fill its limit right now (`wait`: seconds)."""

    def __init__(self, wait):
        super().__init__(wait)
        self.wait = wait


def reserve_now(ip):
    """Reserve one attempt for `ip` in the caller's transaction, committed with it (the
    order it places), or raise Full.

    The throttle row is the last row a placing transaction locks (after the order's
    insert): the answer to a payment locks the order, then gives the reservation back,
    so a transaction holding the throttle row must never wait for an order — the other
    order of locks is a deadlock under concurrent checkouts from one address.
    """
    wait = throttle.try_acquire([key(ip)], **_limits(), commit=False)
    if wait:
        raise Full(wait)


def declined(ip, *, commit=True):
    """The reserved attempt was declined: it stays counted."""
    throttle.fail([key(ip)], **_limits(), commit=commit)
    forget_shown_pauses()


def release(ip, *, commit=True):
    """The reserved attempt was not declined (or never reached Stripe): give it back."""
    throttle.release([key(ip)], commit=commit)


def count_decline(ip):
    """A decline Stripe reported afterwards (no attempt was reserved for it), counted in
    the caller's transaction."""
    throttle.record_failure([key(ip)], **_limits(), commit=False)
    forget_shown_pauses()


def seconds_paused(ip):
    """Seconds checkout from this address stays paused (0 when it is not)."""
    return throttle.seconds_locked([key(ip)])


# What pages show of the pause: the paused addresses, read once per CATALOG_CACHE_SECONDS
# per process (one statement for a launch's crowd instead of one per page view). A
# decline counted in this process forgets them at once; another process's shows within
# those seconds. Checkout itself never relies on this: it reserves an attempt atomically.
def forget_shown_pauses():
    current_app.extensions.pop("shown_pauses", None)


def seconds_paused_shown(ip):
    """`seconds_paused` as a page shows it: at most CATALOG_CACHE_SECONDS old."""
    seconds = current_app.config.get("CATALOG_CACHE_SECONDS", 0)
    if not seconds:
        return seconds_paused(ip)
    now = time.monotonic()
    hit = current_app.extensions.get("shown_pauses")  # (expires at, {key: locked until})
    if hit is None or hit[0] <= now:
        hit = (now + seconds, throttle.locks(PREFIX))
        current_app.extensions["shown_pauses"] = hit
    until = hit[1].get(key(ip))
    if until is None:
        return 0
    return max(0, math.ceil((until - utcnow()).total_seconds()))
