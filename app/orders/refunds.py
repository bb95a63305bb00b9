"""An admin's refund of an order through the payments gateway, once per confirmed form.

The Refund row is committed (pending) before Stripe is called and carries the form's
idempotency key, so a double submit finds the row and Stripe sees the same key; the
answer goes through the lifecycle (`refund_recorded`), which keeps the order consistent
with the charge.refunded and refund.* webhooks however they interleave.

A refund whose answer was lost stays "unsettled" (pending, no Stripe id) until the same
request is repeated under the same key (`settle_refund`: the admin's "Send again" button,
the background worker and `flask orders reconcile`; never by opening a page); while one is
unsettled no other refund of the order may start, which the database enforces too.
"""

import logging
import secrets
from dataclasses import dataclass

from app import payments
from app.extensions import db
from app.models import OrderStatus, Refund
from app.models._unique import commit_new_or_existing
from app.money import MoneyError, format_money, to_minor
from app.orders import lifecycle, refund_rows
from app.orders.refund_rows import unsettled

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
    if order.amount == 0:
        raise RefundError(f"Order {order.reference} was free: there is nothing to refund.")
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


unsettled_refund = unsettled
_existing = refund_rows.by_key


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
    """Bring the order's refunded amount and status in line with Stripe's charge; commits.

    Without an answer from Stripe the order keeps what its own refund rows say.
    """
    attempt = order.payment
    if attempt is not None and attempt.charge_id:
        try:
            lifecycle.payment_succeeded(attempt, payments.retrieve_charge(attempt.charge_id))
        except payments.PaymentError as exc:
            log.info("Could not read charge %s back (%s); the refund rows decide",
                     attempt.charge_id, exc.detail[:120])
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
        lifecycle.refund_refused(refund, exc.detail or str(exc))
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
    lifecycle.refund_recorded(order, result, row=refund)
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


def key_after_error(order, key):
    """The key a re-shown form should carry: the same one only while its outcome is unknown."""
    refund = _existing(key)
    if refund is not None and refund.status == "pending" and not refund.stripe_refund_id:
        return key
    return new_idempotency_key(order)
