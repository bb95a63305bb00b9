"""Fulfilment: access follows payment, once; emails are queued once per cause."""

import json
import time

import pytest
import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Access,
    AccessEvent,
    Buyer,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentAttempt,
)
from app.models._time import utcnow
from app.orders.fulfilment import order_disputed, order_paid, order_refunded
from app.orders.refunds import new_idempotency_key, refund_order


def _order(reference):
    return db.session.scalar(select(Order).where(Order.reference == reference))


def _refund(app, order, amount):
    with app.app_context():
        row = _order(order.reference)
        refund_order(order=row, amount=amount, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(row), created_by="owner@example.com")


def test_a_paid_order_grants_access_and_queues_one_confirmation(buy_course, rows):
    """Paying creates the buyer (lower-case), one active access row and one email row."""
    order = buy_course(email="Ada@Example.COM")
    assert order.status == OrderStatus.PAID
    [buyer] = rows(Buyer)
    assert buyer.email == "ada@example.com"
    [access] = rows(Access)
    assert (access.buyer_id, access.course_id, access.order_id) == (
        buyer.id, order.course_id, order.id)
    assert access.revoked_at is None and access.granted_by == "order"
    [mail] = rows(OutboxMessage)
    assert mail.dedupe_key == f"order-confirmation:{order.id}"
    assert (mail.to_email, mail.status, mail.buyer_id) == ("ada@example.com", "pending",
                                                          buyer.id)


def test_fulfilment_run_twice_gives_one_access_row_and_one_email(app, buy_course, rows, smtp,
                                                                 flush_mail, stripe_sdk):
    """order_paid again, and the same charge applied again, change nothing; one email."""
    from app.orders import payment_succeeded
    from app.payments import retrieve_charge

    order = buy_course()
    with app.app_context():
        row = _order(order.reference)
        assert order_paid(row).action == "duplicate"
        payment_succeeded(row.payment, retrieve_charge(row.charge_id))
        order_paid(row)
        db.session.commit()
    assert len(rows(Access)) == 1
    assert len(rows(OutboxMessage)) == 1
    assert flush_mail() == {"sent": 1}
    assert flush_mail() == {}
    time.sleep(0.2)
    assert len(smtp.messages) == 1


def test_fulfilment_run_again_after_access_was_revoked_grants_nothing(app, buy_course, rows):
    """The access row is written before the paid event (so the event is written once,
    with what was decided): a second run, after an admin revoked the access, takes back
    the row it inserted and leaves one revoked row, one event and one email."""
    from app.access.services import revoke

    order = buy_course()
    with app.app_context():
        [access] = db.session.scalars(select(Access)).all()
        revoke(access, by="owner@example.com", reason="Chargeback by hand")
        db.session.commit()
        assert order_paid(_order(order.reference)).action == "duplicate"
        db.session.commit()
    [access] = rows(Access)
    assert access.revoked_at is not None
    [event] = [e for e in rows(AccessEvent) if e.dedupe_key == f"order-paid:{order.id}"]
    assert (event.action, event.access_id) == ("granted", access.id)
    assert event.reason == f"Order {order.reference} paid"
    assert len(rows(OutboxMessage)) == 1


def test_a_full_refund_revokes_access_and_queues_the_refund_notice(app, buy_course, rows):
    """Refunding everything ends access (the row stays, revoked) and queues one notice."""
    order = buy_course()
    _refund(app, order, order.amount)
    [access] = rows(Access)
    assert access.revoked_at is not None
    assert "Full refund" in access.revoke_reason
    notices = rows(OutboxMessage, kind="refund_notice")
    assert len(notices) == 1
    assert notices[0].context["access"] == "revoked"
    assert notices[0].context["amount"] == order.amount


def test_a_partial_refund_keeps_access(app, buy_course, rows):
    """A partial refund keeps access by default; the notice says so."""
    order = buy_course()
    _refund(app, order, 1000)
    [access] = rows(Access)
    assert access.revoked_at is None
    [notice] = rows(OutboxMessage, kind="refund_notice")
    assert (notice.context["access"], notice.context["amount"]) == ("kept", 1000)


def test_the_setting_revokes_on_a_partial_refund(app, buy_course, rows):
    """REVOKE_ACCESS_ON_PARTIAL_REFUND makes a partial refund end access."""
    order = buy_course()
    app.config["REVOKE_ACCESS_ON_PARTIAL_REFUND"] = True
    try:
        _refund(app, order, 1000)
    finally:
        app.config["REVOKE_ACCESS_ON_PARTIAL_REFUND"] = False
    [access] = rows(Access)
    assert access.revoked_at is not None


