"""Signing webhook bodies the way Stripe does (HMAC-SHA256 over 't.payload')."""

import hashlib
import hmac
import time

SECRET = "whsec_test_secret"  # TestConfig's STRIPE_WEBHOOK_SECRET


def signature_for(payload: bytes, secret=SECRET, timestamp=None):
    """A Stripe-Signature header value for `payload`."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
    return f"t={stamp},v1={mac.hexdigest()}"


def post_signed(client, payload: bytes, timestamp=None, **kwargs):
    """POST a body to the webhook endpoint with a valid signature."""
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": signature_for(payload, timestamp=timestamp),
                                "Content-Type": "application/json"}, **kwargs)
