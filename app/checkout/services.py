"""Placing an order: write it, charge it once, settle it."""

import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app import payments, throttle
from app.checkout.settlement import apply_charge, mark_failed
from app.extensions import db
from app.models import Order, OrderStatus
from app.models._unique import commit_new_or_existing

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


#: An order for the same course and email in these states blocks a new purchase.
BLOCKING = (OrderStatus.PENDING, OrderStatus.PAID)


def _order_for_token(token):
    return db.session.scalar(select(Order).where(Order.stripe_token == token))


def _open_order_for(course, email):
    """A pending or paid order of this course for this email, if any."""
    return db.session.scalar(
        select(Order)
        .where(Order.email == email.strip().lower(), Order.course_id == course.id,
               Order.status.in_(BLOCKING))
        .order_by(Order.id.desc())
        .limit(1)
    )


def _create_pending_order(course, email, token):
    """Commit a pending order before Stripe is called; return the one that holds the token."""
    public_id = secrets.token_urlsafe(18)
    order = Order(
        public_id=public_id,
        course_id=course.id,
        course_title=course.title,
        email=email.strip().lower(),  # stored lower-case: the admin searches it exactly
        amount=course.price_minor,
        currency=course.currency,
        status=OrderStatus.PENDING,
        stripe_token=token,
        idempotency_key=f"order-{public_id}-charge",
    )
    # The same token posted twice at once (a double click): the first insert wins.
    return commit_new_or_existing(order, lambda: _order_for_token(token))


def _decline_key(ip):
    return f"checkout-ip:{ip or 'unknown'}"


def _record_decline(ip):
    """Count a declined card against the buyer's address (card-testing protection)."""
    config = current_app.config
    throttle.record_failure([_decline_key(ip)], limit=config["CHECKOUT_MAX_DECLINES"],
                            window=config["CHECKOUT_DECLINE_WINDOW_SECONDS"])


def place_order(*, course, email, token, ip=None):
    """Charge `token` for `course` exactly once and return the outcome."""
    existing = _order_for_token(token)
    if existing is not None:
        log.info("Token %s replayed; showing order %s", token, existing.reference)
        return CheckoutOutcome(existing)
    wait = throttle.seconds_locked([_decline_key(ip)])
    if wait:
        # Many declines from one address is how stolen cards are tested: pause it.
        log.warning("Checkout from %s refused: too many declined cards", ip)
        return CheckoutOutcome(
            None,
            "Too many declined payments came from your connection. Please wait "
            f"{max(1, round(wait / 60))} minute(s) before trying again, or contact us.",
        )
    duplicate = _open_order_for(course, email)
    if duplicate is not None:
        # A buyer who re-entered their card after a slow or lost answer: never charge twice.
        log.info("Refused a second order of %s for order %s's email", course.slug,
                 duplicate.reference)
        state = ("is still being confirmed" if duplicate.status == OrderStatus.PENDING
                 else "was already paid")
        return CheckoutOutcome(
            None,
            f"An order for this course with this email {state}, so we did not charge "
            "you again. Check your email for the receipt, or contact us if you need help.",
        )
    order, created = _create_pending_order(course, email, token)
    if not created:
        return CheckoutOutcome(order)
    store = current_app.config["STORE_NAME"]
    try:
        charge = payments.create_charge(
            amount=order.amount,
            currency=order.currency,
            token=token,
            description=f"{course.title} — {store}",
            metadata={"order_id": order.reference, "course": course.slug},
            receipt_email=order.email,
            idempotency_key=order.idempotency_key,
        )
    except payments.PaymentError as exc:
        return _record_failure(order, exc, ip=ip)
    apply_charge(order, charge)
    db.session.commit()
    log.info("Order %s paid by charge %s", order.reference, charge.id)
    return CheckoutOutcome(order)


def _record_failure(order, exc, *, ip):
    """Store what went wrong and choose what the buyer is told."""
    reference = order.reference
    if isinstance(exc, payments.CardDeclined):
        if exc.charge is not None:
            apply_charge(order, exc.charge)  # the failed charge Stripe stored
        order.decline_code = exc.decline_code
        mark_failed(order, code=exc.code, message=exc.user_message)  # if no charge read
        db.session.commit()
        _record_decline(ip)
        log.info("Order %s declined: %s/%s", reference, exc.code, exc.decline_code)
        return CheckoutOutcome(order, exc.user_message)
    if isinstance(exc, payments.PaymentUnavailable):
        # The charge may or may not exist: keep the order pending for the webhook
        # or `flask orders reconcile` to settle, and never charge it again here.
        order.failure_message = f"Stripe unavailable: {exc.detail}"[:500]
        db.session.commit()
        log.warning("Order %s left pending: %s", reference, exc.detail)
        return CheckoutOutcome(
            order,
            f"We could not confirm your payment yet (order {reference}). "
            "Please do not pay again: if the charge went through, your order "
            "completes automatically and you will get a receipt by email.",
        )
    code = _FAILURE_CODES.get(type(exc), "rejected")
    mark_failed(order, code=code, message=exc.detail[:500])
    db.session.commit()
    log.error("Order %s failed (%s): %s", reference, code, exc.detail)
    if isinstance(exc, payments.PaymentBusy):
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


_FAILURE_CODES = {
    payments.TokenAlreadyUsed: "token_already_used",
    payments.PaymentConfigError: "configuration",
    payments.PaymentBusy: "rate_limited",
}


def get_order(public_id):
    """The order with this public id, or None."""
    return db.session.scalar(select(Order).where(Order.public_id == public_id))