def test_another_paid_order_for_the_course_keeps_access(app, buy_course, rows):
    """A refund keeps access while the buyer holds another paid order for that course.

    (The database allows one open order per buyer and course; a second paid one is a late
    charge flagged as a duplicate of the first.)
    """
    first = buy_course()
    with app.app_context():
        original = _order(first.reference)
        other = Order(course_id=original.course_id, course_title=original.course_title,
                      email=original.email, list_price=original.amount,
                      amount=original.amount, currency=original.currency,
                      status=OrderStatus.PAID, paid_at=utcnow(),
                      duplicate_of_id=original.id)
        other.attempts.append(PaymentAttempt(
            flow="charges", amount=original.amount, currency=original.currency,
            status="succeeded", request_state="answered", idempotency_key="second-order"))
        db.session.add(other)
        db.session.flush()
        assert order_paid(other).action == "kept"  # access already active: one row
        db.session.commit()
        other_id = other.id
    _refund(app, first, first.amount)
    [access] = rows(Access)
    assert access.revoked_at is None
    assert access.order_id == other_id
    with app.app_context():
        other = db.session.get(Order, other_id)
        other.transition(OrderStatus.REFUNDED)
        other.amount_refunded = other.amount
        order_refunded(other, amount=other.amount, full=True, refund_key="manual-1")
        db.session.commit()
    [access] = rows(Access)
    assert access.revoked_at is not None


def test_refund_is_idempotent_per_refund_key(app, buy_course, rows):
    """The same refund reported twice revokes once and queues one notice."""
    order = buy_course()
    with app.app_context():
        row = _order(order.reference)
        first = order_refunded(row, amount=row.amount, full=True, refund_key="r1")
        again = order_refunded(row, amount=row.amount, full=True, refund_key="r1")
        db.session.commit()
    assert (first.action, again.action) == ("revoked", "duplicate")
    assert len(rows(OutboxMessage, kind="refund_notice")) == 1
    assert len(rows(AccessEvent, source="refund")) == 1


def _post_dispute(client, order):
    payload = json.dumps({
        "id": "evt_dispute_1", "object": "event", "type": "charge.dispute.created",
        "api_version": None, "created": int(time.time()), "livemode": False,
        "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
        "data": {"object": {"id": "dp_1", "object": "dispute", "charge": order.charge_id,
                            "amount": order.amount, "status": "needs_response"}}})
    now = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{now}.{payload}",
                                                           "whsec_test_secret")
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": f"t={now},v1={signature}",
                                "Content-Type": "application/json"})


def test_a_dispute_webhook_revokes_access_without_email(client, buy_course, rows):
    """charge.dispute.created revokes access like a full refund; no email is queued."""
    order = buy_course()
    assert _post_dispute(client, order).status_code == 200
    [access] = rows(Access)
    assert access.revoked_at is not None and "disputed" in access.revoke_reason
    assert [m.kind for m in rows(OutboxMessage)] == ["order_confirmation"]
    with client.application.app_context():
        assert order_disputed(_order(order.reference)).action == "duplicate"


def test_access_granted_by_hand_survives_a_refund(app, buy_course, rows):
    """A refund only takes away access an order gave; a manual grant stays."""
    from app.access.services import ensure_buyer, grant_by_hand, revoke_by_hand

    order = buy_course()
    with app.app_context():
        [access] = db.session.scalars(select(Access)).all()
        revoke_by_hand(access=access, admin_email="owner@example.com", reason="test")
        buyer = ensure_buyer(order.email)
        grant_by_hand(buyer=buyer, course=_order(order.reference).course,
                      admin_email="owner@example.com", reason="Scholarship")
        db.session.commit()
    _refund(app, order, order.amount)
    active = [row for row in rows(Access) if row.revoked_at is None]
    assert len(active) == 1 and active[0].granted_by == "owner@example.com"


def test_the_database_allows_one_active_access_per_buyer_and_course(app, buy_course):
    """The partial unique index refuses a second active row; revoked rows may repeat."""
    order = buy_course()
    with app.app_context():
        [access] = db.session.scalars(select(Access)).all()
        db.session.add(Access(buyer_id=access.buyer_id, course_id=access.course_id,
                              granted_by="x"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        access = db.session.get(Access, access.id)
        access.revoked_at = utcnow()
        db.session.add(Access(buyer_id=access.buyer_id, course_id=access.course_id,
                              granted_by="x", revoked_at=utcnow()))
        db.session.add(Access(buyer_id=access.buyer_id, course_id=access.course_id,
                              granted_by="x"))
        db.session.commit()
        assert len(db.session.scalars(select(Access)).all()) == 3
    assert order.status == OrderStatus.PAID
