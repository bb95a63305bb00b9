"""The order lifecycle: the one place where an order's state changes.

Every path that learns something about an order — a checkout, a webhook, reconcile, the
background worker, an admin's refund — turns what Stripe said into one of these steps,
named in the store's words:

    payment_succeeded   money was taken for the order (or a snapshot of that charge)
    payment_failed      an attempt surely took no money and will take none
    payment_needs_action  the buyer has to act: authenticate, or give another card
    payment_unanswered  Stripe's answer to a request was lost (the outcome is unknown)
    refund_recorded     Stripe answered about a refund (ours or one made elsewhere)
    refund_refused      Stripe refused a refund the store asked for
    dispute_opened / dispute_closed   a chargeback began / ended
    early_start_requested  the buyer asked for immediate access from My account
    withdrawn           the buyer withdrew from the purchase (the withdrawal function)
    checkout_answered_again  a buyer paying their pending order again answered the
                        country and consent anew

Each step reads neutral results (`app.payments.results`), never a Stripe object; moves the
order through its transition table (`app.models.order.TRANSITIONS`); writes the attempt,
refund or dispute record; and runs fulfilment (access, emails) in the same transaction.
Each is idempotent and order-independent: the same news applied twice, or older news
after newer (Stripe does not deliver events in order), leaves the same state, one access
row and one email. Steps flush but never commit: the caller commits.

Stripe's record wins: a succeeded charge always ends up on its order. When the buyer has
meanwhile paid for the course through another order, the late one is flagged as a
duplicate of that one and a full refund of it is queued (sent after the commit).
"""

import functools
import logging
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    AttemptStatus,
    Dispute,
    Order,
    OrderStatus,
    Refund,
    RequestState,
)
from app.models._time import utcnow
from app.models.dispute import CLOSED_STATUSES
from app.orders import consent, fulfilment, redemptions, refund_rows
from app.orders.queries import open_order_for

log = logging.getLogger(__name__)

#: Result statuses that leave an attempt waiting for the buyer (or the bank).
_WAITING = {
    "requires_payment_method": AttemptStatus.REQUIRES_PAYMENT_METHOD,
    "requires_action": AttemptStatus.REQUIRES_ACTION,
    "processing": AttemptStatus.PROCESSING,
    "requires_confirmation": AttemptStatus.REQUIRES_PAYMENT_METHOD,
}
_CARD_FIELDS = ("card_brand", "card_last4", "card_exp_month", "card_exp_year",
                "card_country", "outcome_type", "outcome_risk_level",
                "outcome_seller_message", "receipt_url", "balance_transaction_id")


def lock(order):
    """Hold the order's row for this transaction and read it fresh, with what the steps
    need to know of its attempts, refunds and disputes (one statement on PostgreSQL,
    SELECT … FOR UPDATE; two on SQLite, whose write lock an UPDATE takes first).

    Two processes recording news about one order (a webhook and the checkout) then apply
    their steps one after the other, each on the other's result.
    """
    params = {"order_id": order.id}
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(_statements()["touch"], {**params, "now": utcnow()})
    # The attempts come fresh in the same statement (a join, not a second SELECT): the
    # steps look at the other attempts, which another process may have just changed.
    _, order.refund_rows_total, order.dispute_count = db.session.execute(
        _statements()["read"], params).unique().one()
    return order


@functools.cache
def _statements():
    """`lock`'s two statements, built once per process (their parameters bound at each
    call): building them anew cost about a millisecond of CPU per checkout. Built whole
    before anyone sees them: threads racing the first call each get a complete set."""
    refunded = (select(func.coalesce(func.sum(Refund.amount), 0))
                .where(Refund.order_id == Order.id, Refund.status == "succeeded")
                .correlate(Order).scalar_subquery())
    disputes = (select(func.count(Dispute.id)).where(Dispute.order_id == Order.id)
                .correlate(Order).scalar_subquery())
    return {
        "touch": (update(Order).where(Order.id == bindparam("order_id"))
                  .values(updated_at=bindparam("now"))
                  .execution_options(synchronize_session=False)),
        "read": (select(Order, refunded, disputes).where(Order.id == bindparam("order_id"))
                 .options(joinedload(Order.attempts))
                 .with_for_update(of=Order).execution_options(populate_existing=True)),
    }


def _copy_ids(attempt, result, *, charge=True):
    """Stripe's ids of the attempt, once known. A try that did not pay (a PaymentIntent's
    declined charge) leaves `charge_id` for the charge that pays, unless `charge`."""
    names = ["payment_intent_id", "checkout_session_id", "customer_id", "payment_method_id"]
    for name in names + (["charge_id"] if charge else []):
        value = getattr(result, name)
        if value and not getattr(attempt, name):
            setattr(attempt, name, value)


