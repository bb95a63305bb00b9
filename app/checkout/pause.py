"""The card-testing pause as the course page shows it, and "contact us" with an address."""

import re

from flask import current_app

from app import card_testing


def pause_seconds(ip):
    """Seconds checkout from this address stays paused (0 when it is not)."""
    return card_testing.seconds_paused(ip)


def shown_pause_seconds(ip):
    """What a course page says of the pause: `pause_seconds`, read at most
    CATALOG_CACHE_SECONDS ago in this process (the checkout it leads to checks again)."""
    return card_testing.seconds_paused_shown(ip)


#: "…, or contact us if you need help." without an address to contact: the clause goes.
_CONTACT_CLAUSE = re.compile(r",? or contact us(?: if you need help)?")


def with_contact(message):
    """Point "contact us" in a buyer message at STORE_CONTACT_EMAIL when it is set; with
    no address the clause is left out (a buyer cannot contact nobody)."""
    email = current_app.config.get("STORE_CONTACT_EMAIL")
    if not message or "contact us" not in message:
        return message
    if not email:
        return _CONTACT_CLAUSE.sub("", message)
    return message.replace("contact us", f"contact us at {email}", 1)


def pause_message(seconds):
    """What the course page says while checkout from the buyer's address is paused."""
    minutes = max(1, round(seconds / 60))
    return with_contact(
        "Checkout is paused for your connection after several declined cards. Please try "
        f"again in {minutes} minute{'s' if minutes != 1 else ''}, or contact us."
    )
