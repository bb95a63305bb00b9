"""Fulfilment: what happens to access and email when an order is paid, refunded, disputed.

Private to the order lifecycle (`app/orders/lifecycle.py` calls `after_change`; the admin's
"Resend confirmation" and the access backfill go through `app.orders` too). Each entry
point runs inside the caller's transaction (adds and flushes, never commits) and is
idempotent: it records its cause as an access event with a unique key first, so running
one twice changes nothing and queues no second email.
"""

import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app import invoices
from app.access import services as access
from app.extensions import db
from app.mail import enqueue
from app.models import Order, OrderStatus
from app.models._time import as_utc
from app.money import format_money
from app.orders import consent

log = logging.getLogger(__name__)

SYSTEM = "system"


@dataclass(frozen=True)
class FulfilmentResult:
    """What one call did: `action` is granted, revoked, kept or duplicate (ran before)."""

    action: str
    access_id: int | None = None
    reason: str | None = None
    email_queued: bool = False


DUPLICATE = FulfilmentResult("duplicate")


def _paid_statuses():
    """Statuses in which an order entitles its buyer to the course."""
    if current_app.config.get("REVOKE_ACCESS_ON_PARTIAL_REFUND"):
        return (OrderStatus.PAID,)
    return (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


def _other_paid_order(order):
    """Another order of this buyer for the same course that still entitles them."""
    return db.session.scalar(
        select(Order).where(Order.email == access.normalise_email(order.email),
                            Order.course_id == order.course_id, Order.id != order.id,
                            Order.status.in_(_paid_statuses()))
        .order_by(Order.id.desc()).limit(1)
    )


def _consent_context(order):
    """What the confirmation says about the consent to immediate access (the durable
    medium art. 8(7) asks for): the text, the answer, its version, time and address."""
    if not order.consent_applies:
        return {"consent": None}
    given = next((row for row in reversed(order.consents) if row.given), None)
    shown = given or (order.consents[0] if order.consents else None)
    record = given or shown
    return {"consent": {
        "given": given is not None,
        "text": shown.text if shown else consent.wording()[0],
        "version": shown.text_version if shown else consent.wording()[1],
        "at": _utc_text(record.created_at) if record else None,
        "ip": record.ip if record else None,
        "source": record.source if record else None,
        "country": order.buyer_country,
        "starts_at": _utc_text(consent.access_starts_at(order)),
        "days": current_app.config["WITHDRAWAL_DAYS"],
        "withdraw_path": f"/account/orders/{order.public_id}/withdraw",
    }}


def _utc_text(value):
    """"2026-12-03 09:12 UTC" (None stays None), for emails."""
    return f"{as_utc(value):%Y-%m-%d %H:%M:%S} UTC" if value is not None else None


def _confirmation_context(order):
    slug = order.course.slug if order.course is not None else None
    payment = order.payment
    return {
        **_consent_context(order),
        "reference": order.reference, "course_title": order.course_title,
        "course_slug": slug,
        "amount": order.amount, "currency": order.currency,
        "list_price": order.list_price, "discount_amount": order.discount_amount,
        "coupon_code": order.coupon_code,
        "card_brand": payment.card_brand if payment else None,
        "card_last4": payment.card_last4 if payment else None,
        "receipt_path": f"/orders/{order.public_id}",
        # The link signs in and opens the course where it starts (its first lesson).
        "target": f"/courses/{slug}/start" if slug else "/account",
        # Attached when the message is sent, if the store issued it (app/mail/render.py).
        "documents": [invoices.invoice_key(order)],
    }


def notify_seller(order, *, kind, dedupe_key, subject, amount, **context):
    """Queue the seller's email about a sale or a refund (SELLER_NOTIFY_EMAIL; none when
    it is empty). The dedupe key makes it one email per event, however often it runs."""
    to = current_app.config.get("SELLER_NOTIFY_EMAIL")
    if not to:
        return False
    payment = order.payment
    return enqueue(
        kind=kind, to=to, subject=subject, dedupe_key=dedupe_key, order_id=order.id,
        context={"reference": order.reference, "course_title": order.course_title,
                 "buyer_email": order.email, "amount": amount, "currency": order.currency,
                 "order_amount": order.amount, "total_refunded": order.amount_refunded,
                 "card_brand": payment.card_brand if payment else None,
                 "card_last4": payment.card_last4 if payment else None,
                 "livemode": bool(order.livemode),
                 "admin_path": f"/admin/purchases/{order.reference}", **context},
    )


def queue_confirmation(order, buyer_id, *, dedupe_key=None, created_by=None):
    """Queue the order-confirmation email (with its sign-in access link)."""
    return enqueue(
        kind="order_confirmation", to=access.normalise_email(order.email),
        subject=f"Your order {order.reference}: {order.course_title}",
        dedupe_key=dedupe_key or f"order-confirmation:{order.id}",
        context=_confirmation_context(order), buyer_id=buyer_id, order_id=order.id,
        created_by=created_by,
    )


def order_paid(order, *, notify=True):
    """Ensure the buyer, grant access to the course once, queue the confirmation once.

    Four small statements: the buyer (an upsert), the access row (kept if active), the
    event of this cause written once with what was decided (its key makes a second run a
    no-op: an access row that run created is taken back, so it leaves no trace), the
    email. `notify=False` (the backfill of orders paid before fulfilment existed) sends
    no email.
    """
    buyer_id = access.buyer_id_for(order.email)
    starts_at = consent.access_starts_at(order)
    access_id, created = access.grant_id(buyer_id, order.course_id, order_id=order.id,
                                         starts_at=starts_at)
    action, reason = "granted", f"Order {order.reference} paid"
    if starts_at is not None:
        reason = (f"Order {order.reference} paid; access starts {starts_at:%Y-%m-%d %H:%M} "
                  "UTC, when the withdrawal period is over")
    if not created:
        action, reason = "kept", f"Order {order.reference} paid; access was already active"
    event_id = access.record_once(
        dedupe_key=f"order-paid:{order.id}", buyer_id=buyer_id, course_id=order.course_id,
        action=action, source="order", actor=SYSTEM, order_id=order.id, reason=reason,
        access_id=access_id)
    if event_id is None:  # ran before (access may since have been revoked: not again)
        if created:
            access.take_back_new(access_id)
        return DUPLICATE
    queued = queue_confirmation(order, buyer_id) if notify else False
    if notify:
        notify_seller(order, kind="sale_notice", dedupe_key=f"sale-notice:{order.id}",
                      subject=f"New sale: {order.course_title} "
                              f"({format_money(order.amount, order.currency)})",
                      amount=order.amount)
    log.info("Order %s fulfilled: access %s (%s)", order.reference, access_id, action)
    return FulfilmentResult(action, access_id, reason, queued)


def _take_away(order, *, source, dedupe_key, cause, revoke):
    """Revoke the order's access (if `revoke`) unless something else still entitles it.
    Returns (result, buyer id)."""
    buyer_id = access.buyer_id_for(order.email)
    event_id = access.record_once(dedupe_key=dedupe_key, buyer_id=buyer_id,
                                  course_id=order.course_id, action="kept", source=source,
                                  actor=SYSTEM, order_id=order.id, reason=cause)
    if event_id is None:
        return DUPLICATE, buyer_id
    row = access.active_access(buyer_id, order.course_id)
    other = _other_paid_order(order)
    action, reason = "kept", cause
    if row is None:
        action, reason = "none", f"{cause}; no active access"
    elif not revoke:
        reason = f"{cause}; a partial refund keeps access"
    elif row.order_id is None:
        reason = f"{cause}; access was granted by hand, only an admin revokes it"
    elif other is not None:
        row.order_id = other.id  # now held through the other paid order
        reason = f"{cause}; still paid by order {other.reference}"
    else:
        access.revoke(row, by=SYSTEM, reason=cause)
        action = "revoked"
    access_id = row.id if row is not None else None
    access.settle_event(event_id, access_id=access_id, action=action, reason=reason)
    db.session.flush()
    log.info("Order %s: %s -> access %s", order.reference, cause, action)
    return FulfilmentResult(action, access_id, reason), buyer_id


def order_refunded(order, *, amount, full, refund_key):
    """A refund of `amount` minor units: revoke on a full one, queue the refund notice.

    A partial refund keeps access unless REVOKE_ACCESS_ON_PARTIAL_REFUND is on.
    `refund_key` identifies this refund (one event and one email per key).
    """
    revoke = full or bool(current_app.config.get("REVOKE_ACCESS_ON_PARTIAL_REFUND"))
    what = "Full refund" if full else "Partial refund"
    result, buyer_id = _take_away(order, source="refund",
                               dedupe_key=f"order-refunded:{refund_key}",
                               cause=f"{what} of order {order.reference}", revoke=revoke)
    if result is DUPLICATE:
        return result
    queued = enqueue(
        kind="refund_notice", to=access.normalise_email(order.email),
        subject=f"Refund for order {order.reference}: {order.course_title}",
        dedupe_key=f"refund-notice:{refund_key}",
        context={"reference": order.reference, "course_title": order.course_title,
                 "amount": amount, "currency": order.currency, "full": bool(full),
                 "total_refunded": order.amount_refunded, "order_amount": order.amount,
                 "access": result.action, "receipt_path": f"/orders/{order.public_id}",
                 "documents": [f"credit:{refund_key}"]},
        buyer_id=buyer_id, order_id=order.id,
    )
    notify_seller(order, kind="seller_refund_notice",
                  dedupe_key=f"seller-refund-notice:{refund_key}",
                  subject=f"Refund: {format_money(amount, order.currency)} of "
                          f"{order.reference} ({order.course_title})",
                  amount=amount, full=bool(full), access=result.action)
    return FulfilmentResult(result.action, result.access_id, result.reason, queued)


def order_started_early(order):
    """The buyer consented to immediate access from My account: the order's access
    starts now, and the consent is confirmed by email (the durable medium)."""
    buyer_id = access.buyer_id_for(order.email)
    cause = f"Order {order.reference}: the buyer asked for immediate access"
    event_id = access.record_once(
        dedupe_key=f"order-started:{order.id}", buyer_id=buyer_id,
        course_id=order.course_id, action="granted", source="consent", actor=SYSTEM,
        order_id=order.id, reason=cause)
    if event_id is None:
        return DUPLICATE
    row = access.active_access(buyer_id, order.course_id)
    if row is not None and row.order_id == order.id:
        access.start_now(row)
    access.settle_event(event_id, access_id=row.id if row is not None else None,
                        action="granted" if row is not None else "none", reason=cause)
    queued = enqueue(
        kind="consent_confirmation", to=access.normalise_email(order.email),
        subject=f"Your course starts now: {order.course_title} ({order.reference})",
        dedupe_key=f"consent-confirmation:{order.id}",
        context={**_confirmation_context(order)}, buyer_id=buyer_id, order_id=order.id)
    return FulfilmentResult("granted", row.id if row is not None else None, cause, queued)


def order_withdrawn(order):
    """The buyer withdrew: access ends now, and the acknowledgement (with the date and
    time of the withdrawal) is queued once. The refund's own notice follows its answer."""
    result, buyer_id = _take_away(order, source="withdrawal",
                                  dedupe_key=f"order-withdrawn:{order.id}",
                                  cause=f"Order {order.reference} withdrawn by the buyer",
                                  revoke=True)
    if result is DUPLICATE:
        return result
    queued = enqueue(
        kind="withdrawal_ack", to=access.normalise_email(order.email),
        subject=f"Withdrawal received: order {order.reference} ({order.course_title})",
        dedupe_key=f"withdrawal-ack:{order.id}",
        context={"reference": order.reference, "course_title": order.course_title,
                 "amount": order.remaining_refundable, "currency": order.currency,
                 "withdrawn_at": _utc_text(order.withdrawn_at),
                 "receipt_path": f"/orders/{order.public_id}"},
        buyer_id=buyer_id, order_id=order.id)
    return FulfilmentResult(result.action, result.access_id, result.reason, queued)


def order_disputed(order):
    """A dispute (chargeback) revokes access like a full refund; no email is sent."""
    result, _ = _take_away(order, source="dispute",
                           dedupe_key=f"order-disputed:{order.id}:{_dispute_round(order)}",
                           cause=f"Order {order.reference} disputed", revoke=True)
    return result


def order_reinstated(order):
    """A dispute the seller won: the order entitles its buyer again (no email is sent)."""
    buyer_id = access.buyer_id_for(order.email)
    cause = f"Dispute of order {order.reference} won"
    event_id = access.record_once(
        dedupe_key=f"order-reinstated:{order.id}:{_dispute_round(order)}",
        buyer_id=buyer_id, course_id=order.course_id, action="granted", source="dispute",
        actor=SYSTEM, order_id=order.id, reason=cause)
    if event_id is None:
        return DUPLICATE
    access_id, created = access.grant_id(buyer_id, order.course_id, order_id=order.id,
                                         starts_at=consent.access_starts_at(order))
    action, reason = ("granted", cause) if created else (
        "kept", f"{cause}; access was already active")
    access.settle_event(event_id, access_id=access_id, action=action, reason=reason)
    log.info("Order %s: %s -> access %s", order.reference, cause, action)
    return FulfilmentResult(action, access_id, reason)


def _dispute_round(order):
    """Which dispute of the order this is (1 for the first), for the events' keys."""
    return max(1, len(order.disputes))


# --- Called by the lifecycle (app/orders/lifecycle.py) after every change of an order

PAID_OR_LATER = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED,
                 OrderStatus.DISPUTED)


