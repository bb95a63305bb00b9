"""Coupon-code guessing: many codes that cannot be used, typed from one address (how a
private code is found by trying them), stop every code check from it for a while
(COUPON_MAX_WRONG_CODES within COUPON_WRONG_CODE_WINDOW_SECONDS), the right code's too.

Every place a typed code is priced goes through `checkout.services.price` (the course
page's `?code=` and Apply, the token checkout, the Payment Element's and hosted
Checkout's start, free enrolment, one click, the tax preview), which asks `refusal`
before it looks the code up and calls `wrong_code` when the code cannot be used. A code
that does not look like a code is never looked up and does not count; a code that can
be used costs one read.

Each wrong code is counted atomically before its answer is given (`app.throttle`
reservation, kept as a failure): at most the limit of "cannot be used" answers per
address per window, however many requests run at once. The address is the one the
card-testing pause counts (`request.remote_addr`, behind TRUST_PROXY_HOPS proxies).
"""

from flask import current_app

from app import throttle
from app.models._unique import commit_keeping

PREFIX = "code-ip:"


def key(ip):
    """The throttle key an address's wrong codes are counted under."""
    return f"{PREFIX}{ip or 'unknown'}"


def _limits():
    config = current_app.config
    return {"limit": config["COUPON_MAX_WRONG_CODES"],
            "window": config["COUPON_WRONG_CODE_WINDOW_SECONDS"]}


def message(wait):
    """What the buyer reads instead of anything about the code."""
    minutes = max(1, -(-int(wait) // 60))
    return ("Too many codes were tried from your connection; try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}.")


def refusal(ip):
    """The message refusing any code from `ip` now (locked, or its window full), or
    None when its codes may be checked."""
    wait = throttle.seconds_refused([key(ip)], **_limits())
    return message(wait) if wait else None


def wrong_code(ip):
    """Count a code from `ip` that cannot be used; the refusal message when the address
    had no wrong code left in its window (its answer must not be given), else None.
    Commits (without expiring what the session holds)."""
    keys = [key(ip)]
    wait = throttle.try_acquire(keys, **_limits(), commit=False)
    if not wait:
        throttle.fail(keys, **_limits(), commit=False)
    commit_keeping()
    return message(wait) if wait else None
