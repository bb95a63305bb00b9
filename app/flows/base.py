"""The interface every payment flow implements.

A flow is the adapter between one way Stripe takes money (a token charge, a saved card, a
PaymentIntent, a Checkout Session) and the order lifecycle in `app/orders/`: it prepares
an attempt's request, sends it, and turns each answer or event into a lifecycle step. It
calls Stripe only through `app.payments`, and changes an order only through `app.orders`.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app.models import RequestState
from app.models._time import as_utc, utcnow

#: Past its process's time budget, a request still "written" is one whose process died.
IN_FLIGHT_MARGIN = timedelta(seconds=5)


def first_request_in_flight(attempt):
    """Whether the process that wrote the attempt may still be sending its first request
    (or waiting for the answer): nothing has been heard of it and it was written less
    than that process's Stripe time budget ago. Another process must then leave it alone:
    sending the same request under its key races the first one (Stripe answers
    "idempotency key in use"), and the buyer who pressed Pay would be told that their
    payment could not start."""
    if attempt.request_state != RequestState.WRITTEN:
        return False
    budget = timedelta(seconds=current_app.config["STRIPE_REQUEST_BUDGET"])
    return utcnow() - as_utc(attempt.created_at) < budget + IN_FLIGHT_MARGIN


@dataclass
class Started:
    """What starting a payment gave: the error that kept it from being paid (None when it
    was paid, or is waiting for the buyer), and what the buyer's page needs next (a
    PaymentIntent's client secret, a Checkout Session's URL), if anything."""

    error: Exception | None = None
    next_step: dict | None = None


class PaymentFlow:
    """One way of taking money; subclasses are registered in `app.flows.FLOWS`."""

    #: The name stored on each attempt (`PaymentAttempt.flow`) and used in settings.
    name = ""
    #: Stripe event types whose objects settle this flow's attempts.
    events = frozenset()

    def prepare(self, order, *, course, **inputs):
        """Add the order's first attempt for `course`, its request written, before
        anything is sent (the caller commits the order and the attempt together)."""
        raise NotImplementedError

    def start(self, attempt):
        """Send the attempt's first request (the attempt is committed) and record the
        answer through the lifecycle; returns a `Started`. The caller commits (with its
        own bookkeeping of the same request, such as the card-testing reservation)."""
        raise NotImplementedError

    def resume(self, attempt):
        """What the buyer's browser needs to go on paying a live attempt (a PaymentIntent's
        client secret, a Checkout page's URL), or None when it cannot be paid any more.
        Flows paid in one request have nothing to resume. Raises a PaymentError when
        Stripe cannot be asked (the caller tells the buyer to try again)."""
        return None

    def settle(self, attempt):
        """Learn the attempt's outcome from Stripe, repeating its request under its key
        when needed; commits and returns a short summary. Only from a POST, reconcile or
        the worker: never from opening a page."""
        raise NotImplementedError

    def release(self, attempt):
        """The buyer starts again from another browser while this attempt holds their one
        open order: settle it (a flow whose attempt can safely be given up does so)."""
        return self.settle(attempt)

    def look_up(self, attempt):
        """Read-only: look for the attempt's outcome at Stripe and record it if found;
        never sends a request that could take money. Returns a short summary."""
        raise NotImplementedError

    def record_charge(self, attempt, result):
        """Record a snapshot of one of the attempt's charges (a PaymentResult read from
        a charge) as the lifecycle step it means for this flow."""
        raise NotImplementedError

    def attempt_for_event(self, event_type, obj):
        """The attempt of this flow that a Stripe event's object is about, or None."""
        raise NotImplementedError

    def handle_event(self, event_type, obj, attempt):
        """Apply one verified event about `attempt`; returns the order it touched."""
        raise NotImplementedError
