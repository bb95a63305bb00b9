"""Handling Stripe events idempotently: each event id is processed once.

Verify (routes.py) -> dedupe on the event id (a unique row, in the same transaction as
the event's effect) -> the flows' table (`app.flows.handle_event`), which turns the event
into a lifecycle step.
"""

import logging

from sqlalchemy.exc import IntegrityError

from app import flows, orders
from app.extensions import db
from app.models import WebhookEvent

log = logging.getLogger(__name__)


def handle_event(event):
    """Apply one verified event (a dict); a repeated event id changes nothing.

    Raises payments.PaymentUnavailable when Stripe had to be asked and could not answer:
    nothing is stored, and the caller answers so that Stripe delivers the event again.
    """
    for attempt in (1, 2):
        db.session.add(WebhookEvent(id=event["id"], type=event["type"]))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            log.info("Duplicate event %s ignored", event["id"])
            return "duplicate"
        try:
            result, order = flows.handle_event(event)
            db.session.commit()
            break
        except IntegrityError:
            # A charge landed on a failed order while the buyer was opening another
            # order for the course: once more, and the late order is a duplicate.
            db.session.rollback()
            if attempt == 2:
                raise
        except Exception:
            db.session.rollback()
            raise
    log.info("Event %s (%s): %s", event["id"], event["type"], result)
    if order is not None and order.is_duplicate:
        orders.settle_unsettled(order)  # send the automatic refund the event queued
    return result
