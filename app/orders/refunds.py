"""Refunding an order through the payments gateway, once per confirmed form.

The Refund row is committed (pending) before Stripe is called and carries the form's
idempotency key, so a double submit finds the row and Stripe sees the same key; the
order's refunded amount is then read back from Stripe's charge, which keeps it
consistent with the charge.refunded webhook however they interleave.

A refund whose answer was lost stays "unsettled" (pending, no Stripe id) until the same
request is repeated under the same key (`settle_refund`: when the page is opened, and by
`flask orders reconcile`); while one is unsettled no other refund of the order may start,
which the database enforces too.
"""

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from app import payments
from app.extensions import db
from app.fulfilment import after_settlement
from app.models import OrderStatus, Refund
from app.models._unique import commit_new_or_existing
from app.money import MoneyError, format_money, to_minor
from app.orders.actions import record_charge

log = logging.getLogger(__name__)

REASONS = {
    "requested_by_customer": "Requested by the customer",
    "duplicate": "Duplicate payment",
    "fraudulent": "Fraudulent payment",
}
REFUNDABLE = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


class RefundError(Exception):
    """A refund that was refused or failed; the message is for the admin."""


@dataclass(frozen=True)
class RefundOutcome:
    """The refund row, and whether this form had been sent before."""

    refund: Refund
    repeated: bool = False


def new_idempotency_key(order):
    """A fresh key for one rendering of the refund form."""
    return f"refund-{order.reference}-{secrets.token_hex(12)}"


def parse_amount(text, currency):
    """Minor units from a decimal string in the currency's unit; raise RefundError."""
    try:
        minor = to_minor(text, currency)
    except MoneyError as exc:
        raise RefundError(f"Amount: {exc}") from None
    if minor <= 0:
        raise RefundError("The refund amount must be more than zero.")
    return minor


def check_refundable(order, amount):
    """Raise RefundError unless `amount` minor units of `order` may be refunded now."""
    if order.status not in REFUNDABLE:
        raise RefundError(
            f"Order {order.reference} is {order.status.label}; only paid orders can be "
            "refunded."
        )
    if not order.charge_id:
        raise RefundError(f"Order {order.reference} has no charge to refund.")
    waiting = unsettled_refund(order)
    if waiting is not None:
        raise RefundError(
            f"A refund of {format_money(waiting.amount, order.currency)} is still waiting "
            "for Stripe's answer. Open the purchase again in a moment: it is settled "
            "first, and no second refund is sent meanwhile."
        )
    if amount <= 0:
        raise RefundError("The refund amount must be more than zero.")
    remaining = order.remaining_refundable
    if amount > remaining:
        raise RefundError(
            f"You can refund at most {format_money(remaining, order.currency)} "
            f"(of {format_money(order.amount, order.currency)}); "
            f"{format_money(order.amount_refunded, order.currency)} was refunded already."
        )


def unsettled_refund(order):
    """The order's refund still waiting for Stripe's answer, if any."""
    return db.session.scalar(select(Refund).where(
        Refund.order_id == order.id, Refund.status == "pending",
        Refund.stripe_refund_id.is_(None)))


def _existing(key):
    return db.session.scalar(select(Refund).where(Refund.idempotency_key == key))


def _write_pending(order, *, amount, reason, key, created_by):
    """Commit the pending Refund row; return (row, created) — a key seen before is reused."""
    refund = Refund(order_id=order.id, amount=amount, currency=order.currency,
                    reason=reason, status="pending", idempotency_key=key,
                    created_by=created_by)
    row, created = commit_new_or_existing(refund, lambda: _existing(key))
    if row is None:  # another refund of this order became unsettled at the same moment
        check_refundable(order, amount)
        raise RefundError("Another refund of this purchase was just started; open it again.")
    return row, created


def sync_order(order):
    """Bring the order's refunded amount and status in line with Stripe's charge."""
    try:
        record_charge(order, payments.retrieve_charge(order.charge_id))
    except payments.PaymentError:
        # Stripe did not answer: count our own successful refunds (never less than now).
        refunded = db.session.scalar(
            select(func.coalesce(func.sum(Refund.amount), 0)).where(
                Refund.order_id == order.id, Refund.status == "succeeded"
            )
        )
        was_status, was_refunded = order.status, order.amount_refunded
        order.amount_refunded = min(order.amount, max(order.amount_refunded, refunded))
        if order.amount_refunded > 0 and order.status in REFUNDABLE:
            order.transition(
                OrderStatus.REFUNDED if order.amount_refunded >= order.amount
                else OrderStatus.PARTIALLY_REFUNDED
            )
        # Fulfilment: revoke access on a full refund, queue the refund notice.
        after_settlement(order, was_status=was_status, was_refunded=was_refunded)
    db.session.commit()


