"""Issue 7's money invariants: never 'failed' while a charge may land, Stripe's record wins,
a late duplicate is refunded, pending orders settle when the buyer comes back."""

import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus, Refund
from tests.admin.conftest import admin_account, admin_client  # noqa: F401  (fixtures)
from tests.storefront.test_webhooks import _event, _post_event


def _charges_for(stripe_sdk, reference):
    return [c for c in stripe_sdk.v1.charges.list(params={"limit": 100}).data
            if c.metadata.to_dict().get("order_id") == reference]


def _set_status(app, reference, status):
    """Put an order in a state an older version of the store could leave it in."""
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        order.status = status
        db.session.commit()


def test_receipt_visit_settles_a_pending_order(make_course, card_token, checkout, orders,
                                               client, emulator_control, stripe_sdk):
    """The answer was lost; the buyer opens the receipt and sees it paid at once."""
    make_course()
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                  method="POST")
    response = checkout("python-jumpstart", card_token())
    [order] = orders()
    assert order.status == OrderStatus.PENDING
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your payment went through" in html
    [order] = orders()
    assert order.status == OrderStatus.PAID and order.payment.card_last4 == "4242"
    assert len(_charges_for(stripe_sdk, order.reference)) == 1


def test_paying_again_settles_the_first_order_and_charges_once(
    make_course, card_token, checkout, orders, emulator_control, stripe_sdk
):
    """The first request never reached Stripe; paying again settles it (one charge)."""
    make_course()
    emulator_control.inject_fault(mode="drop", count=1, path="/v1/charges", method="POST")
    checkout("python-jumpstart", card_token())
    [first] = orders()
    assert first.status == OrderStatus.PENDING
    response = checkout("python-jumpstart", card_token("5555555555554444"), follow=True)
    assert "was already paid, so we did not charge you again" in response.get_data(
        as_text=True)
    [first] = orders()  # no second order row
    assert first.status == OrderStatus.PAID
    assert first.payment.card_last4 == "4242"
    assert [c.status for c in stripe_sdk.v1.charges.list(params={"limit": 10}).data] == [
        "succeeded"]


def test_reconcile_never_fails_an_order_whose_request_is_still_running(
    app, make_course, card_token, checkout, orders, emulator_control, cli, stripe_sdk
):
    """Stripe is slower than our timeout: reconcile keeps the order pending (409), then
    records the charge once it lands — the 'failed, then charged' path is closed."""
    make_course()
    token = card_token()
    app.config["STRIPE_TIMEOUT"] = 1
    emulator_control.set_latency(ms=3000)
    try:
        started = time.monotonic()
        checkout("python-jumpstart", token)
        [order] = orders()
        assert order.status == OrderStatus.PENDING
        result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
        assert result.exit_code == 0, result.output
        assert "Stripe is still processing the first request" in result.output
        [order] = orders()
        assert order.status == OrderStatus.PENDING
        time.sleep(max(0, 3.5 - (time.monotonic() - started)))
    finally:
        emulator_control.set_latency(ms=0)
        app.config["STRIPE_TIMEOUT"] = 5
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert f"{order.reference}: paid" in result.output
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert len(_charges_for(stripe_sdk, order.reference)) == 1


def test_a_charge_landing_on_a_failed_order_makes_it_paid(
    app, make_course, card_token, checkout, orders, client, emulator_control, stripe_sdk
):
    """Stripe's record wins: charge.succeeded for an order given up as failed → paid, 200."""
    make_course()
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                  method="POST")
    checkout("python-jumpstart", card_token())
    [order] = orders()
    _set_status(app, order.reference, OrderStatus.FAILED)
    [charge] = _charges_for(stripe_sdk, order.reference)
    response = _post_event(client, _event("charge.succeeded", charge.to_dict(), "evt_late"))
    assert response.status_code == 200, response.get_data(as_text=True)
    [order] = orders()
    assert order.status == OrderStatus.PAID
    assert order.duplicate_of_id is None
    assert order.charge_id == charge.id


