"""Evidence of where the buyer is, before the payment (TAX_MODE on, the token checkout).

VAT is owed where the buyer is, shown by two pieces of evidence that do not contradict
each other (Regulation (EU) 282/2011 art. 24b and 24f): here the country the buyer
declares and the issuing country of the card, read from its token before anything is
charged. When they disagree, nothing is placed or charged: the buyer is asked to confirm
the country (the course page again, with "I live in …" to tick) and pays again; the
order then records the mismatch for the admin (`orders.consent.note_card_country`).
If Stripe cannot say the card's country just now, the checkout goes on (the charge
brings the card's country, and the mismatch is flagged then).
"""

import logging

from flask import current_app

from app import payments
from app.countries import country_name

log = logging.getLogger(__name__)


def confirmation_needed(token, declared, confirmed=None):
    """What the buyer is asked when the card's country contradicts `declared` (and the
    buyer has not confirmed `declared` yet), else None."""
    if current_app.config.get("TAX_MODE", "off") == "off" or not declared or not token:
        return None
    if confirmed and confirmed.strip().upper() == declared:
        return None
    try:
        card = payments.token_card_country(token)
    except payments.PaymentError as error:
        log.warning("Card country of %s unknown before the charge: %s", token, error)
        return None
    if card is None or card == declared:
        return None
    return (f"Your card was issued in {country_name(card)}, but you chose "
            f"{country_name(declared)} as the country you live in, which decides the tax. "
            f"Nothing was charged. Check the country below: tick \"I live in "
            f"{country_name(declared)}\" if it is right, or choose another, then pay again.")