def _send(order, refund):
    """Call Stripe for a pending refund row and settle the row and the order."""
    try:
        result = payments.create_refund(
            charge_id=order.charge_id, amount=refund.amount, reason=refund.reason,
            idempotency_key=refund.idempotency_key,
            metadata={"order_id": order.reference, "refund_row": str(refund.id)},
        )
    except payments.PaymentError as exc:
        if exc.uncertain:
            refund.failure_message = "Stripe could not be reached; the outcome is unknown."
            db.session.commit()
            log.warning("Refund %s of %s: outcome unknown (%s)", refund.id,
                        order.reference, exc.detail)
            raise RefundError(
                "Stripe could not be reached, so we do not know whether the refund went "
                "through. Send the same form again, or open the purchase again later: "
                "the refund is settled then, and it cannot be sent twice."
            ) from exc
        refund.status = "failed"
        refund.failure_message = (exc.detail or str(exc))[:500]
        log.warning("Refund %s of %s refused: %s", refund.id, order.reference, exc.detail)
        db.session.commit()
        sync_order(order)
        if "already been refunded" in refund.failure_message or not order.remaining_refundable:
            raise RefundError(
                f"Stripe says the charge of {order.reference} has already been refunded."
            ) from exc
        if order.remaining_refundable < refund.amount:
            raise RefundError(
                "Stripe says only "
                f"{format_money(order.remaining_refundable, order.currency)} of this charge "
                "is left to refund (part was refunded elsewhere); the purchase is updated."
            ) from exc
        raise RefundError(f"Stripe refused the refund: {exc.detail}") from exc
    refund.stripe_refund_id = result.id
    refund.status = result.status
    refund.failure_message = None
    db.session.commit()
    sync_order(order)
    log.info("Refunded %s of %s (%s) by %s", refund.amount, order.reference, result.id,
             refund.created_by)
    return refund


def refund_order(*, order, amount, reason, idempotency_key, created_by):
    """Refund `amount` minor units of `order` once per key; return a RefundOutcome."""
    if reason not in REASONS:
        raise RefundError(f"Unknown refund reason {reason!r}.")
    if not idempotency_key or len(idempotency_key) > 80:
        raise RefundError("The form has expired; open the purchase again.")
    refund, created = _existing(idempotency_key), False
    if refund is None:
        check_refundable(order, amount)
        refund, created = _write_pending(order, amount=amount, reason=reason,
                                         key=idempotency_key, created_by=created_by)
    if refund.order_id != order.id:
        raise RefundError("The form does not belong to this purchase.")
    if refund.status == "failed":
        raise RefundError(f"This refund was refused: {refund.failure_message}")
    if refund.stripe_refund_id:
        return RefundOutcome(refund, repeated=True)
    return RefundOutcome(_send(order, refund), repeated=not created)


def settle_refund(refund):
    """Repeat an unsettled refund's request under its key to learn (or make) its outcome."""
    if not refund.unsettled:
        return refund
    try:
        return _send(refund.order, refund)
    except RefundError as exc:
        log.info("Refund %s not settled: %s", refund.id, exc)
        return refund


def settle_unsettled(order):
    """Settle the order's refund still waiting for Stripe's answer, if there is one."""
    refund = unsettled_refund(order)
    return settle_refund(refund) if refund is not None else None


#: Who the history names for refunds the store makes by itself.
STORE = "the store (duplicate payment)"


def queue_duplicate_refund(order):
    """Add (once) the pending full refund of an order charged twice for one course.

    Runs in the caller's transaction; the refund is sent after the commit by
    `settle_unsettled`, or by the next `flask orders reconcile` if that fails.
    """
    key = f"order-{order.public_id}-duplicate-refund"
    if order.charge_id is None or order.remaining_refundable <= 0 or _existing(key):
        return None
    refund = Refund(order=order, amount=order.remaining_refundable, currency=order.currency,
                    reason="duplicate", status="pending", idempotency_key=key,
                    created_by=STORE)
    db.session.add(refund)
    return refund


def key_after_error(order, key):
    """The key a re-shown form should carry: the same one only while its outcome is unknown."""
    refund = _existing(key)
    if refund is not None and refund.status == "pending" and not refund.stripe_refund_id:
        return key
    return new_idempotency_key(order)


def refunds_for(order_id):
    """The refunds of an order, oldest first."""
    return db.session.scalars(
        select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)
    ).all()

