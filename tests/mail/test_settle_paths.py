"""Every path that settles an order fulfils it: reconcile, webhook; and the catalog seam."""

import pytest
from flask import session
from sqlalchemy import select

from app.extensions import db
from app.models import Access, Order, OrderStatus, OutboxMessage, PaymentAttempt


def test_an_order_settled_by_reconcile_gets_access_and_one_email(
        app, buy_course, emulator_control, rows, client):
    """Lost charge answer → pending, nothing granted; reconcile → access and the email."""
    from app.flows import settle
    from app.webhooks.services import handle_event

    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                  method="POST")
    order = buy_course()
    assert order.status == OrderStatus.PENDING
    assert rows(Access) == [] and rows(OutboxMessage) == []
    with app.app_context():
        assert settle(db.session.get(Order, order.id).payment, force=True) == "paid"
    assert len(rows(Access)) == 1
    [mail] = rows(OutboxMessage)
    assert mail.dedupe_key == f"order-confirmation:{order.id}"
    # The charge.succeeded webhook arriving afterwards changes nothing.
    from app.payments import retrieve_charge

    with app.app_context():
        charge_id = db.session.get(Order, order.id).charge_id
        charge = retrieve_charge(charge_id)
        handle_event({"id": "evt_late", "type": "charge.succeeded",
                      "data": {"object": {"id": charge.id, "object": "charge",
                                          "status": "succeeded", "paid": True,
                                          "amount": order.amount, "amount_refunded": 0,
                                          "refunded": False, "disputed": False,
                                          "metadata": {"order_id": order.reference}}}})
    assert len(rows(Access)) == 1 and len(rows(OutboxMessage)) == 1


def test_buyer_has_access_answers_for_the_signed_in_buyer(app, buy_course):
    """The catalog's seam: True only for a signed-in buyer holding active access; a session
    opened by paying counts only the access of its own orders."""
    from app.catalog.access import buyer_has_access
    from app.models import Buyer, Course

    order = buy_course()

    def answer(proof, version_offset=0):
        with app.test_request_context("/"):
            course = db.session.scalar(select(Course).where(Course.id == order.course_id))
            buyer = db.session.scalar(select(Buyer))
            if proof is not None:
                session["buyer_id"] = buyer.id
                session["buyer_sv"] = buyer.session_version + version_offset
                session["buyer_proof"] = proof
            return buyer_has_access(course)

    assert answer(None) is False  # nobody signed in
    assert answer("link") is True
    assert answer([order.id]) is True  # the browser that paid for it
    assert answer([order.id + 1]) is False  # a purchase session of another order
    assert answer("link", version_offset=1) is False  # a signed-out (old) session
    assert answer("forged") is False and answer([]) is False and answer(["1"]) is False
    with app.app_context():
        db.session.scalar(select(Access)).revoked_at = db.func.now()
        db.session.commit()
    assert answer("link") is False and answer([order.id]) is False


def test_backfill_grants_access_for_orders_paid_before_fulfilment(app, cli, insert_paid, rows):
    """Old paid orders get access once, without email unless asked; refunded ones do not."""
    insert_paid(status="paid", email="old@example.com")
    insert_paid(status="refunded", email="gone@example.com")
    result = cli.invoke(args=["access", "backfill"])
    assert result.exit_code == 0 and "1 order(s) granted access." in result.output
    assert len(rows(Access)) == 1 and rows(OutboxMessage) == []
    assert "0 order(s)" in cli.invoke(args=["access", "backfill", "--email"]).output
    assert rows(OutboxMessage) == []


@pytest.fixture
def insert_paid(app, make_course):
    """Insert an order row as an older version of the store would have left it."""
    make_course()

    def insert(status, email):
        from app.catalog.services import get_course

        with app.app_context():
            course = get_course("python-jumpstart")
            order = Order(course_id=course.id, course_title=course.title, email=email,
                          list_price=6900, amount=6900, currency="usd",
                          status=OrderStatus(status))
            order.attempts.append(PaymentAttempt(
                flow="charges", amount=6900, currency="usd", status="succeeded",
                request_state="answered", idempotency_key=f"old-{email}"))
            db.session.add(order)
            db.session.commit()

    return insert