def after_change(order, *, was_status, was_refunded):
    """Run the entry points an order's change of status or refunded amount calls for.

    A duplicate order (the course was already paid by another order; it is refunded
    automatically) grants nothing and sends no confirmation.
    """
    if (was_status in (OrderStatus.PENDING, OrderStatus.FAILED)
            and order.status in PAID_OR_LATER and not order.is_duplicate):
        invoices.issue_invoice(order)  # before the email that attaches it
        order_paid(order)
    if order.amount_refunded > (was_refunded or 0):
        invoices.issue_credit_note(order, refunded_before=was_refunded or 0,
                                   refunded_now=order.amount_refunded)
        order_refunded(order, amount=order.amount_refunded - (was_refunded or 0),
                       full=order.amount_refunded >= order.amount,
                       refund_key=f"{order.id}:{order.amount_refunded}")
    if order.status == OrderStatus.DISPUTED and was_status != OrderStatus.DISPUTED:
        order_disputed(order)
    if (was_status == OrderStatus.DISPUTED and order.status in _paid_statuses()
            and not order.is_duplicate):
        order_reinstated(order)


CONFIRMABLE = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


def new_resend_key(order):
    """A fresh key for one rendering of a resend button (a double submit sends once)."""
    return f"order-confirmation:{order.id}:resend:{secrets.token_hex(8)}"


