"""How many browser payments one address may start: PAYMENT_INTENT and Checkout Session
starts (PAYMENT_FLOW=payment_intents, checkout) create an order and a Stripe object each,
before any card is given, so one address typing made-up emails could otherwise fill the
database and spend the store's Stripe rate limit (every buyer's checkout with it).

Only starts that place a new order count (a double click, a second press of this
browser's order, a race lost to another tab count nothing): at most
BROWSER_PAYMENT_MAX_STARTS per BROWSER_PAYMENT_START_WINDOW_SECONDS per address, taken in
the placing transaction itself (the throttle row is the last row it locks, as the
card-testing reservation's is), so concurrent starts cannot pass it together.
"""

from flask import current_app

from app import throttle

REFUSED = ("Too many payments were started from your connection in the last few minutes, "
           "so this one was not started and you have not been charged. Please try again "
           "in {minutes} minute{s}.")


class Full(Exception):
    """The address has started its limit of payments in the window (`wait`: seconds)."""

    def __init__(self, wait):
        super().__init__(wait)
        self.wait = wait


def key(ip):
    return f"browser-start:{ip}"


def count_now(ip):
    """Count one start of `ip` in the caller's transaction, or raise Full (the caller
    rolls back: nothing is placed). Without an address nothing is counted."""
    if not ip:
        return
    config = current_app.config
    wait = throttle.try_acquire([key(ip)], limit=config["BROWSER_PAYMENT_MAX_STARTS"],
                                window=config["BROWSER_PAYMENT_START_WINDOW_SECONDS"],
                                commit=False)
    if wait:
        raise Full(wait)


def refused_message(wait):
    minutes = max(1, -(-int(wait) // 60))
    return REFUSED.format(minutes=minutes, s="" if minutes == 1 else "s")