def _copy_result(attempt, result, *, charge=True):
    """Store what Stripe says about the attempt's charge on the attempt."""
    _copy_ids(attempt, result, charge=charge)
    for name in _CARD_FIELDS:
        value = getattr(result, name)
        if value is not None or getattr(attempt, name) is None:
            setattr(attempt, name, value)
    attempt.livemode = result.livemode or attempt.livemode
    if result.created:
        attempt.charged_at = datetime.fromtimestamp(result.created, UTC)
    attempt.request_state = RequestState.ANSWERED


def _copy_failure(attempt, result):
    attempt.failure_code = result.failure_code
    attempt.decline_code = result.decline_code
    attempt.failure_message = result.failure_message


def status_for(order, result):
    """The status a paid charge implies, never moving an order backwards.

    An old snapshot (a charge.succeeded that arrives after charge.refunded) must not undo
    a refund or a dispute.
    """
    if (result.disputed and not _dispute_ended_for_seller(order)) or \
            order.status == OrderStatus.DISPUTED or _has_open_dispute(order):
        return OrderStatus.DISPUTED
    return _status_for_refunds(order, refunded=result.refunded)


def _status_for_refunds(order, *, refunded=False):
    if refunded or 0 < order.amount <= order.amount_refunded:  # a free order stays paid
        return OrderStatus.REFUNDED
    if order.amount_refunded > 0:
        return OrderStatus.PARTIALLY_REFUNDED
    return OrderStatus.PAID


def _has_open_dispute(order):
    return _may_have_disputes(order) and any(not d.closed for d in order.disputes)


def _may_have_disputes(order):
    """Whether the order has dispute rows (known from `lock` without loading them)."""
    return getattr(order, "dispute_count", 1) != 0 or "disputes" in order.__dict__


def _dispute_ended_for_seller(order):
    """The order's disputes all ended with the seller keeping the money."""
    disputes = list(order.disputes) if _may_have_disputes(order) else []
    return bool(disputes) and all(d.won for d in disputes)


def _other_attempt_paid(order, attempt):
    return any(a is not attempt and a.status == AttemptStatus.SUCCEEDED
               for a in order.attempts)


def take_tax_from(order, attempt, result):
    """The price of an order Stripe taxed on its own page (hosted Checkout's
    `automatic_tax`): the total charged, its tax, rate and country, before the order is
    paid (and its invoice issued)."""
    if result.tax_amount is None or result.amount is None:
        return
    order.tax_amount, order.amount = result.tax_amount, result.amount
    order.tax_rate, order.tax_country = result.tax_rate, result.tax_country
    order.buyer_tax_id, order.tax_reason = result.buyer_tax_id, result.tax_reason
    attempt.amount = result.amount


def _not_what_was_asked(attempt, result):
    """Whether the money Stripe reports is not the attempt's price: another currency, or
    another amount (a hosted Checkout page taxed by Stripe may add its tax to it)."""
    if result.amount is None or not result.currency:
        return False  # a snapshot that does not say (the charge's own news does)
    if str(result.currency).lower() != str(attempt.currency or "").lower():
        return True
    if result.amount == attempt.amount:
        return False
    return not (result.tax_amount is not None
                and result.amount - result.tax_amount == attempt.amount)


