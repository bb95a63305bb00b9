"""The payment flows by name, and what checkout, webhooks, reconcile and the worker ask
of a flow without knowing which one it is."""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from app import orders
from app.extensions import db
from app.flows.charges import ChargesFlow, SavedCardFlow
from app.flows.checkout_sessions import CheckoutSessionsFlow
from app.flows.free import FreeFlow
from app.flows.payment_intents import PaymentIntentsFlow, SavedCardIntentFlow
from app.models import AttemptStatus, PaymentAttempt, Refund
from app.models._time import utcnow
from app.models._unique import commit_keeping
from app.models.payment_attempt import LIVE_STATUSES

log = logging.getLogger(__name__)

#: Every flow, by the name its attempts carry. A new flow is one module registered here.
FLOWS = {flow.name: flow for flow in (ChargesFlow(), SavedCardFlow(),
                                      PaymentIntentsFlow(), SavedCardIntentFlow(),
                                      CheckoutSessionsFlow(), FreeFlow())}

#: What PAYMENT_FLOW may name, and the flows its course page and one click use.
CHECKOUT_FLOWS = {"charges": ("charges", "saved_card"),
                  "payment_intents": ("payment_intents", "saved_card_intent"),
                  "checkout": ("checkout", "saved_card_intent")}


def checkout_flows(config):
    """(the course page's flow, the one-click flow) for PAYMENT_FLOW in `config`."""
    return CHECKOUT_FLOWS[config["PAYMENT_FLOW"]]

#: A page showing a pending order asks Stripe about it at most this often.
CHECK_INTERVAL = timedelta(seconds=3)
#: ... and the page the buyer comes back to from Stripe.js or Stripe's page (the first
#: visit reads Stripe at once; reloading it, or anyone hammering it, does not make a
#: Stripe call per request: one per attempt and interval, whichever process serves it).
RETURN_INTERVAL = timedelta(seconds=1)


def get(name):
    """The flow registered under `name` (KeyError for an unknown one)."""
    return FLOWS[name]


def for_attempt(attempt):
    """The flow that made (and settles) `attempt`."""
    return FLOWS[attempt.flow]


def flows_for_event(event_type):
    """The flows whose attempts an event of this type may settle."""
    return [flow for flow in FLOWS.values() if event_type in flow.events]


def attempt_for_charge(result):
    """The attempt a charge (a PaymentResult) belongs to, whichever flow made it."""
    return (orders.attempt_with(charge_id=result.charge_id)
            or orders.attempt_with(payment_intent_id=result.payment_intent_id)
            or orders.current_attempt_of(result.metadata.get("order_id")))


def _claim(attempt, interval, *, expire=True):
    """Note that the store asks Stripe about `attempt` now, unless that was done less
    than `interval` ago (by this process or another); True when claimed. Commits
    (without expiring what the session holds unless `expire`)."""
    now = utcnow()
    claimed = db.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt.id,
               or_(PaymentAttempt.checked_at.is_(None),
                   PaymentAttempt.checked_at <= now - interval))
        .values(checked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if expire:
        db.session.commit()  # expires `attempt`: its next read is fresh
    else:
        commit_keeping()  # the lifecycle's steps lock and read the order fresh anyway
    return claimed


def settle(attempt, *, force=False):
    """Learn the attempt's outcome from its flow (which may repeat its request); then
    send a refund of the order still waiting for Stripe's answer. Commits; a summary.

    Only from a POST someone pressed, reconcile or the worker. Unless `force`, an attempt
    asked about a moment ago is left alone.
    """
    order = attempt.order
    if not attempt.live:
        return str(order.status)
    if not _claim(attempt, timedelta(0) if force else CHECK_INTERVAL):
        return "still pending (checked a moment ago)"
    summary = for_attempt(attempt).settle(attempt)
    orders.settle_unsettled(order)
    log.info("Settling order %s: %s", order.reference, summary)
    return summary


def look_up(attempt, *, interval=CHECK_INTERVAL, expire=True):
    """Read-only check of a live attempt for a page that shows it (at most every
    `interval`); nothing that could take money is sent. Commits; a summary. Without
    `expire` the claim's commit keeps what the session holds (the caller reads nothing
    before the lifecycle's steps, which read the order fresh)."""
    if not attempt.live:
        return str(attempt.order.status)
    if not _claim(attempt, interval, expire=expire):
        return "still pending (checked a moment ago)"
    return for_attempt(attempt).look_up(attempt)


def reconcile_pending(*, older_than_seconds=600):
    """Settle every live attempt (and every unsettled refund) older than the age.

    Returns (reference, outcome) pairs.
    """
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    attempts = db.session.scalars(
        select(PaymentAttempt)
        .where(PaymentAttempt.status.in_(LIVE_STATUSES),
               PaymentAttempt.created_at <= cutoff)
        .order_by(PaymentAttempt.id)
    ).all()
    results = [(a.order.reference, settle(a, force=True)) for a in attempts]
    for refund in _unsettled_refunds(cutoff):
        orders.settle_refund(refund)
        state = "unknown, will retry" if refund.unsettled else refund.status
        results.append((refund.order.reference, f"refund {refund.id}: {state}"))
    return results


def _unsettled_refunds(cutoff):
    return db.session.scalars(
        select(Refund)
        .where(Refund.status == "pending", Refund.stripe_refund_id.is_(None),
               Refund.created_at <= cutoff)
        .order_by(Refund.id)
    ).all()


#: Attempts the worker gives up once nobody paid them for PAYMENT_INTENT_ABANDON_SECONDS:
#: PaymentIntents waiting for the buyer (Stripe never cancels an intent by itself; a
#: Checkout Session expires at its `expires_at` and says so in a webhook).
_ABANDONABLE_FLOWS = (PaymentIntentsFlow.name, SavedCardIntentFlow.name)
_WAITING_FOR_BUYER = (AttemptStatus.REQUIRES_PAYMENT_METHOD, AttemptStatus.REQUIRES_ACTION)


def _due(*conditions, cutoff):
    return db.session.scalars(
        select(PaymentAttempt)
        .where(*conditions, or_(PaymentAttempt.checked_at.is_(None),
                                PaymentAttempt.checked_at <= cutoff))
        .order_by(PaymentAttempt.id).limit(100)
    ).all()


def settle_due():
    """The background worker's pass: settle attempts whose outcome is unknown and
    refunds without an answer, once they are SETTLE_AFTER_SECONDS old, and PaymentIntents
    nobody paid for PAYMENT_INTENT_ABANDON_SECONDS (their flow cancels them, which frees
    the order for its buyer). Returns how many were looked at."""
    config = current_app.config
    age = timedelta(seconds=config["SETTLE_AFTER_SECONDS"])
    now = utcnow()
    cutoff = now - age
    attempts = _due(PaymentAttempt.status == AttemptStatus.PENDING,
                    PaymentAttempt.created_at <= cutoff, cutoff=cutoff)
    attempts += _due(
        PaymentAttempt.flow.in_(_ABANDONABLE_FLOWS),
        PaymentAttempt.status.in_(_WAITING_FOR_BUYER),
        PaymentAttempt.created_at <= now - timedelta(
            seconds=config["PAYMENT_INTENT_ABANDON_SECONDS"]), cutoff=cutoff)
    for attempt in attempts:
        if _claim(attempt, age):
            summary = for_attempt(attempt).settle(attempt)
            orders.settle_unsettled(attempt.order)
            log.info("Worker settled order %s: %s", attempt.order.reference, summary)
    refunds = _unsettled_refunds(cutoff)
    for refund in refunds:
        orders.settle_refund(refund)
    return len(attempts) + len(refunds)
