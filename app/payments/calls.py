"""Calling Stripe within a time budget, retrying safely under one idempotency key.

The SDK's own retries are off (see client.py): this loop retries instead, so that

* all Stripe calls made while serving one request share one deadline
  (`STRIPE_REQUEST_BUDGET` seconds), which is kept below the server's worker timeout —
  a slow Stripe gives the buyer a clear "not confirmed yet" page, never a killed worker;
* the caller learns whether any attempt may have been performed by Stripe
  (`PaymentError.uncertain`): a 429 after an attempt that timed out does not prove that
  nothing was charged.

Retries happen on connection errors, timeouts, 409 (lock or idempotency key in use) and
5xx, as stripe-python's own retry rules do; every attempt carries the same idempotency key,
so Stripe performs the request at most once.
"""

import random
import time

import stripe
from flask import current_app, g, has_request_context

from app.payments.errors import PaymentUnavailable, translate

#: First backoff in seconds (doubled per attempt, capped at 2 s, with jitter).
BACKOFF = 0.5


def _deadline():
    """The monotonic time by which Stripe calls of this request (or command) must end."""
    budget = current_app.config["STRIPE_REQUEST_BUDGET"]
    if not has_request_context():
        return time.monotonic() + budget
    if "stripe_deadline" not in g:
        g.stripe_deadline = time.monotonic() + budget
    return g.stripe_deadline


def limit_time(seconds):
    """Let the Stripe calls of the current request take at most `seconds` more."""
    if has_request_context():
        g.stripe_deadline = min(_deadline(), time.monotonic() + seconds)


def _retryable(exc):
    if isinstance(exc, stripe.APIConnectionError):
        return True
    status = getattr(exc, "http_status", None)
    return status == 409 or (status is not None and status >= 500 and not _replayed(exc))


def _replayed(exc):
    headers = getattr(exc, "headers", None) or {}
    return str(headers.get("Idempotent-Replayed", "")).lower() == "true"


def call(send, *, retries=None, in_progress_waits=0):
    """Run `send(timeout)` (one SDK call) until it answers for sure or time runs out.

    Returns what `send` returns; raises a PaymentError whose `uncertain` says whether an
    earlier attempt may have reached Stripe, and `replayed` whether the final answer was
    Stripe's stored answer to an earlier attempt. `in_progress_waits` more tries are
    made when Stripe answers that another request with the same key is still running
    (409 `idempotency_key_in_use`), whatever `retries` allows.
    """
    config = current_app.config
    for before in current_app.extensions.get("before_stripe_call", ()):
        before()  # the app's: no database connection held while Stripe answers
    deadline = _deadline()
    max_retries = config["STRIPE_MAX_NETWORK_RETRIES"] if retries is None else retries
    per_attempt = config["STRIPE_TIMEOUT"]
    uncertain = False
    attempt = waited = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0.2:
            raise PaymentUnavailable("Time budget for Stripe calls used up before a call.",
                                     uncertain=uncertain)
        try:
            return send(min(per_attempt, remaining))
        except stripe.StripeError as exc:
            error = translate(exc)
            error.uncertain = uncertain or error.uncertain
            error.replayed = _replayed(exc)
            waiting = getattr(error, "in_progress", False) and waited < in_progress_waits
            if not waiting and (not _retryable(exc) or attempt >= max_retries):
                raise error from exc
            uncertain = uncertain or error.uncertain
        if waiting:  # for the other request with our key: not a retry of ours
            waited += 1
            pause = min(BACKOFF * 2 ** (waited - 1), 2.0) * random.uniform(0.5, 1.0)
        else:
            attempt += 1
            pause = min(BACKOFF * 2 ** (attempt - 1), 2.0) * random.uniform(0.5, 1.0)
        if time.monotonic() + pause >= deadline - 0.2:
            raise error
        time.sleep(pause)
