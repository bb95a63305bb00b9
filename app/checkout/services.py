"""Placing an order: write it, charge it once, settle it."""

import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app import payments, throttle
from app.access.services import ensure_buyer
from app.extensions import db
from app.models import Order, OrderStatus
from app.models._unique import commit_new_or_existing
from app.models.order import new_reference
from app.orders import customer_step
from app.orders.actions import open_order_for
from app.orders.settlement import send_charge_request, settle_pending

log = logging.getLogger(__name__)


@dataclass
class CheckoutOutcome:
    """What the buyer should see: the order (None if none was placed) and a message."""

    order: Order | None
    message: str | None = None

    @property
    def retry_on_course_page(self):
        """Nothing was charged and the buyer should try again from the course page."""
        return self.order is None or (
            self.message is not None and self.order.status == OrderStatus.FAILED
        )


def _order_for_token(token):
    return db.session.scalar(select(Order).where(Order.stripe_token == token))


def _new_order(course, email, **fields):
    public_id = secrets.token_urlsafe(18)
    return Order(
        public_id=public_id,
        reference=new_reference(),
        course_id=course.id,
        course_title=course.title,
        email=email,
        amount=course.price_minor,
        currency=course.currency,
        status=OrderStatus.PENDING,
        idempotency_key=f"order-{public_id}-charge",
        **fields,
    )


def _charge_fields(order, course):
    """The charge parameters every order shares, whatever pays it."""
    store = current_app.config["STORE_NAME"]
    return {
        "amount": order.amount,
        "currency": order.currency,
        "description": f"{course.title} — {store}",
        "metadata": {"order_id": order.reference, "course": course.slug},
        "receipt_email": order.email,
    }


def _create_pending_order(course, email, token, *, save_for=None):
    """Commit a pending order before Stripe is called.

    Returns (order, created). The database decides races: the token is unique (a double
    click), and so is the buyer's open order of a course (two tabs, two tokens). The
    loser gets the order that won, or None if that one has already been settled failed.

    `save_for` (a buyer) saves the card first: the order stores its customer step and gets
    its charge request only once that step has answered (see app.orders.customer_step).
    """
    order = _new_order(course, email, stripe_token=token)
    charge = _charge_fields(order, course)
    if save_for is not None:
        order.customer_request = customer_step.customer_request(
            order, buyer=save_for, livemode=_livemode(), charge=charge)
    else:
        order.charge_request = payments.charge_request(token=token, **charge)
    return commit_new_or_existing(
        order, lambda: _order_for_token(token) or open_order_for(course.id, email))


def _livemode():
    return not payments.is_test_mode(current_app.config)


def may_save_card(email, signed_in):
    """Whether a checkout for `email` may save its card (see the README, Saved cards).

    Saving makes the card the default that one-click purchases charge, so only a browser
    signed in as that email with an emailed link may do it (`signed_in` is
    `current_buyer()`, never a session opened by paying): paying proves the card, not the
    email, and anyone who knows an address could otherwise put a card on its account or
    replace its owner's default card.
    """
    return signed_in is not None and signed_in.email == email.strip().lower()


def _decline_key(ip):
    return f"checkout-ip:{ip or 'unknown'}"


def _decline_limits():
    config = current_app.config
    return {"limit": config["CHECKOUT_MAX_DECLINES"],
            "window": config["CHECKOUT_DECLINE_WINDOW_SECONDS"]}


def _record_decline(ip):
    """The attempt reserved in place_order was declined: it stays counted."""
    throttle.fail([_decline_key(ip)], **_decline_limits())


def _release(ip):
    """The reserved attempt was not declined (or never reached Stripe): give it back."""
    throttle.release([_decline_key(ip)])


def _already_open(order):
    """What a buyer who tries to pay again for an open order is told; nothing is charged."""
    state = ("is still being confirmed" if order.status == OrderStatus.PENDING
             else "was already paid")
    return CheckoutOutcome(
        None,
        f"An order for this course with this email {state}, so we did not charge "
        "you again. Check your email for the receipt, or contact us if you need help.",
    )


def _refused(course, email, ip):
    """Why a new order may not be placed now (an outcome), or None.

    Card-testing protection: on None, one attempt is reserved for this address before
    anything can reach Stripe (atomic, so concurrent requests cannot overrun the limit);
    `_charge_once` keeps it for a decline and gives it back otherwise.
    """
    wait = throttle.try_acquire([_decline_key(ip)], **_decline_limits())
    if wait:
        # Many declines from one address is how stolen cards are tested: pause it.
        log.warning("Checkout from %s refused: too many declined cards", ip)
        return CheckoutOutcome(
            None,
            "Too many declined payments came from your connection. Please wait "
            f"{max(1, round(wait / 60))} minute(s) before trying again, or contact us.",
        )
    open_order = open_order_for(course.id, email)
    if open_order is not None and open_order.status == OrderStatus.PENDING:
        # Paying again after a slow or lost answer: settle the first order now.
        settle_pending(open_order, force=True)
        open_order = open_order_for(course.id, email)
    if open_order is not None:
        log.info("Refused a second order of %s for order %s's email", course.slug,
                 open_order.reference)
        _release(ip)
        return _already_open(open_order)
    return None


