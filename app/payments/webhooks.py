"""Verifying Stripe's webhook signatures."""

import stripe


class WebhookVerificationError(Exception):
    """The payload or its Stripe-Signature header is not valid."""


def verify_event(payload, signature, secret):
    """Return the verified event as a plain dict, or raise WebhookVerificationError."""
    if not secret:
        raise WebhookVerificationError("STRIPE_WEBHOOK_SECRET is not configured.")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except ValueError as exc:
        raise WebhookVerificationError("Invalid JSON payload.") from exc
    except stripe.SignatureVerificationError as exc:
        raise WebhookVerificationError(str(exc.user_message or exc)) from exc
    return event.to_dict()
