"""Sign-in requests and the account page's data."""

import math
import secrets
from dataclasses import dataclass

from flask import current_app

from app import throttle
from app.access import consume
from app.access import services as access
from app.account.session import sign_in_with_link
from app.extensions import db
from app.mail import enqueue


@dataclass
class LinkRequest:
    """Outcome of asking for a sign-in link: answered (the same words whether a link was
    sent or not), or wait (too many requests from the address)."""

    wait_seconds: int = 0
    #: Whether a link was queued (never shown: the page says the same either way).
    sent: bool = False

    @property
    def wait_minutes(self):
        return max(1, math.ceil(self.wait_seconds / 60))


def _keys(email, ip):
    return [f"sign-in-email:{email}", f"sign-in-ip:{ip or 'unknown'}"]


def request_link(*, email, ip):
    """Queue a sign-in link for `email`, asked from the address `ip`.

    Two limits, each within SIGN_IN_WINDOW_SECONDS. Requests per address
    (SIGN_IN_MAX_PER_IP) are refused beyond it, with a wait: that is the asker's own
    doing. Links sent per email (SIGN_IN_MAX_PER_EMAIL) stop being sent beyond it, so an
    inbox is not flooded, but the answer stays the same: a per-email refusal would let
    anyone, from anywhere, lock the owner out of their own sign-in. Known or unknown
    email, capped or not, the work and the answer are the same: the page says the link
    is on its way, and the buyer is created when it is used.
    """
    email = access.normalise_email(email)
    config = current_app.config
    email_key, ip_key = _keys(email, ip)
    # Each request from the address, and each link sent to the email, is an attempt that
    # stays counted (never released); reserving it is atomic, so concurrent requests
    # cannot send more links than the limits allow.
    window = config["SIGN_IN_WINDOW_SECONDS"]
    wait = throttle.try_acquire([ip_key], limit=config["SIGN_IN_MAX_PER_IP"], window=window)
    if wait:
        return LinkRequest(wait_seconds=wait)
    if throttle.try_acquire([email_key], limit=config["SIGN_IN_MAX_PER_EMAIL"],
                            window=window):
        return LinkRequest(sent=False)  # enough links are on their way to this inbox
    enqueue(kind="sign_in", to=email, subject=f"Your sign-in link for {config['STORE_NAME']}",
            dedupe_key=f"sign-in:{email}:{secrets.token_hex(8)}",
            context={"target": "/account"})
    db.session.commit()
    return LinkRequest(sent=True)


def use_link(signed):
    """Consume a link: the buyer (created on first sign-in) and where to go, or None."""
    token = consume(signed)
    if token is None:
        return None, None
    buyer = access.ensure_buyer(token.email)
    sign_in_with_link(buyer)
    db.session.commit()
    return buyer, token.target


def courses_for(visit):
    """The active access rows this buyer session may use, by course title."""
    return sorted(visit.access_rows(), key=lambda row: row.course.title.lower())
