"""The webhook endpoint: signature, deduplication, settling orders."""

import json
import time

import pytest
import requests
import stripe
from sqlalchemy import func, select

from app.extensions import db
from app.models import OrderStatus, WebhookEvent
from tests.helpers import csrf_from

SECRET = "whsec_test_secret"


def _post_event(client, event, secret=SECRET, signature=None):
    payload = json.dumps(event)
    if signature is None:
        stamp = int(time.time())  # one timestamp for the signed payload and the header
        signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{payload}", secret)
        signature = f"t={stamp},v1={signature}"
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": signature,
                                "Content-Type": "application/json"})


def _event(event_type, obj, event_id="evt_test_1"):
    return {"id": event_id, "object": "event", "type": event_type, "api_version": None,
            "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "data": {"object": obj}}


@pytest.fixture
def paid_order(make_course, card_token, checkout, orders):
    """An order paid through the checkout (Python Jumpstart, $69.00, card 4242)."""
    make_course()
    checkout("python-jumpstart", card_token())
    [order] = orders()
    return order


@pytest.fixture
def pending_order_with_charge(make_course, card_token, checkout, orders, emulator_control,
                              stripe_sdk):
    """An order whose charge succeeded at Stripe while its answer was lost."""
    make_course()
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                  method="POST")
    checkout("python-jumpstart", card_token())
    [order] = orders()
    [charge] = stripe_sdk.v1.charges.search(
        params={"query": f"metadata['order_id']:'{order.reference}'"}
    ).data
    return order, charge


def test_bad_signature_is_refused(client):
    """A payload not signed with our secret gets 400 and changes nothing."""
    response = _post_event(client, _event("charge.succeeded", {"id": "ch_x"}),
                           secret="whsec_wrong")
    assert response.status_code == 400
    missing = client.post("/webhooks/stripe", data="{}")
    assert missing.status_code == 400


def test_charge_succeeded_settles_a_pending_order(client, app, pending_order_with_charge,
                                                  orders):
    """charge.succeeded for a pending order marks it paid with the charge fields."""
    order, charge = pending_order_with_charge
    assert order.status == OrderStatus.PENDING
    response = _post_event(client, _event("charge.succeeded", charge.to_dict()))
    assert response.status_code == 200
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert order.charge_id == charge.id
    assert order.payment.card_last4 == "4242"


def test_duplicate_events_are_processed_once(client, app, pending_order_with_charge):
    """The same event id twice: the second is acknowledged and ignored."""
    _, charge = pending_order_with_charge
    event = _event("charge.succeeded", charge.to_dict(), event_id="evt_dup")
    assert _post_event(client, event).get_json()["result"].endswith("paid")
    second = _post_event(client, event)
    assert second.status_code == 200
    assert second.get_json()["result"] == "duplicate"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 1


def test_dispute_marks_the_order_disputed(client, orders, paid_order):
    """charge.dispute.created moves a paid order to disputed."""
    order = paid_order
    dispute = {"id": "dp_1", "object": "dispute", "charge": order.charge_id,
               "amount": order.amount, "reason": "fraudulent", "status": "needs_response"}
    response = _post_event(client, _event("charge.dispute.created", dispute))
    assert response.status_code == 200
    assert orders()[0].status == OrderStatus.DISPUTED


def test_unknown_event_types_are_acknowledged(client):
    """Events the store does not use are stored and answered 200."""
    response = _post_event(client, _event("customer.created", {"id": "cus_1"}))
    assert response.status_code == 200
    assert response.get_json()["result"] == "ignored"


def test_emulator_delivered_event_settles_a_lost_charge(live_server, make_course, card_token,
                                                        emulator_control, orders):
    """End to end: the emulator signs and delivers charge.succeeded; the order becomes paid."""
    make_course()
    emulator_control.add_webhook(f"{live_server}/webhooks/stripe", SECRET)
    try:
        emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                      method="POST")
        session = requests.Session()
        page = session.get(f"{live_server}/courses/python-jumpstart", timeout=10)
        token = csrf_from(page.text)
        # Not following the redirect: opening the receipt would settle the order itself.
        session.post(f"{live_server}/courses/python-jumpstart/checkout", timeout=20,
                     allow_redirects=False,
                     data={"csrf_token": token, "stripeToken": card_token(),
                           "stripeEmail": "ada@example.com"})
        deadline = time.monotonic() + 10
        delivered = []
        while time.monotonic() < deadline and not (
                orders()[0].status == OrderStatus.PAID and delivered):
            time.sleep(0.1)
            # The emulator logs a delivery just after the store has answered it.
            delivered = [d for d in emulator_control.deliveries()
                         if d.get("status") == 200 and d.get("type") == "charge.succeeded"]
    finally:
        emulator_control.clear_webhooks()
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert order.payment.card_last4 == "4242"
    assert delivered, "the emulator recorded no successful delivery"


