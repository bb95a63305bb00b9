"""Placing an order: the order and its first payment attempt, committed before Stripe is
called, with the database deciding races.

The token of a card is unique (a double click finds the first order), and so is a buyer's
open order of a course (two tabs with two tokens cannot both charge): the loser of a race
gets the row that won, or None when that one has already been settled failed.
"""

import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Order, OrderStatus, PaymentAttempt
from app.models._unique import commit_keeping
from app.models.order import new_reference
from app.orders import consent as consent_rules
from app.orders import redemptions

#: The order columns that name the policy versions its checkout showed.
POLICY_COLUMNS = ("terms_version", "privacy_version", "refund_policy_version")


def new_order(quote, *, course, email, livemode, consent=None, policies=None,
              browser_key=None):
    """An order (not yet added) for `course` at the price of `quote`, with the
    checkout's consent answer (`consent.ConsentChoice`, None when the form had none);
    `policies` maps POLICY_COLUMNS to the versions the checkout showed; `browser_key`
    names the browser session that started a browser payment."""
    shown = {k: v for k, v in (policies or {}).items() if k in POLICY_COLUMNS}
    order = Order(public_id=secrets.token_urlsafe(18), reference=new_reference(),
                  course_id=course.id, course_title=course.title, email=email,
                  list_price=quote.list_price, discount_amount=quote.discount_amount,
                  tax_amount=quote.tax, amount=quote.amount, currency=quote.currency,
                  coupon_code=quote.code, tax_rate=quote.tax_rate,
                  tax_calculation_id=quote.tax_calculation_id, tax_country=quote.tax_country,
                  buyer_tax_id=quote.buyer_tax_id, tax_reason=quote.tax_reason,
                  livemode=livemode, status=OrderStatus.PENDING,
                  browser_key=browser_key, **shown)
    return consent_rules.record_at_checkout(order, consent)


def attempt_key(order, number=1):
    """The idempotency key of the order's attempt number `number` (1 for the first)."""
    suffix = "" if number == 1 else f"-{number}"
    return f"order-{order.public_id}-charge{suffix}"


def new_attempt(order, *, flow, number=1, **fields):
    """A payment attempt of `order` by `flow`, for the order's amount."""
    attempt = PaymentAttempt(flow=flow, amount=order.amount, currency=order.currency,
                             livemode=order.livemode,
                             idempotency_key=attempt_key(order, number), **fields)
    order.attempts.append(attempt)
    return attempt


def place(order, *, find_existing, quote=None, before_commit=None):
    """Commit `order` with its first attempt; return (order, created).

    On a unique-constraint race, `find_existing()` names the order that won (or None).
    With a coupon in `quote`, one use of it is taken in the same transaction; raises
    `redemptions.CodeRefused` (nothing is placed) when another order got the last one.
    `before_commit()` runs last in the transaction (the card-testing reservation: the
    row it locks must be the last one); what it raises rolls everything back.
    """
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return find_existing(), False
    try:
        if quote is not None and quote.coupon_id is not None:
            redemptions.take(order, quote)
        if before_commit is not None:
            before_commit()
    except BaseException:
        db.session.rollback()
        raise
    commit_keeping()
    return order, True


def add_attempt(order, *, flow, **fields):
    """Commit another attempt of an order that is still open (write before the call)."""
    count = db.session.scalar(select(func.count()).select_from(PaymentAttempt)
                              .where(PaymentAttempt.order_id == order.id))
    attempt = new_attempt(order, flow=flow, number=count + 1, **fields)
    db.session.commit()
    return attempt
