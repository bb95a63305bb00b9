"""Finding orders and their payment attempts.

The statements every receipt, checkout and webhook runs are built once per process with
bound parameters (`_statements`): building one with its loader options costs more CPU
than the database takes to answer it.
"""

import functools

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Order, PaymentAttempt, Refund
from app.models.order import OPEN_STATUSES


def get_order(public_id):
    """The order with this public id (the receipt's address), or None: with its course
    and its payment attempts, in one statement."""
    return db.session.execute(_statements()["by_public_id"],
                              {"public_id": public_id}).unique().scalar_one_or_none()


def order_by_reference(reference):
    """The order with this reference ("ORD-…", our order id), or None."""
    return db.session.scalar(_statements()["by_reference"],
                             {"reference": (reference or "").strip().upper()})


def open_order_for(course_id, email, *, exclude_id=None):
    """The buyer's open (pending or paid, not duplicate) order of a course, if any."""
    name = "open_for" if exclude_id is None else "open_for_excluding"
    return db.session.scalar(_statements()[name], {
        "course_id": course_id, "email": email, "exclude_id": exclude_id})


@functools.cache
def _statements():
    """The statements above, built whole before any thread sees them."""
    open_for = (select(Order).where(
        Order.course_id == bindparam("course_id"), Order.email == bindparam("email"),
        Order.status.in_(OPEN_STATUSES), Order.duplicate_of_id.is_(None),
    ))
    return {
        "by_public_id": (select(Order).where(Order.public_id == bindparam("public_id"))
                         .options(joinedload(Order.attempts))),
        "by_reference": select(Order).where(Order.reference == bindparam("reference")),
        "open_for": open_for.order_by(Order.id).limit(1),
        "open_for_excluding": (open_for.where(Order.id != bindparam("exclude_id"))
                               .order_by(Order.id).limit(1)),
    }


def orders_of(email):
    """Every order placed with this email, newest first."""
    return db.session.scalars(
        select(Order).where(Order.email == email).order_by(Order.id.desc())).all()


def attempt_with(**ids):
    """The attempt carrying one Stripe id (`stripe_token=`, `charge_id=`,
    `payment_intent_id=`, `checkout_session_id=`), or None."""
    (name, value), = ids.items()
    if not value:
        return None
    return db.session.scalar(
        select(PaymentAttempt).where(getattr(PaymentAttempt, name) == value))


def current_attempt_of(reference):
    """The current payment attempt of the order with this reference, or None."""
    order = order_by_reference(reference) if reference else None
    return order.payment if order is not None else None


def order_for_refund(result):
    """The order a refund Stripe reports belongs to: by the refund row (its Stripe id, or
    the row number the store put in its metadata), else by its charge or PaymentIntent;
    None when the store knows none of them."""
    row = db.session.scalar(select(Refund).where(Refund.stripe_refund_id == result.id))
    row_id = (result.metadata or {}).get("refund_row")
    if row is None and row_id and row_id.isdigit():
        row = db.session.get(Refund, int(row_id))
    if row is not None:
        return row.order
    attempt = (attempt_with(charge_id=result.charge_id)
               or attempt_with(payment_intent_id=result.payment_intent_id))
    return attempt.order if attempt is not None else None
