"""Payments the buyer completes in the browser after the server has started them: the
Payment Element (PAYMENT_FLOW=payment_intents: the page gets its order's PaymentIntent and
confirms it with Stripe.js) and hosted Checkout (PAYMENT_FLOW=checkout: the buyer is sent
to the order's Checkout Session on Stripe's page). Either way the buyer comes back to the
order's return page, where the server reads what Stripe says itself.

The same rules as the token checkout: the price from the database (the pricing step,
with the coupon and Stripe Tax's tax for the declared country: `services.charged_price`),
one open order per buyer and course, the request committed before the call under the
order's key, who may save a card, the card-testing pause (declines are counted when
Stripe reports them, against the address that started the payment).
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass

from flask import current_app

from app import flows, orders, payments
from app.checkout import services, start_limit
from app.checkout.pause import pause_message, pause_seconds
from app.extensions import db
from app.models import Order, OrderStatus, RequestState
from app.models._unique import commit_keeping

log = logging.getLogger(__name__)

#: How many of its orders a browser session remembers (it may go back to their payments).
OWNED_MAX = 10
#: Stripe could not say where the buyer's open payment stands (it is not started again).
UNAVAILABLE = ("We could not reach our payment provider just now. Please try again in a "
               "moment: you will not be charged twice.")
NOT_STARTED = ("We could not start your payment (order {reference}) and you have not been "
               "charged. Please try again in a moment.")


@dataclass
class BrowserStart:
    """What the page gets: the order and what its browser does next (a client secret, a
    Checkout page's URL), or why not and the HTTP status that says so."""

    order: Order | None = None
    next_step: dict | None = None
    message: str | None = None
    status: int = 200
    #: The form field the message is about ("code"), if any.
    field: str | None = None


def remember(owned, order):
    """The browser session's list of its orders, with `order` added (newest last)."""
    return [pid for pid in (owned or []) if pid != order.public_id][-(OWNED_MAX - 1):] + [
        order.public_id]


def browser_key(csrf_secret):
    """A keyed hash of the browser session's CSRF secret (None without one): what the
    order keeps of the browser that started it. A double click or two tabs send their
    POSTs with the same cookie, and the answer the browser keeps may be the one that did
    not start the order, whose cookie lacks it: the order is still this browser's (the
    same CSRF secret), not another browser's. The secret itself is never stored."""
    if not isinstance(csrf_secret, str) or not csrf_secret:
        return None
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"browser-order:" + csrf_secret.encode(),
                    hashlib.sha256).hexdigest()


def started_here(order, owned, browser):
    """Whether `order` was started by this browser: in its session's list, or by the
    same browser session (its key)."""
    return order.public_id in (owned or []) or bool(
        browser and order.browser_key and hmac.compare_digest(order.browser_key, browser))


def under_way_elsewhere_message():
    """What a browser is told when another browser holds the email's waiting payment of
    the course and this one has not shown it owns the email."""
    return ("A payment for this course with this email is already under way in another "
            "window or on another device. Finish it there, or sign in with this email "
            "(My account sends you a link) to pay here instead. You have not been charged.")


def _own_open_order(course, email, *, flow, owned, quote, consent=None, signed_in=None,
                    browser=None):
    """The buyer's open order of the course after giving this browser its own pending
    one back (as a BrowserStart), or freeing one another browser left waiting.

    This browser's pending order is given back only at the price the page now shows: a
    code applied (or removed) since releases it, so that the buyer pays what they see.
    A waiting payment is freed (its intent cancelled, its session expired) only for the
    browser that started it or a buyer signed in with the email: knowing an email is not
    enough to cancel its owner's payment while they type their card.
    """
    open_order = orders.open_order_for(course.id, email)
    if open_order is None or open_order.status != OrderStatus.PENDING:
        return open_order, None
    attempt = open_order.payment
    mine = started_here(open_order, owned, browser)
    same_price = (open_order.amount, open_order.coupon_code) == (quote.amount, quote.code)
    if mine and attempt.flow == flow and same_price:
        next_step = flows.get(flow).resume(attempt)
        if next_step:
            orders.checkout_answered_again(open_order, consent)  # this try's answer
            db.session.commit()
            return open_order, BrowserStart(open_order, next_step)
    elif not mine and (signed_in is None or signed_in.email != email):
        return open_order, BrowserStart(message=under_way_elsewhere_message(), status=409)
    elif attempt.live:
        # The buyer's other browser (or a lost answer, or another price) holds the one
        # open order: free it when nothing can be moving money on it, or settle it.
        flows.for_attempt(attempt).release(attempt)
    return orders.open_order_for(course.id, email), None


