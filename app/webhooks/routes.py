"""The webhook endpoint: verify, dedupe, handle."""

import logging

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from app.extensions import csrf
from app.payments import (
    PaymentUnavailable,
    WebhookPayloadError,
    WebhookVerificationError,
    verify_event,
)
from app.webhooks import bp
from app.webhooks.services import handle_event

log = logging.getLogger(__name__)

#: Stripe's events are a few kilobytes; anything far larger is not from Stripe.
MAX_BODY_BYTES = 1024 * 1024


@bp.errorhandler(HTTPException)
def _json_error(error):
    """Stripe (and whoever debugs a delivery) gets JSON, never an HTML page."""
    message = "payload too large" if error.code == 413 else error.description
    return jsonify(error=message), error.code


@bp.post("/stripe")
@csrf.exempt
def stripe_event():
    """Receive one Stripe event: 400 on a bad signature or payload, 200 once stored."""
    request.max_content_length = MAX_BODY_BYTES
    try:
        event = verify_event(
            request.get_data(),
            request.headers.get("Stripe-Signature", ""),
            current_app.config.get("STRIPE_WEBHOOK_SECRET"),
        )
    except WebhookVerificationError as exc:
        log.warning("Rejected webhook: %s", exc)
        return jsonify(error="invalid signature"), 400
    except WebhookPayloadError as exc:
        log.warning("Rejected signed webhook: %s", exc)
        return jsonify(error=str(exc)), 400
    try:
        result = handle_event(event)
    except PaymentUnavailable as exc:
        # Stripe had to be asked about the event's charge and did not answer: nothing was
        # stored, and Stripe delivers the event again later.
        log.warning("Webhook %s deferred: Stripe unavailable (%s)", event.get("id"),
                    exc.detail)
        return jsonify(error="Stripe could not be reached; deliver again later."), 503
    return jsonify(received=True, result=result), 200
