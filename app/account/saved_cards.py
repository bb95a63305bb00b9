"""The signed-in buyer's saved card, as the store keeps it (`app.cards`): showing it on a
page reads only the database; Stripe is called when the buyer removes it (or pays with
it, `app.checkout`)."""

import logging

from flask import current_app

from app import cards, payments
from app.extensions import db

log = logging.getLogger(__name__)

NOT_SAVED = "That card is no longer saved on your account."
NOT_REMOVED = ("We could not remove your card right now: our payment provider did not "
               "answer. Your card is still saved; please try again in a moment.")


def _livemode():
    return not payments.is_test_mode(current_app.config)


def customer_id_of(buyer):
    """The buyer's Stripe customer id in the configured mode, or None."""
    if buyer is None:
        return None
    return buyer.customer_id(_livemode())


def saved_card(buyer):
    """The buyer's saved card that one click charges (a StoredCard), or None; no Stripe
    call."""
    if buyer is None:
        return None
    return cards.current(buyer, livemode=_livemode())


def remove_card(buyer, card_id):
    """Delete the buyer's saved card at Stripe, then its row; returns an error message or
    None. If Stripe does not answer (or refuses), the card stays saved and shown."""
    row = cards.owned(buyer, card_id, livemode=_livemode())
    if row is None:
        return NOT_SAVED
    try:
        payments.delete_card(row.customer_id, row.card_id)
    except payments.PaymentError as exc:
        log.warning("Could not delete card %s of customer %s: %s", row.card_id,
                    row.customer_id, exc.detail[:200])
        return NOT_REMOVED
    cards.mark_removed(row)
    db.session.commit()
    return None
