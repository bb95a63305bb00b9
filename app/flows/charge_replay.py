"""Settling a charge attempt: learning from Stripe what became of its charge request.

An attempt is pending when the store does not know whether its charge request was
performed (a timeout, a lost answer, a 5xx, a crash mid-call). The sound way to find out
is Stripe's own: repeat the exact request under the same idempotency key. Stripe then
answers with the first attempt's stored result (a charge, or a decline), or with 409
`idempotency_key_in_use` while that attempt is still running. "Not charged" is concluded
only from such an answer — never from a search that may lag behind — so a charge that
lands late can never meet an order already given up as failed.

If the first request never reached Stripe, the repeat performs it: the buyer asked to
pay, was told the order completes by itself, and the order is still the only open one
for that course and email, so nothing can be charged twice. That is why a repeat runs
only from a POST the buyer or admin presses, reconcile or the background worker — never
from opening a page (`look_up` is the read-only check pages use).

Stripe keeps idempotency keys for at least 24 hours; past `REPLAY_WINDOW` the charge is
looked up by the order's metadata instead (by then no request can still be running).
"""

import dataclasses
import logging
from datetime import timedelta

from app import orders, payments
from app.extensions import db
from app.flows import customer_step
from app.models import AttemptStatus
from app.models._time import as_utc, utcnow

log = logging.getLogger(__name__)

#: Repeat the charge request only while Stripe surely still remembers its key.
REPLAY_WINDOW = timedelta(hours=23)
#: Without a request to repeat, an order this old with no charge was not charged.
LOOKUP_GRACE = timedelta(hours=1)


def record_charge(attempt, result):
    """Turn what Stripe says about the attempt's charge into the lifecycle's step."""
    if result.succeeded:
        return orders.payment_succeeded(attempt, result)
    if result.status == payments.results.FAILED:
        return orders.payment_failed(attempt, result)
    return orders.payment_needs_action(attempt, result)


def settle(attempt):
    """Ask Stripe about a pending attempt and record the answer; a short summary.

    May repeat the attempt's request (see the module docstring). Commits.
    """
    order = attempt.order
    if attempt.status != AttemptStatus.PENDING:
        return str(order.status)
    now = utcnow()
    replayable = attempt.request or attempt.setup_request
    if replayable and now - as_utc(attempt.created_at) < REPLAY_WINDOW:
        error = send_charge_request(attempt)
        summary = str(order.status)
        if attempt.status == AttemptStatus.PENDING and getattr(error, "in_progress", False):
            summary = "still pending (Stripe is still processing the first request)"
        elif attempt.status == AttemptStatus.PENDING and error is not None:
            summary = f"still pending ({type(error).__name__}: {error.detail[:120]})"
    else:
        summary = look_up(attempt, now=now, conclusive_after=LOOKUP_GRACE)
    db.session.commit()
    return summary


def send_charge_request(attempt, *, first=False):
    """Send the attempt's stored charge request (again) and record what it tells.

    Returns the PaymentError that kept the order from being paid, or None. The attempt
    ends succeeded, failed (Stripe surely made no successful charge) or still pending.
    `first` says that no earlier try exists, so a request Stripe refused to perform (429,
    a rejected key) proves that nothing was charged.

    An attempt that saves its card first repeats its customer step when that step's
    outcome is unknown (same key: the same customer), and only then sends the charge.
    """
    if attempt.request is None and attempt.setup_request:
        error = customer_step.run(attempt, first=first)
        if error is not None:
            return error
    try:
        charge = payments.create_charge(attempt.request,
                                        idempotency_key=attempt.idempotency_key)
    except payments.CardDeclined as exc:
        result = exc.charge or payments.PaymentResult.failure(
            code=exc.code, message=exc.user_message)
        orders.payment_failed(attempt, dataclasses.replace(
            result, decline_code=exc.decline_code,
            failure_code=result.failure_code or exc.code,
            failure_message=result.failure_message or exc.user_message))
        return exc
    except payments.PaymentError as exc:
        record_error(attempt, exc, first=first)
        return exc
    record_charge(attempt, charge)
    return None


def record_error(attempt, exc, *, first):
    """Record a PaymentError from the charge request: fail the attempt only when it
    proves that nothing was charged."""
    if getattr(exc, "in_progress", False):
        return  # Stripe is still running the first request
    if isinstance(exc, payments.IdempotencyConflict):
        look_up(attempt, conclusive_after=LOOKUP_GRACE)
        return
    if exc.replayed and isinstance(exc, payments.PaymentUnavailable):
        # Stripe stored a server error for the first request: that request has ended,
        # and a charge it made, if any, is found by listing.
        look_up(attempt, conclusive=True)
        return
    if exc.uncertain:
        orders.payment_unanswered(attempt, exc.detail)
        return
    if not first and isinstance(exc, (payments.PaymentBusy, payments.PaymentConfigError)):
        return  # this repeat was not performed; the first request's outcome is unknown
    orders.payment_failed(attempt, payments.PaymentResult.failure(
        code=exc.failure_code, message=exc.detail[:500]))


def look_up(attempt, *, now=None, conclusive=False, conclusive_after=None):
    """Find the attempt's charge by its order's metadata (read-only); conclude "not
    charged" only when `conclusive`, or when the attempt is older than
    `conclusive_after`. Returns a short summary."""
    order = attempt.order
    try:
        charge = payments.find_charge_for_order(order.reference,
                                                created_since=as_utc(attempt.created_at))
    except payments.PaymentError as exc:
        log.warning("Could not look up order %s: %s", order.reference, exc.detail)
        return f"still pending ({type(exc).__name__}: {exc.detail[:120]})"
    if charge is not None:
        record_charge(attempt, charge)
        return str(order.status)
    now = now or utcnow()
    if conclusive or (conclusive_after is not None
                      and now - as_utc(attempt.created_at) >= conclusive_after):
        orders.payment_failed(attempt, payments.PaymentResult.failure(
            code="not_charged", message="No charge reached Stripe for this order."))
        return str(order.status)
    return "still pending (no charge found yet)"