def payment_succeeded(attempt, result):
    """Money was taken for `attempt` (or this is a later snapshot of that charge).

    Money of another amount or currency than the attempt asked for (an intent changed
    after the store created it, a charge of something else naming the order) does not
    pay the order: it is logged and left to the admin, like a second charge."""
    order = lock(attempt.order)
    if attempt.status != AttemptStatus.SUCCEEDED and _not_what_was_asked(attempt, result):
        log.error("Order %s costs %s %s, but charge %s (intent %s) took %s %s: not "
                  "recorded as its payment, left to the admin", order.reference,
                  attempt.amount, attempt.currency, result.charge_id,
                  result.payment_intent_id, result.amount, result.currency)
        return order
    if attempt.status == AttemptStatus.SUCCEEDED and result.charge_id and \
            attempt.charge_id not in (None, result.charge_id):
        # One attempt takes money once; a second charge was made outside the store and
        # is left to the admin.
        log.error("Order %s already has charge %s; ignoring charge %s", order.reference,
                  attempt.charge_id, result.charge_id)
        return order
    if _other_attempt_paid(order, attempt):
        log.error("Order %s is paid by another attempt; charge %s of attempt %s is left "
                  "to the admin", order.reference, result.charge_id, attempt.id)
        return order
    before, refunded_before = order.status, order.amount_refunded
    attempt.charge_id = result.charge_id or attempt.charge_id  # the charge that paid
    _copy_result(attempt, result)
    _copy_failure(attempt, result)
    attempt.status = AttemptStatus.SUCCEEDED
    consent.note_card_country(order, attempt.card_country)
    order.amount_refunded = min(order.amount, max(
        order.amount_refunded, result.amount_refunded, order.refund_rows_total))
    target = status_for(order, result)
    if before in (OrderStatus.PENDING, OrderStatus.FAILED):
        take_tax_from(order, attempt, result)  # hosted Checkout: Stripe taxed its page
        if before == OrderStatus.FAILED and not order.is_duplicate:
            _flag_if_duplicate(order)
        if before == OrderStatus.FAILED:
            redemptions.take_again(order)
        order.transition(OrderStatus.PAID)
        order.paid_at = order.paid_at or utcnow()
    order.transition(target)
    _after_change(order, before, refunded_before)
    return order


def payment_failed(attempt, result):
    """`attempt` surely took no money and will take none; the order fails unless it is
    paid, or another of its attempts can still pay it."""
    order = lock(attempt.order)
    if attempt.status == AttemptStatus.SUCCEEDED:
        return order  # a failed try never overwrites the charge that paid
    if attempt.charge_id and result.charge_id and attempt.charge_id != result.charge_id:
        return order
    _copy_result(attempt, result)
    _copy_failure(attempt, result)
    attempt.status = (AttemptStatus.CANCELED if result.status == "canceled"
                      else AttemptStatus.FAILED)
    others_live = any(a is not attempt and a.live for a in order.attempts)
    if order.status == OrderStatus.PENDING and not others_live:
        order.transition(OrderStatus.FAILED)
        redemptions.give_back(order)  # a failed or abandoned order frees its code
    return order


def payment_needs_action(attempt, result):
    """The buyer has to act on `attempt` (authenticate, or try another card after a
    decline): the order stays pending, the attempt says what is awaited and why."""
    order = lock(attempt.order)
    if not attempt.live:
        return order  # news older than the attempt's end
    _copy_result(attempt, result, charge=False)
    _copy_failure(attempt, result)
    attempt.status = _WAITING.get(result.status, AttemptStatus.REQUIRES_ACTION)
    return order


def payment_unanswered(attempt, detail):
    """Stripe's answer to the attempt's request was lost: the outcome is unknown until
    the request is repeated under its key (reconcile, the worker, "Check again")."""
    if attempt.status != AttemptStatus.PENDING:
        return attempt
    attempt.request_state = RequestState.UNKNOWN
    attempt.failure_message = f"Stripe unavailable: {detail}"[:500]
    return attempt


def _flag_if_duplicate(order):
    """A charge landed on an order given up as failed: is the course paid elsewhere?"""
    holder = open_order_for(order.course_id, order.email, exclude_id=order.id)
    if holder is not None:
        order.duplicate_of_id = holder.id
        log.warning("Order %s was charged after all, but its buyer already holds order %s "
                    "for the course: refunding it as a duplicate", order.reference,
                    holder.reference)


def _after_change(order, before, refunded_before):
    """Follow-ups of a change, in the same transaction: the duplicate's refund, then
    access and emails (each idempotent)."""
    if order.is_duplicate:
        refund_rows.queue_duplicate(order)
    fulfilment.after_change(order, was_status=before, was_refunded=refunded_before)


# --- Refunds ---------------------------------------------------------------------------

def refund_recorded(order, result, *, row=None):
    """Stripe answered about a refund of `order` (one the store sent, or one made in
    Stripe's dashboard); record it and move the order's refunded amount and status."""
    order = lock(order)
    row = row or refund_rows.for_stripe_refund(order, result)
    row.stripe_refund_id = row.stripe_refund_id or result.id
    row.status = result.status or row.status
    row.failure_message = None
    db.session.flush()
    _apply_refunds(order)
    return row


def refund_refused(row, detail):
    """Stripe refused a refund the store asked for: nothing was refunded by it."""
    row.status = "failed"
    row.failure_message = (detail or "Stripe refused the refund.")[:500]
    return row