def start(*, flow, course, email, ip, save_card, signed_in, owned, code=None,
          consent=None, policies=None, state=None, vat=None, browser=None):
    """Start (or go back to) the browser payment of `course` by `flow` for `email`, at
    the price of the coupon `code` if given. `owned` lists the public ids of the orders
    this browser session started; `browser` is its `browser_key`."""
    email = email.strip().lower()
    paused = pause_seconds(ip)
    if paused:
        return BrowserStart(message=pause_message(paused), status=429)
    quote, refused = services.charged_price(  # hosted Checkout: automatic_tax instead
        course, code, email, getattr(consent, "country", None), state, ip=ip,
        tax=flow != "checkout", vat=vat)
    if refused is not None:  # a code that cannot be used, or Stripe Tax did not answer
        if refused.refused_by == "tax":
            return BrowserStart(message=refused.message, status=503)
        return BrowserStart(message=refused.message, status=400, field="code")
    if quote.free:  # nothing to pay: the buyer enrols on the course page instead
        return BrowserStart(message="With this code the course is free: press Apply, "
                                    "then Enrol.", status=400, field="code")
    try:
        open_order, resumed = _own_open_order(course, email, flow=flow, owned=owned,
                                              quote=quote, consent=consent,
                                              signed_in=signed_in, browser=browser)
    except payments.PaymentError as exc:  # reading the open order's payment failed
        log.warning("Could not read the open payment of %s for %s: %s", email,
                    course.slug, exc.detail)
        return BrowserStart(message=UNAVAILABLE, status=503)
    if resumed is not None:
        return resumed
    if open_order is not None:  # this browser's own is remembered again (a double click)
        return BrowserStart(open_order if started_here(open_order, owned, browser)
                            else None, message=services.already_open_message(open_order),
                            status=409)
    inputs = {}
    if save_card and services.may_save_card(email, signed_in):
        inputs["save_for"] = signed_in
    elif flow == "checkout" and signed_in is not None and signed_in.email == email:
        inputs["customer"] = signed_in.customer_id(services.livemode())
    try:
        order, created = services.place_pending(
            course, email, flow=flow, ip=ip, quote=quote, consent=consent,
            policies=policies, browser_key=browser, **inputs,
            find_existing=lambda: orders.open_order_for(course.id, email),
            before_commit=lambda: start_limit.count_now(ip))  # new orders only
    except orders.CodeRefused as refused:
        return BrowserStart(message=refused.message, status=409, field="code")
    except start_limit.Full as full:  # rolled back: nothing placed
        log.warning("Browser payment from %s refused: %s starts within the window", ip,
                    current_app.config["BROWSER_PAYMENT_MAX_STARTS"])
        return BrowserStart(message=start_limit.refused_message(full.wait), status=429)
    if order is None or not created:
        return BrowserStart(order if order is not None and started_here(
            order, owned, browser) else None, message=services.NOT_STARTED
            if order is None else services.already_open_message(order), status=409)
    started = flows.for_attempt(order.payment).start(order.payment)
    commit_keeping()
    if started.error is not None or not started.next_step:
        log.warning("Order %s: its payment could not start (%s)", order.reference,
                    getattr(started.error, "detail", ""))
        return BrowserStart(order, message=NOT_STARTED.format(reference=order.reference),
                            status=503)
    return BrowserStart(order, started.next_step)


def on_return(order):
    """The buyer is back from Stripe.js or Stripe's page: read the payment and record it.
    Returns the message the course page shows when the buyer must try another card, or
    None when the receipt is the next page."""
    attempt = order.payment
    if attempt is None or flows.for_attempt(attempt).resume is flows.PaymentFlow.resume:
        return None  # not a flow paid in the browser
    # Read back at once on the first return; at most once a second per attempt after
    # (each visit of this public GET was a Stripe call: a stranger reloading it could
    # spend the store's Stripe rate limit, and every buyer's checkout with it).
    flows.look_up(attempt, interval=flows.RETURN_INTERVAL, expire=False)
    services.record_tax_if_paid(services.CheckoutOutcome(order))  # else the worker's pass
    if order.status == OrderStatus.PENDING and attempt.failure_message and attempt.live \
            and attempt.request_state == RequestState.ANSWERED:
        return attempt.failure_message  # the bank's words about the card
    return None  # (an unanswered request's message is Stripe's error text: the log's)


def on_cancel(order):
    """The buyer left Stripe's page by its back link: read the payment as on return (it
    may have gone through in another tab, or before a Back). True when nothing was
    charged, so the buyer can pay again; False when the receipt is the next page."""
    on_return(order)
    return order.status in (OrderStatus.PENDING, OrderStatus.FAILED)