@pytest.fixture
def late_charge(app, make_course, card_token, checkout, orders, emulator_control,
                stripe_sdk):
    """An order given up as failed whose charge exists at Stripe, and a second order the
    buyer then paid for the same course; returns the late order's charge."""
    make_course()
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/charges",
                                  method="POST")
    checkout("python-jumpstart", card_token())
    [late] = orders()
    _set_status(app, late.reference, OrderStatus.FAILED)
    checkout("python-jumpstart", card_token("5555555555554444"))
    [charge] = _charges_for(stripe_sdk, late.reference)
    return charge


def test_late_charge_after_paying_again_is_refunded_as_a_duplicate(
    app, late_charge, orders, client, stripe_sdk,
    admin_client,  # noqa: F811  (the fixture imported above)
):
    """A failed order's charge lands after the buyer paid through a second order: the late
    one is flagged, refunded in full with reason duplicate, and shown to the admin."""
    charge = late_charge
    _, second = orders()
    assert second.status == OrderStatus.PAID
    for event_id in ("evt_late_1", "evt_late_2"):  # delivered twice: refunded once
        response = _post_event(client, _event("charge.succeeded", charge.to_dict(),
                                              event_id))
        assert response.status_code == 200, response.get_data(as_text=True)
    late, second = orders()
    assert late.duplicate_of_id == second.id
    assert late.status == OrderStatus.REFUNDED
    assert second.status == OrderStatus.PAID
    [refund] = stripe_sdk.v1.refunds.list(params={"charge": charge.id}).data
    assert (refund.amount, refund.reason, refund.status) == (6900, "duplicate", "succeeded")
    with app.app_context():
        [row] = db.session.scalars(select(Refund)).all()
        assert (row.stripe_refund_id, row.reason) == (refund.id, "duplicate")
    html = admin_client.get(f"/admin/purchases/{late.reference}").get_data(as_text=True)
    assert "Duplicate of" in html and second.reference in html


def test_duplicate_refund_that_stripe_did_not_answer_is_sent_by_reconcile(
    late_charge, orders, client, emulator_control, stripe_sdk, cli
):
    """Stripe unreachable while refunding a duplicate: the webhook still gets 200 and
    reconcile sends the refund later, once."""
    charge = late_charge
    emulator_control.inject_fault(mode="drop", count=1, path="/v1/refunds", method="POST")
    response = _post_event(client, _event("charge.succeeded", charge.to_dict(), "evt_x"))
    assert response.status_code == 200
    late, _ = orders()
    assert late.status == OrderStatus.PAID and late.duplicate_of_id is not None
    assert stripe_sdk.v1.refunds.list(params={"charge": charge.id}).data == []
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert "succeeded" in result.output, result.output
    cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    [refund] = stripe_sdk.v1.refunds.list(params={"charge": charge.id}).data
    assert refund.reason == "duplicate"
    late, _ = orders()
    assert late.status == OrderStatus.REFUNDED


def test_dispute_for_a_charge_stripe_does_not_know_is_acknowledged(client):
    """Validly signed, but the charge is unknown at Stripe: 200 and nothing changes."""
    dispute = {"id": "dp_nope", "object": "dispute", "charge": "ch_doesnotexist",
               "amount": 100, "currency": "usd", "status": "needs_response"}
    response = _post_event(client, _event("charge.dispute.created", dispute, "evt_dp"))
    assert response.status_code == 200
    assert "unknown to Stripe" in response.get_json()["result"]


def test_dispute_while_stripe_is_unreachable_asks_for_redelivery(client, emulator_control):
    """Stripe must be asked and cannot answer: 503 (Stripe retries), the event is not
    stored, so the redelivery is processed."""
    dispute = {"id": "dp_x", "object": "dispute", "charge": "ch_unknown_yet", "amount": 1,
               "currency": "usd", "status": "needs_response"}
    emulator_control.inject_fault(status=500, count=5, path="/v1/charges", method="GET")
    response = _post_event(client, _event("charge.dispute.created", dispute, "evt_dp2"))
    assert response.status_code == 503
    emulator_control.clear_faults()
    response = _post_event(client, _event("charge.dispute.created", dispute, "evt_dp2"))
    assert response.status_code == 200
    assert response.get_json()["result"] != "duplicate"
