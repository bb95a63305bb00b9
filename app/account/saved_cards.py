"""The signed-in buyer's saved card, read from Stripe (the store keeps only the customer id).

Reading it is a nicety on a page: with a short time budget, and any failure just hides the
one-click button (the normal card form is always there).
"""

import logging

from flask import current_app

from app import payments

log = logging.getLogger(__name__)

#: How long a page waits for Stripe to say what the saved card is.
LOOKUP_SECONDS = 2


def customer_id_of(buyer):
    """The buyer's Stripe customer id in the configured mode, or None."""
    if buyer is None:
        return None
    return buyer.customer_id(not payments.is_test_mode(current_app.config))


def saved_card(buyer):
    """The buyer's default saved card (a payments.SavedCard), or None."""
    customer_id = customer_id_of(buyer)
    if not customer_id:
        return None
    payments.limit_time(LOOKUP_SECONDS)
    try:
        return payments.default_card(customer_id)
    except payments.PaymentError as exc:
        log.warning("Could not read the saved card of customer %s: %s", customer_id,
                    exc.detail[:200])
        return None


def remove_card(buyer, card_id):
    """Delete the buyer's saved card at Stripe; returns an error message or None."""
    customer_id = customer_id_of(buyer)
    if not customer_id:
        return "You have no saved card."
    try:
        payments.delete_card(customer_id, card_id)
    except payments.PaymentError as exc:
        log.warning("Could not delete card %s of customer %s: %s", card_id, customer_id,
                    exc.detail[:200])
        return "We could not remove your card right now. Please try again in a moment."
    return None