def resend_confirmation(*, buyer, order, key, admin_email):
    """Queue the order confirmation again (a new outbox row, deliberately); commit.

    `key` comes from the admin's form (one per rendering), so a double submit sends once.
    Raises AccessError when the order cannot be confirmed to this buyer.
    """
    if order.email != buyer.email:
        raise access.AccessError("That order belongs to another buyer.")
    if order.status not in CONFIRMABLE:
        raise access.AccessError(f"Order {order.reference} is {order.status.label}: "
                                 "there is nothing to confirm.")
    if not key.startswith(f"order-confirmation:{order.id}:resend:") or len(key) > 200:
        raise access.AccessError("The form has expired; reload the page.")
    created = queue_confirmation(order, buyer.id, dedupe_key=key, created_by=admin_email)
    db.session.commit()
    return created


def backfill(*, notify=False):
    """Fulfil paid orders that never were (placed before fulfilment existed); commit each.

    Returns how many orders were granted access now.
    """
    granted = 0
    ids = db.session.scalars(
        select(Order.id).where(Order.status.in_(_paid_statuses())).order_by(Order.id)
    ).all()
    for order_id in ids:
        result = order_paid(db.session.get(Order, order_id), notify=notify)
        db.session.commit()
        granted += result.action == "granted"
    return granted