def _apply_refunds(order):
    """The order's refunded amount is at least what its succeeded refunds add up to.

    An order not paid yet keeps the row only: the charge's own news brings the amount.
    """
    if order.status not in fulfilment.PAID_OR_LATER:
        return
    before, refunded_before = order.status, order.amount_refunded
    counted = refund_rows.succeeded_total(order)
    order.amount_refunded = min(order.amount, max(order.amount_refunded, counted))
    if order.amount_refunded > refunded_before and order.status in (
            OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
        order.transition(_status_for_refunds(order))
    _after_change(order, before, refunded_before)


# --- Disputes --------------------------------------------------------------------------

def _dispute_row(order, dispute):
    row = None
    if dispute.id:
        row = db.session.scalar(select(Dispute).where(
            Dispute.stripe_dispute_id == dispute.id))
    if row is None:
        row = Dispute(stripe_dispute_id=dispute.id or f"unknown-{order.reference}",
                      charge_id=dispute.charge_id, amount=dispute.amount,
                      currency=dispute.currency, reason=dispute.reason,
                      status=dispute.status)
        order.disputes.append(row)
        db.session.flush()
    return row


def dispute_opened(order, dispute):
    """A chargeback began on the order's charge: the order is disputed, access ends."""
    order = lock(order)
    row = _dispute_row(order, dispute)
    if row.closed:
        return order  # an older snapshot of a dispute that has ended
    row.status = dispute.status or row.status
    if order.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED,
                        OrderStatus.REFUNDED):
        before = order.status
        order.transition(OrderStatus.DISPUTED)
        _after_change(order, before, order.amount_refunded)
    return order


def dispute_closed(order, dispute):
    """A chargeback ended: won, the order is paid again (access back); lost, it stays
    disputed."""
    order = lock(order)
    row = _dispute_row(order, dispute)
    if dispute.status not in CLOSED_STATUSES:
        return dispute_opened(order, dispute)
    if row.closed_at is not None:
        return order  # heard before
    row.status = dispute.status
    row.closed_at = utcnow()
    open_disputes = [d for d in order.disputes if not d.closed]
    if row.won and not open_disputes and order.status == OrderStatus.DISPUTED:
        before = order.status
        order.transition(_status_for_refunds(order))
        _after_change(order, before, order.amount_refunded)
    return order


# --- Consent and withdrawal (app/orders/consent.py) -------------------------------------

class WithdrawalError(Exception):
    """The order cannot be withdrawn from (or started early) now; the message says why."""


def checkout_answered_again(order, chosen):
    """The buyer goes back to paying their own pending order (another card after a
    decline, back from Stripe's page) and the form answers the country or the consent
    anew: the order takes the new answer (a new checkout row). True when it changed."""
    order = lock(order)
    if chosen is None or order.status != OrderStatus.PENDING or \
            consent.same_answer(order, chosen):
        return False
    consent.record_at_checkout(order, chosen)
    return True


def early_start_requested(order, *, ip):
    """The buyer gives the consent to immediate access from My account: recorded, and the
    order's access starts now. Idempotent: a second request changes nothing (False)."""
    order = lock(order)
    if order.immediate_access_at is not None:
        return order, False
    if not consent.waiting_to_start(order):
        raise WithdrawalError("This purchase has no access waiting to start.")
    consent.record_early_start(order, ip=ip)
    fulfilment.order_started_early(order)
    return order, True


def withdrawn(order, *, ip):
    """The buyer withdraws: recorded once (True), access ends, the acknowledgement is
    queued, and the full refund of what is left is written pending, to be sent after the
    commit (`refunds.settle_unsettled`) or by the worker and reconcile. The refund's
    answer moves the order's status (`refund_recorded`). A second request finds the
    withdrawal recorded (False) and sends nothing."""
    order = lock(order)
    if order.withdrawn_at is not None:
        return order, False
    if refund_rows.unsettled(order) is not None:
        raise WithdrawalError("A refund of this purchase is already under way; open it "
                              "again in a moment.")
    if not consent.may_withdraw(order) or order.charge_id is None:
        raise WithdrawalError("The right to withdraw from this purchase has ended.")
    order.withdrawn_at = utcnow()
    order.withdrawal_ip = ip
    refund_rows.queue_withdrawal(order)
    fulfilment.order_withdrawn(order)
    return order, True


__all__ = [
    "WithdrawalError",
    "checkout_answered_again",
    "dispute_closed",
    "dispute_opened",
    "early_start_requested",
    "lock",
    "payment_failed",
    "payment_needs_action",
    "payment_succeeded",
    "payment_unanswered",
    "refund_recorded",
    "refund_refused",
    "status_for",
    "withdrawn",
]
