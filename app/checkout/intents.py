"""The Payment Element checkout (PAYMENT_FLOW=payment_intents): the page asks for the
order's PaymentIntent when the buyer presses Pay, confirms it with Stripe.js, and comes
back to the order's return page, where the server reads the intent itself.

The same rules as the token checkout: the price from the database (the pricing step),
one open order per buyer and course, the request committed before the call under the
order's key, who may save a card, the card-testing pause (declines are counted when
Stripe reports them, against the address that started the payment).
"""

import logging
from dataclasses import dataclass

from app import flows, orders
from app.checkout import services
from app.checkout.pause import pause_message, pause_seconds
from app.extensions import db
from app.models import Order, OrderStatus

log = logging.getLogger(__name__)

#: How many of its orders a browser session remembers (it may go back to their intents).
OWNED_MAX = 10
NOT_STARTED = ("We could not start your payment (order {reference}) and you have not been "
               "charged. Please try again in a moment.")


@dataclass
class IntentStart:
    """What the page gets: the order and its intent's client secret, or why not (and the
    HTTP status that says so)."""

    order: Order | None = None
    client_secret: str | None = None
    message: str | None = None
    status: int = 200


def remember(owned, order):
    """The browser session's list of its orders, with `order` added (newest last)."""
    return [pid for pid in (owned or []) if pid != order.public_id][-(OWNED_MAX - 1):] + [
        order.public_id]


def start(*, course, email, ip, save_card, signed_in, owned):
    """Give the page the client secret of the order's one PaymentIntent: the browser's
    own pending order's, or a new order's. `owned` lists the public ids of the orders
    this browser session started."""
    email = email.strip().lower()
    paused = pause_seconds(ip)
    if paused:
        return IntentStart(message=pause_message(paused), status=429)
    open_order = orders.open_order_for(course.id, email)
    if open_order is not None and open_order.status == OrderStatus.PENDING:
        attempt = open_order.payment
        mine = open_order.public_id in (owned or [])
        if mine and attempt.flow == "payment_intents":
            secret = flows.get(attempt.flow).client_secret(attempt)
            if secret:
                return IntentStart(open_order, secret)
        elif attempt.live:
            # Another browser (or a lost answer) holds the buyer's one open order: free it
            # when nothing can be moving money on it, or settle it.
            flows.for_attempt(attempt).release(attempt)
        open_order = orders.open_order_for(course.id, email)
    if open_order is not None:
        return IntentStart(message=services.already_open_message(open_order), status=409)
    save_for = None
    if save_card and services.may_save_card(email, signed_in):
        save_for = services.ensure_buyer(email)
        db.session.commit()
    order, created = services.place_pending(
        course, email, flow="payment_intents", ip=ip, save_for=save_for,
        find_existing=lambda: orders.open_order_for(course.id, email))
    if order is None or not created:
        return IntentStart(message=services.NOT_STARTED if order is None
                           else services.already_open_message(order), status=409)
    started = flows.for_attempt(order.payment).start(order.payment)
    secret = (started.next_step or {}).get("client_secret")
    if started.error is not None or not secret:
        log.warning("Order %s: no PaymentIntent yet (%s)", order.reference,
                    getattr(started.error, "detail", ""))
        return IntentStart(order, message=NOT_STARTED.format(reference=order.reference),
                           status=503)
    return IntentStart(order, secret)


def on_return(order):
    """The buyer is back from Stripe.js (or its redirect): read the intent and record it.
    Returns the message the course page shows when the buyer must try another card, or
    None when the receipt is the next page."""
    attempt = order.payment
    if attempt is None or attempt.flow not in flows.INTENT_FLOWS:
        return None
    flows.for_attempt(attempt).look_up(attempt)  # once per return: not rate-limited
    if order.status == OrderStatus.PENDING and attempt.failure_message and attempt.live:
        return attempt.failure_message
    return None
