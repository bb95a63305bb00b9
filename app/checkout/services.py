"""Placing an order: write it, charge it once, settle it."""

import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app import payments, throttle
from app.extensions import db
from app.models import Order, OrderStatus
from app.models._unique import commit_new_or_existing
from app.models.order import new_reference
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


def _create_pending_order(course, email, token):
    """Commit a pending order before Stripe is called.

    Returns (order, created). The database decides races: the token is unique (a double
    click), and so is the buyer's open order of a course (two tabs, two tokens). The
    loser gets the order that won, or None if that one has already been settled failed.
    """
    public_id = secrets.token_urlsafe(18)
    store = current_app.config["STORE_NAME"]
    order = Order(
        public_id=public_id,
        reference=new_reference(),
        course_id=course.id,
        course_title=course.title,
        email=email,
        amount=course.price_minor,
        currency=course.currency,
        status=OrderStatus.PENDING,
        stripe_token=token,
        idempotency_key=f"order-{public_id}-charge",
    )
    order.charge_request = payments.charge_request(
        amount=order.amount, currency=order.currency, token=token,
        description=f"{course.title} — {store}",
        metadata={"order_id": order.reference, "course": course.slug},
        receipt_email=email,
    )
    return commit_new_or_existing(
        order, lambda: _order_for_token(token) or open_order_for(course.id, email))


def _decline_key(ip):
    return f"checkout-ip:{ip or 'unknown'}"


def _decline_limits():
    config = current_app.config
    return {"limit": config["CHECKOUT_MAX_DECLINES"],
            "window": config["CHECKOUT_DECLINE_WINDOW_SECONDS"]}


def _record_decline(ip):
    """The attempt reserved in place_order was declined: it stays counted."""
    throttle.fail([_decline_key(ip)], **_decline_limits())


def _already_open(order):
    """What a buyer who tries to pay again for an open order is told; nothing is charged."""
    state = ("is still being confirmed" if order.status == OrderStatus.PENDING
             else "was already paid")
    return CheckoutOutcome(
        None,
        f"An order for this course with this email {state}, so we did not charge "
        "you again. Check your email for the receipt, or contact us if you need help.",
    )


def place_order(*, course, email, token, ip=None):
    """Charge `token` for `course` exactly once and return the outcome."""
    email = email.strip().lower()  # stored lower-case: one buyer, one open order
    existing = _order_for_token(token)
    if existing is not None:
        log.info("Token %s replayed; showing order %s", token, existing.reference)
        return CheckoutOutcome(existing)
    # Card-testing protection: reserve one attempt for this address before anything can
    # reach Stripe (atomic, so concurrent requests cannot overrun the limit).
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
        throttle.release([_decline_key(ip)])
        return _already_open(open_order)
    order, created = _create_pending_order(course, email, token)
    if order is None or not created:
        throttle.release([_decline_key(ip)])
    if order is None:
        return CheckoutOutcome(None, "Your payment could not be started. Please try again.")
    if not created:
        if order.stripe_token == token:
            return CheckoutOutcome(order)
        return _already_open(order)
    error = None
    try:
        error = send_charge_request(order, first=True)
        db.session.commit()
    finally:  # a decline keeps its reservation; anything else gives it back
        if not isinstance(error, payments.CardDeclined):
            throttle.release([_decline_key(ip)])
    return _outcome(order, error, ip=ip)


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
