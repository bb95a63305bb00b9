"""Settling a pending order: learning from Stripe what became of its charge request.

An order is pending when the store does not know whether its charge request was
performed (a timeout, a lost answer, a 5xx). The sound way to find out is Stripe's own:
repeat the exact request under the same idempotency key. Stripe then answers with the
first attempt's stored result (a charge, or a decline), or with 409
`idempotency_key_in_use` while that attempt is still running. "Not charged" is concluded
only from such an answer — never from a search that may lag behind — so a charge that
lands late can never meet an order already given up as failed.

If the first attempt never reached Stripe, the repeat performs it: the buyer asked to
pay, was told the order completes by itself, and the order is still the only open one
for that course and email, so nothing can be charged twice.

Stripe keeps idempotency keys for at least 24 hours; past `REPLAY_WINDOW` the order is
looked up by its metadata instead (by then no request can still be running).
"""

import logging
from datetime import timedelta

from app import payments
from app.extensions import db
from app.models import OrderStatus
from app.models._time import as_utc, utcnow
from app.orders import customer_step, refunds
from app.orders.actions import record_charge, record_failure

log = logging.getLogger(__name__)

#: Repeat the charge request only while Stripe surely still remembers its key.
REPLAY_WINDOW = timedelta(hours=23)
#: A buyer reloading the receipt asks Stripe at most this often.
CHECK_INTERVAL = timedelta(seconds=3)
#: Without a request to repeat, an order this old with no charge was not charged.
LOOKUP_GRACE = timedelta(hours=1)


def settle_pending(order, *, force=False):
    """Ask Stripe about a pending order and record the answer; return a short summary.

    Commits. `force` skips the rate limit on repeated checks (the cron job, a buyer
    paying again).
    """
    if order.status != OrderStatus.PENDING:
        return str(order.status)
    now = utcnow()
    checked = as_utc(order.checked_at)
    if not force and checked is not None and now - checked < CHECK_INTERVAL:
        return "still pending (checked a moment ago)"
    order.checked_at = now
    db.session.commit()
    replayable = order.charge_request or order.customer_request
    if replayable and now - as_utc(order.created_at) < REPLAY_WINDOW:
        error = send_charge_request(order)
        summary = str(order.status)
        if order.status == OrderStatus.PENDING and getattr(error, "in_progress", False):
            summary = "still pending (Stripe is still processing the first request)"
        elif order.status == OrderStatus.PENDING and error is not None:
            summary = f"still pending ({type(error).__name__}: {error.detail[:120]})"
    else:
        summary = _look_up(order, now)
    db.session.commit()
    refunds.settle_unsettled(order)
    log.info("Settling order %s: %s", order.reference, summary)
    return summary


def send_charge_request(order, *, first=False):
    """Send the order's stored charge request (again) and record what it tells.

    Returns the PaymentError that kept the order from being paid, or None. The order ends
    paid, failed (Stripe surely made no successful charge) or still pending. `first` says
    that no earlier attempt exists, so a request Stripe refused to perform (429, a
    rejected key) proves that nothing was charged.

    An order that saves its card first repeats its customer step when that step's outcome
    is unknown (same key: the same customer), and only then sends the charge.
    """
    if order.charge_request is None and order.customer_request:
        error = customer_step.run(order, first=first)
        if error is not None:
            return error
    try:
        charge = payments.create_charge(order.charge_request,
                                        idempotency_key=order.idempotency_key)
    except payments.CardDeclined as exc:
        if exc.charge is not None:
            record_charge(order, exc.charge)  # the failed charge Stripe stored
        order.decline_code = exc.decline_code
        record_failure(order, code=exc.code, message=exc.user_message)
        return exc
    except payments.PaymentError as exc:
        _record_error(order, exc, first=first)
        return exc
    record_charge(order, charge)
    return None


def _record_error(order, exc, *, first):
    if getattr(exc, "in_progress", False):
        return  # Stripe is still running the first attempt
    if isinstance(exc, payments.IdempotencyConflict):
        _look_up(order, utcnow())
        return
    if exc.replayed and isinstance(exc, payments.PaymentUnavailable):
        # Stripe stored a server error for the first attempt: that attempt has ended,
        # and a charge it made, if any, is found by listing.
        _look_up(order, utcnow(), conclusive=True)
        return
    if exc.uncertain:
        order.failure_message = f"Stripe unavailable: {exc.detail}"[:500]
        return
    if not first and isinstance(exc, (payments.PaymentBusy, payments.PaymentConfigError)):
        return  # this repeat was not performed; the first attempt's outcome is unknown
    record_failure(order, code=exc.failure_code, message=exc.detail[:500])


def _look_up(order, now, *, conclusive=False):
    """Find the order's charge by its metadata; conclude "not charged" only when safe."""
    try:
        charge = payments.find_charge_for_order(order.reference,
                                                created_since=as_utc(order.created_at))
    except payments.PaymentError as exc:
        log.warning("Could not look up order %s: %s", order.reference, exc.detail)
        return f"still pending ({type(exc).__name__}: {exc.detail[:120]})"
    if charge is not None:
        record_charge(order, charge)
        return str(order.status)
    if conclusive or now - as_utc(order.created_at) >= LOOKUP_GRACE:
        record_failure(order, code="not_charged",
                       message="No charge reached Stripe for this order.")
        return str(order.status)
    return "still pending (no charge found yet)"
