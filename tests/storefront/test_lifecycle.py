"""The order lifecycle's steps, applied twice and in every order, give one state.

Each case builds a real charge at the emulator (through the SDK), a refund of part of it
and a dispute, reads them into the neutral results the flows hand to the lifecycle, and
applies the steps in every permutation, each twice, to a fresh pending order: the final
status, refunded amount, active access and emails are the same whatever the order.
"""

import itertools
import secrets

import pytest
from sqlalchemy import select

from app import orders, payments, pricing
from app.extensions import db
from app.models import (
    Access,
    AttemptStatus,
    Dispute,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentAttempt,
)


@pytest.fixture
def course(make_course):
    return make_course()


def _pending_order(app, course, email):
    """An order as the checkout commits it before its first Stripe call."""
    with app.app_context():
        course = db.session.merge(course)
        order = orders.new_order(pricing.quote_for(course), course=course, email=email,
                                 livemode=False)
        orders.new_attempt(order, flow="charges", stripe_token=f"tok_{secrets.token_hex(6)}")
        db.session.add(order)
        db.session.commit()
        return order.id, order.reference


def _news(stripe_sdk, reference, *, refund_amount=2000):
    """What Stripe says about one order's charge: the charge when it succeeded, a partial
    refund of it, the charge after the refund, and a dispute opened on it."""
    charge = stripe_sdk.v1.charges.create(params={
        "amount": 6900, "currency": "usd", "source": "tok_visa",
        "metadata": {"order_id": reference}})
    refund = stripe_sdk.v1.refunds.create(params={"charge": charge.id,
                                                  "amount": refund_amount})
    after = stripe_sdk.v1.charges.retrieve(charge.id)
    return {
        "succeeded": payments.PaymentResult.from_charge(charge),
        "refund": payments.RefundResult.from_refund(refund),
        "refunded": payments.PaymentResult.from_charge(after),
        "disputed": payments.DisputeResult(id=f"dp_{secrets.token_hex(6)}",
                                           charge_id=charge.id, status="needs_response"),
    }


def _apply(app, order_id, step, news):
    with app.app_context():
        order = db.session.get(Order, order_id)
        attempt = order.payment
        if step == "succeeded":
            orders.payment_succeeded(attempt, news["succeeded"])
        elif step == "refunded":
            orders.payment_succeeded(attempt, news["refunded"])
        elif step == "refund":
            orders.refund_recorded(order, news["refund"])
        elif step == "disputed":
            orders.dispute_opened(order, news["disputed"])
        elif step == "won":
            orders.dispute_closed(order, payments.DisputeResult(
                id=news["disputed"].id, charge_id=news["disputed"].charge_id,
                status="won"))
        db.session.commit()


def _state(app, order_id, email):
    with app.app_context():
        order = db.session.get(Order, order_id)
        active = db.session.scalars(select(Access).where(
            Access.order_id == order_id, Access.revoked_at.is_(None))).all()
        mail = sorted(m.kind for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_email == email)))
        return (order.status, order.amount_refunded, order.payment.status, len(active),
                mail)


def test_paid_refunded_and_disputed_in_any_order_end_the_same(app, course, stripe_sdk):
    """24 orders: every order of succeeded / refund / charge.refunded / dispute, each
    applied twice: disputed, 20.00 refunded, no active access, one confirmation and one
    refund notice."""
    steps = ["succeeded", "refund", "refunded", "disputed"]
    seen = set()
    for n, permutation in enumerate(itertools.permutations(steps)):
        email = f"buyer{n}@example.com"
        order_id, reference = _pending_order(app, course, email)
        news = _news(stripe_sdk, reference)
        for step in permutation:
            _apply(app, order_id, step, news)
            _apply(app, order_id, step, news)  # every step arrives twice
        state = _state(app, order_id, email)
        assert state == (OrderStatus.DISPUTED, 2000, AttemptStatus.SUCCEEDED, 0,
                         ["order_confirmation", "refund_notice"]), permutation
        seen.add(state[:4])
    assert len(seen) == 1


def test_a_dispute_the_seller_won_gives_the_order_back_in_any_order(app, course,
                                                                   stripe_sdk):
    """Succeeded, dispute opened, dispute won in every order (each twice): paid, one
    active access row, one confirmation."""
    for n, permutation in enumerate(itertools.permutations(["succeeded", "disputed",
                                                            "won"])):
        email = f"won{n}@example.com"
        order_id, reference = _pending_order(app, course, email)
        news = _news(stripe_sdk, reference, refund_amount=1)
        for step in permutation:
            _apply(app, order_id, step, news)
            _apply(app, order_id, step, news)
        status, _, attempt, active, mail = _state(app, order_id, email)
        assert (status, attempt, active, mail) == (
            OrderStatus.PAID, AttemptStatus.SUCCEEDED, 1, ["order_confirmation"]
        ), permutation
        with app.app_context():
            [dispute] = db.session.scalars(select(Dispute).where(
                Dispute.order_id == order_id)).all()
            assert dispute.status == "won" and dispute.closed_at is not None


def test_a_failed_attempt_never_undoes_the_charge_that_paid(app, course, stripe_sdk):
    """A decline snapshot arriving after the success (or before it) leaves the order paid."""
    for n, first_fails in enumerate((True, False)):
        email = f"late{n}@example.com"
        order_id, reference = _pending_order(app, course, email)
        news = _news(stripe_sdk, reference, refund_amount=1)
        failure = payments.PaymentResult.failure(code="card_declined",
                                                 message="Your card was declined.")
        with app.app_context():
            attempt = db.session.get(Order, order_id).payment
            steps = [(orders.payment_failed, failure),
                     (orders.payment_succeeded, news["succeeded"])]
            for step, result in (steps if first_fails else steps[::-1]):
                step(db.session.get(PaymentAttempt, attempt.id), result)
                db.session.commit()
        status, _, attempt_status, active, mail = _state(app, order_id, email)
        assert (status, attempt_status, active, mail) == (
            OrderStatus.PAID, AttemptStatus.SUCCEEDED, 1, ["order_confirmation"])