def test_refund_made_in_stripes_dashboard_enters_the_history(client, app, orders, stripe_sdk,
                                                             paid_order):
    """refund.created for a refund we did not make adds a Refund row; a repeat adds none."""
    from app.models import Refund

    order = paid_order
    refund = stripe_sdk.v1.refunds.create(params={"charge": order.charge_id, "amount": 900})
    for event_id in ("evt_r1", "evt_r2"):  # two deliveries of different events, same refund
        response = _post_event(client, _event("refund.created", refund.to_dict(), event_id))
        assert response.status_code == 200
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    _post_event(client, _event("charge.refunded", charge.to_dict(), "evt_r3"))
    with app.app_context():
        rows = db.session.scalars(select(Refund)).all()
        assert [(r.stripe_refund_id, r.amount, r.status, r.created_by) for r in rows] == [
            (refund.id, 900, "succeeded", "Stripe")
        ]
    [order] = orders()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == 900


def test_refund_event_for_our_in_flight_refund_updates_our_row(client, app, stripe_sdk, paid_order):
    """refund.created that beats the admin's own answer fills in the admin's pending row."""
    from app.models import Refund

    order = paid_order
    with app.app_context():
        row = Refund(order_id=order.id, amount=500, currency="usd", status="pending",
                     reason="duplicate", idempotency_key="refund-test-key",
                     created_by="owner@example.com")
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    refund = stripe_sdk.v1.refunds.create(
        params={"charge": order.charge_id, "amount": 500, "reason": "duplicate",
                "metadata": {"order_id": order.reference, "refund_row": str(row_id)}}
    )
    response = _post_event(client, _event("refund.created", refund.to_dict(), "evt_own"))
    assert response.status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(Refund)).all()
        assert [(r.id, r.stripe_refund_id, r.status, r.created_by) for r in rows] == [
            (row_id, refund.id, "succeeded", "owner@example.com")
        ]


def test_stale_events_never_move_an_order_backwards(client, orders, stripe_sdk, paid_order):
    """Events arrive out of order: an old charge.succeeded after a refund or a dispute is
    acknowledged and changes no status."""
    order = paid_order
    stale = stripe_sdk.v1.charges.retrieve(order.charge_id).to_dict()  # before the refund
    stripe_sdk.v1.refunds.create(params={"charge": order.charge_id, "amount": 1000})
    refunded = stripe_sdk.v1.charges.retrieve(order.charge_id).to_dict()
    assert _post_event(client, _event("charge.refunded", refunded, "evt_a")).status_code == 200
    late = _post_event(client, _event("charge.succeeded", stale, "evt_b"))
    assert late.status_code == 200
    [order] = orders()
    assert (order.status, order.amount_refunded) == (OrderStatus.PARTIALLY_REFUNDED, 1000)
    dispute = {"id": "dp_2", "object": "dispute", "charge": order.charge_id,
               "amount": order.amount, "reason": "fraudulent", "status": "needs_response"}
    _post_event(client, _event("charge.dispute.created", dispute, "evt_c"))
    assert _post_event(client, _event("charge.succeeded", stale, "evt_d")).status_code == 200
    assert orders()[0].status == OrderStatus.DISPUTED


def test_dispute_before_the_charge_event_settles_the_pending_order(
    client, make_course, card_token, checkout, orders, emulator_control, stripe_sdk
):
    """charge.dispute.created for an order still pending (its answer was lost) reads the
    charge from Stripe, stores it and marks the order disputed."""
    make_course()
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                  method="POST")
    checkout("python-jumpstart", card_token("4000000000000259"))  # the dispute card
    [order] = orders()
    assert order.status == OrderStatus.PENDING and order.charge_id is None
    [dispute] = stripe_sdk.v1.disputes.list().data
    response = _post_event(client, _event("charge.dispute.created", dispute.to_dict()))
    assert response.status_code == 200
    [order] = orders()
    assert order.status == OrderStatus.DISPUTED
    assert order.charge_id == dispute.charge
    assert order.payment.card_last4 == "0259"
