"""One configured StripeClient per app, built from config (never global stripe.api_key)."""

import contextvars

import stripe
from flask import current_app

_EXT_KEY = "stripe_client"

#: The read timeout of the attempt in progress (set by calls.call for each attempt).
_attempt_timeout = contextvars.ContextVar("stripe_attempt_timeout", default=None)


class BudgetedRequestsClient(stripe.RequestsClient):
    """`requests` transport whose timeout is that of the current attempt, if one is set."""

    @property
    def _timeout(self):
        return _attempt_timeout.get() or self._default_timeout

    @_timeout.setter
    def _timeout(self, value):
        self._default_timeout = value


def with_timeout(seconds, send):
    """Run `send()` with the transport's timeout set to `seconds`."""
    token = _attempt_timeout.set(seconds)
    try:
        return send()
    finally:
        _attempt_timeout.reset(token)


def build_client(config):
    """Create a StripeClient for the keys, endpoint and timeout in `config`.

    The SDK does not retry by itself: `app.payments.calls.call` retries under one time
    budget and knows which attempts may have reached Stripe.
    """
    base = config.get("STRIPE_API_BASE") or None
    addresses = {"api": base} if base else None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"] or "sk_missing",
        base_addresses=addresses,
        max_network_retries=0,
        http_client=BudgetedRequestsClient(timeout=config.get("STRIPE_TIMEOUT", 30)),
    )


def get_client():
    """The app's StripeClient, created on first use."""
    client = current_app.extensions.get(_EXT_KEY)
    if client is None:
        client = build_client(current_app.config)
        current_app.extensions[_EXT_KEY] = client
    return client
