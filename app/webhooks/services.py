"""Handling Stripe events idempotently: each event id is processed once.

Verify (routes.py) -> skip an event id already stored -> the flows' table
(`app.flows.handle_event`), which turns the event into a lifecycle step -> the event's
row, committed in the same transaction as its effect (a unique id: of two deliveries
racing, the second's commit fails and its effect is rolled back).

The event's row is written last, not first: a step that asks Stripe first (a completed
Session read back, a dispute's charge) then holds no transaction, no connection and, on
SQLite, no write lock while Stripe answers — a row written first would hold them, and
every checkout's write would wait behind each webhook's Stripe call.
"""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import flows, orders
from app.extensions import db
from app.models import WebhookEvent

log = logging.getLogger(__name__)


def _seen(event_id):
    return db.session.scalar(select(WebhookEvent.id).where(WebhookEvent.id == event_id)) \
        is not None


def handle_event(event):
    """Apply one verified event (a dict); a repeated event id changes nothing.

    Raises payments.PaymentUnavailable when Stripe had to be asked and could not answer:
    nothing is stored, and the caller answers so that Stripe delivers the event again.
    """
    if _seen(event["id"]):
        log.info("Duplicate event %s ignored", event["id"])
        return "duplicate"
    for attempt in (1, 2):
        try:
            result, order = flows.handle_event(event)
            db.session.add(WebhookEvent(id=event["id"], type=event["type"]))
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
            if _seen(event["id"]):  # another delivery of it was committed meanwhile
                log.info("Duplicate event %s ignored (delivered twice at once)",
                         event["id"])
                return "duplicate"
            # A charge landed on a failed order while the buyer was opening another
            # order for the course: once more, and the late order is a duplicate.
            if attempt == 2:
                raise
        except Exception:
            db.session.rollback()
            raise
    log.info("Event %s (%s): %s", event["id"], event["type"], result)
    if order is not None and order.is_duplicate:
        orders.settle_unsettled(order)  # send the automatic refund the event queued
    return result
