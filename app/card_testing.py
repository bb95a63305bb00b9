"""The card-testing pause: many declined cards from one address (how stolen cards are
tested) pause checkout from it for a while (CHECKOUT_MAX_DECLINES within
CHECKOUT_DECLINE_WINDOW_SECONDS), before anything more reaches Stripe.

The token checkout reserves one attempt of the address before it calls Stripe and keeps
it only for a decline (`reserve`, then `declined` or `release`); flows whose declines
happen in the buyer's browser count them when Stripe reports them (`count_decline`).
"""

from flask import current_app

from app import throttle


def key(ip):
    """The throttle key an address's declined cards are counted under."""
    return f"checkout-ip:{ip or 'unknown'}"


def _limits():
    config = current_app.config
    return {"limit": config["CHECKOUT_MAX_DECLINES"],
            "window": config["CHECKOUT_DECLINE_WINDOW_SECONDS"]}


def reserve(ip):
    """Reserve one attempt for `ip`; 0, or the seconds its checkout stays paused."""
    return throttle.try_acquire([key(ip)], **_limits())


def declined(ip):
    """The reserved attempt was declined: it stays counted."""
    throttle.fail([key(ip)], **_limits())


def release(ip):
    """The reserved attempt was not declined (or never reached Stripe): give it back."""
    throttle.release([key(ip)])


def count_decline(ip):
    """A decline Stripe reported afterwards (no attempt was reserved for it), counted in
    the caller's transaction."""
    throttle.record_failure([key(ip)], **_limits(), commit=False)


def seconds_paused(ip):
    """Seconds checkout from this address stays paused (0 when it is not)."""
    return throttle.seconds_locked([key(ip)])
