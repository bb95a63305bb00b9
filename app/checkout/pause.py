"""The card-testing pause as the course page shows it, and "contact us" with an address."""

from flask import current_app

from app import throttle
from app.checkout.services import decline_key


def pause_seconds(ip):
    """Seconds checkout from this address stays paused (0 when it is not)."""
    return throttle.seconds_locked([decline_key(ip)])


def with_contact(message):
    """Point "contact us" in a buyer message at STORE_CONTACT_EMAIL when it is set."""
    email = current_app.config.get("STORE_CONTACT_EMAIL")
    if not message or not email or "contact us" not in message:
        return message
    return message.replace("contact us", f"contact us at {email}", 1)


def pause_message(seconds):
    """What the course page says while checkout from the buyer's address is paused."""
    minutes = max(1, round(seconds / 60))
    return with_contact(
        "Checkout is paused for your connection after several declined cards. Please try "
        f"again in {minutes} minute{'s' if minutes != 1 else ''}, or contact us."
    )