def _charge_once(order, ip):
    """Send the new order's first request(s) and the outcome; settles the reservation."""
    error = None
    try:
        error = send_charge_request(order, first=True)
        db.session.commit()
    finally:  # a decline keeps its reservation; anything else gives it back
        if not isinstance(error, payments.CardDeclined):
            _release(ip)
    return _outcome(order, error, ip=ip)


NOT_SAVED = ("Your card was not saved: saving a card needs you signed in as {email} with "
             "the link we email you. Open the link in your confirmation, then tick the box "
             "on your next purchase.")


def place_order(*, course, email, token, ip=None, save_card=False, signed_in=None):
    """Charge `token` for `course` exactly once and return the outcome.

    With `save_card`, the card is first saved on the buyer's Stripe customer (when
    `may_save_card` allows it; `signed_in` is the buyer signed in on this browser).
    """
    email = email.strip().lower()  # stored lower-case: one buyer, one open order
    existing = _order_for_token(token)
    if existing is not None:
        log.info("Token %s replayed; showing order %s", token, existing.reference)
        return CheckoutOutcome(existing)
    refused = _refused(course, email, ip)
    if refused is not None:
        return refused
    note = None
    save_for = None
    try:
        if save_card and may_save_card(email, signed_in):
            save_for = ensure_buyer(email)
            db.session.commit()
        elif save_card:
            note = NOT_SAVED.format(email=email)
        order, created = _create_pending_order(course, email, token, save_for=save_for)
    except BaseException:
        _release(ip)
        raise
    if order is None or not created:
        _release(ip)
    if order is None:
        return CheckoutOutcome(None, "Your payment could not be started. Please try again.")
    if not created:
        if order.stripe_token == token:
            return CheckoutOutcome(order)
        return _already_open(order)
    outcome = _charge_once(order, ip)
    if note and outcome.message is None:
        outcome.message = note
    return outcome


def place_saved_card_order(*, course, buyer, card_id, ip=None):
    """One click: charge the signed-in buyer's saved card `card_id` for `course`, once.

    The same rules as a token checkout: the throttle, one open order per course and
    email, the charge request (customer + card) committed before the call under the
    order's idempotency key.
    """
    customer_id = buyer.customer_id(_livemode())
    if not customer_id:
        return CheckoutOutcome(None, "You have no saved card. Please pay with your card.")
    refused = _refused(course, buyer.email, ip)
    if refused is not None:
        return refused
    order = _new_order(course, buyer.email, stripe_customer_id=customer_id, saved_card=True)
    order.charge_request = payments.customer_charge_request(
        customer=customer_id, card=card_id, **_charge_fields(order, course))
    order, created = commit_new_or_existing(
        order, lambda: open_order_for(course.id, buyer.email))
    if order is None or not created:
        _release(ip)
    if order is None:
        return CheckoutOutcome(None, "Your payment could not be started. Please try again.")
    if not created:  # a double click or a second tab: the first order decides
        return _already_open(order)
    return _charge_once(order, ip)


def _outcome(order, error, *, ip):
    """Log the result of the charge request and choose what the buyer is told."""
    reference = order.reference
    if error is None:
        log.info("Order %s paid by charge %s", reference, order.charge_id)
        return CheckoutOutcome(order)
    if isinstance(error, payments.CardDeclined):
        _record_decline(ip)
        log.info("Order %s declined: %s/%s", reference, error.code, error.decline_code)
        return CheckoutOutcome(order, error.user_message)
    if order.status == OrderStatus.PENDING:
        # The charge may or may not exist: never charge it again here. The buyer's next
        # visit, the webhook or `flask orders reconcile` settles it.
        log.warning("Order %s left pending: %s", reference, error.detail)
        return CheckoutOutcome(
            order,
            f"We could not confirm your payment yet (order {reference}). "
            "Please do not pay again: if the charge went through, your order "
            "completes automatically and you will get a receipt by email.",
        )
    if order.status == OrderStatus.PAID:  # settled by a lookup after a stored error
        return CheckoutOutcome(order)
    if getattr(error, "end_of_life", False) and order.customer_request:
        return CheckoutOutcome(order, customer_step.END_OF_LIFE_MESSAGE)
    log.error("Order %s failed (%s): %s", reference, order.failure_code, error.detail)
    if isinstance(error, payments.PaymentBusy):
        return CheckoutOutcome(
            order,
            f"Our payment provider is busy right now and you have not been charged "
            f"(order {reference}). Please try again in a moment.",
        )
    return CheckoutOutcome(
        order,
        f"We could not process your payment and you have not been charged "
        f"(order {reference}). Please try again later or contact us.",
    )


def get_order(public_id):
    """The order with this public id, or None."""
    return db.session.scalar(select(Order).where(Order.public_id == public_id))
