"""One configured StripeClient per app, built from config (never global stripe.api_key)."""

import stripe
from flask import current_app

_EXT_KEY = "stripe_client"


def build_client(config):
    """Create a StripeClient for the keys, endpoint, timeout and retries in `config`."""
    base = config.get("STRIPE_API_BASE") or None
    addresses = {"api": base} if base else None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"] or "sk_missing",
        base_addresses=addresses,
        max_network_retries=config.get("STRIPE_MAX_NETWORK_RETRIES", 2),
        http_client=stripe.RequestsClient(timeout=config.get("STRIPE_TIMEOUT", 30)),
    )


def get_client():
    """The app's StripeClient, created on first use."""
    client = current_app.extensions.get(_EXT_KEY)
    if client is None:
        client = build_client(current_app.config)
        current_app.extensions[_EXT_KEY] = client
    return client
