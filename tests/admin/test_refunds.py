"""Refunds through the real SDK against the emulator: partial, full, refused, once only."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OrderStatus, Refund
from app.models._time import utcnow

from .conftest import KEY_RE, csrf_from


def _form(client, reference):
    """Render the detail page; return its refund form fields."""
    html = client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    return {"csrf_token": csrf_from(html), "idempotency_key": KEY_RE.search(html).group(1)}


def _refund(client, reference, amount, reason="requested_by_customer", confirm="y",
            form=None):
    data = dict(form or _form(client, reference), amount=amount, reason=reason)
    if confirm:
        data["confirm"] = confirm
    return client.post(f"/admin/purchases/{reference}/refund", data=data)


def _stripe_refunds(stripe_sdk, charge_id):
    return stripe_sdk.v1.refunds.list(params={"charge": charge_id}).data


def _refund_rows(app):
    with app.app_context():
        rows = db.session.scalars(select(Refund).order_by(Refund.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_form_defaults_to_the_remaining_amount_and_needs_confirmation(admin_client, buy,
                                                                      app, stripe_sdk,
                                                                      order_row):
    """The amount field starts at what remains; without the tick nothing is sent."""
    reference = buy()
    html = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="amount"[^>]*value="69.00"', html)
    assert "I confirm: send this refund" in html
    response = _refund(admin_client, reference, "10.00", confirm=None)
    assert response.status_code == 400
    assert "Tick the confirmation box" in response.get_data(as_text=True)
    assert _refund_rows(app) == []
    assert _stripe_refunds(stripe_sdk, order_row(reference).charge_id) == []


def test_partial_then_full_refund(admin_client, buy, app, stripe_sdk, order_row):
    """$20 then the remaining $49: statuses follow, Stripe holds both, rows record who."""
    reference = buy()
    response = _refund(admin_client, reference, "20.00")
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Refunded $20.00. The purchase is now partially refunded." in page
    order = order_row(reference)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == 2000
    assert 'value="49.00"' in page
    response = _refund(admin_client, reference, "49.00", reason="duplicate")
    assert response.status_code == 302
    order = order_row(reference)
    assert order.status == OrderStatus.REFUNDED and order.amount_refunded == 6900
    on_stripe = _stripe_refunds(stripe_sdk, order.charge_id)
    assert sorted(r.amount for r in on_stripe) == [2000, 4900]
    assert {r.reason for r in on_stripe} == {"requested_by_customer", "duplicate"}
    assert all(r.metadata["order_id"] == reference for r in on_stripe)
    rows = _refund_rows(app)
    assert [(r.amount, r.status, r.created_by) for r in rows] == [
        (2000, "succeeded", "owner@example.com"), (4900, "succeeded", "owner@example.com")]
    assert {r.stripe_refund_id for r in rows} == {r.id for r in on_stripe}
    detail = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    assert "Duplicate payment" in detail and 'data-testid="refund-form"' not in detail


@pytest.mark.parametrize("amount, message", [
    ("69.01", "You can refund at most $69.00"),
    ("0", "must be more than zero"),
    ("-5.00", "must be more than zero"),
    ("1.005", "more decimals than USD allows"),
    ("abc", "is not a number"),
])
def test_bad_amounts_are_refused_before_stripe(admin_client, buy, app, stripe_sdk,
                                               order_row, amount, message):
    """Over-refund, zero, negative and malformed amounts never reach Stripe."""
    reference = buy()
    response = _refund(admin_client, reference, amount)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _refund_rows(app) == []
    assert _stripe_refunds(stripe_sdk, order_row(reference).charge_id) == []
    assert order_row(reference).status == OrderStatus.PAID


def test_over_refund_after_a_partial_refund_names_what_remains(admin_client, buy):
    """After $60 is refunded, $10 is more than the $9 left."""
    reference = buy()
    _refund(admin_client, reference, "60.00")
    response = _refund(admin_client, reference, "10.00")
    assert response.status_code == 400
    assert "You can refund at most $9.00 (of $69.00); $60.00 was refunded already." in (
        response.get_data(as_text=True))


def test_double_submit_of_the_same_form_refunds_once(admin_client, buy, app, stripe_sdk,
                                                     order_row):
    """The same idempotency key posted twice makes one Stripe refund and one row."""
    reference = buy()
    form = _form(admin_client, reference)
    first = _refund(admin_client, reference, "15.00", form=form)
    second = _refund(admin_client, reference, "15.00", form=form)
    assert first.status_code == second.status_code == 302
    page = admin_client.get(second.headers["Location"]).get_data(as_text=True)
    assert "was already sent; nothing more was refunded" in page
    assert len(_refund_rows(app)) == 1
    assert [r.amount for r in _stripe_refunds(stripe_sdk, order_row(reference).charge_id)
            ] == [1500]
    assert order_row(reference).amount_refunded == 1500


def test_pending_row_with_unknown_outcome_is_retried_with_the_same_key(
    app_ctx, buy, stripe_sdk, emulator_control
):
    """Stripe down: the row stays pending; the retry sends the same key and settles it."""
    from app.admin.purchases import get_purchase
    from app.orders.refunds import RefundError, refund_order

    reference = buy()
    order = get_purchase(reference)
    emulator_control.inject_fault(status=500, count=1, path="/v1/refunds")
    with pytest.raises(RefundError, match="Stripe could not be reached"):
        refund_order(order=order, amount=500, reason="duplicate", idempotency_key="k-1",
                     created_by="owner@example.com")
    row = db.session.scalar(select(Refund))
    assert row.status == "pending" and row.stripe_refund_id is None
    outcome = refund_order(order=order, amount=500, reason="duplicate",
                           idempotency_key="k-1", created_by="owner@example.com")
    assert outcome.refund.status == "succeeded"
    assert len(_stripe_refunds(stripe_sdk, order.charge_id)) == 1
    assert order.amount_refunded == 500


@pytest.mark.parametrize("token, status", [("4000000000009995", "failed")])
def test_failed_orders_cannot_be_refunded(app_ctx, buy, token, status):
    """Only paid or partially refunded orders are refundable."""
    from app.admin.purchases import get_purchase
    from app.orders.refunds import RefundError, refund_order

    order = get_purchase(buy(number=token))
    assert order.status.value == status
    with pytest.raises(RefundError, match="is failed; only paid orders can be refunded"):
        refund_order(order=order, amount=100, reason="duplicate", idempotency_key="k-2",
                     created_by="x")
    assert db.session.scalar(select(Refund)) is None


def test_pending_order_cannot_be_refunded(admin_client, insert_orders, app):
    """A pending attempt has nothing to refund; posting the form is refused with why."""
    [row] = insert_orders([{"status": "pending", "paid": False, "created_at": utcnow()}])
    html = admin_client.get(f"/admin/purchases/{row['reference']}").get_data(as_text=True)
    assert 'data-testid="refund-form"' not in html
    form = {"csrf_token": csrf_from(html), "idempotency_key": "refund-x-1",
            "amount": "1.00", "reason": "duplicate", "confirm": "y"}
    response = admin_client.post(f"/admin/purchases/{row['reference']}/refund", data=form)
    assert response.status_code == 400
    assert "is pending; only paid orders can be refunded" in response.get_data(as_text=True)


def test_stripe_saying_already_refunded_is_reported_and_the_order_catches_up(
    admin_client, buy, app, stripe_sdk, order_row
):
    """Refunded in Stripe's dashboard, unknown to us: Stripe's refusal is shown clearly."""
    reference = buy()
    charge_id = order_row(reference).charge_id
    stripe_sdk.v1.refunds.create(params={"charge": charge_id})  # no webhook reaches us
    assert order_row(reference).status == OrderStatus.PAID
    response = _refund(admin_client, reference, "10.00")
    assert response.status_code == 400
    assert "Stripe says the charge of" in response.get_data(as_text=True)
    assert "has already been refunded" in response.get_data(as_text=True)
    [row] = _refund_rows(app)
    assert row.status == "failed" and row.failure_message
    order = order_row(reference)
    assert order.status == OrderStatus.REFUNDED and order.amount_refunded == 6900


def test_refund_and_webhook_never_double_count(app_ctx, buy, stripe_sdk):
    """Applying the charge.refunded event after our own update leaves the same numbers."""
    from app.admin.purchases import get_purchase
    from app.orders.refunds import refund_order
    from app.webhooks.services import handle_event

    order = get_purchase(buy())
    refund_order(order=order, amount=2500, reason="requested_by_customer",
                 idempotency_key="k-3", created_by="x")
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id)
    handle_event({"id": "evt_1", "type": "charge.refunded",
                  "data": {"object": charge.to_dict()}})
    db.session.refresh(order)
    assert order.amount_refunded == 2500
    assert order.status == OrderStatus.PARTIALLY_REFUNDED


def test_zero_decimal_currency_refund(admin_client, buy, order_row, stripe_sdk):
    """Yen amounts are whole units: ¥1000 is amount=1000."""
    reference = buy(slug="nihongo", title="Nihongo", price="5000", currency="jpy")
    response = _refund(admin_client, reference, "1000")
    assert response.status_code == 302
    charge_id = order_row(reference).charge_id
    assert [r.amount for r in _stripe_refunds(stripe_sdk, charge_id)] == [1000]


def test_stripe_refusing_a_partial_over_refund_updates_the_order(admin_client, buy,
                                                                stripe_sdk, order_row):
    """$60 refunded elsewhere: asking for $20 is refused by Stripe; $9 is shown as left."""
    reference = buy()
    stripe_sdk.v1.refunds.create(params={"charge": order_row(reference).charge_id,
                                         "amount": 6000})
    response = _refund(admin_client, reference, "20.00")
    assert response.status_code == 400
    assert "Stripe says only $9.00 of this charge is left to refund" in (
        response.get_data(as_text=True))
    order = order_row(reference)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded == 6000


def test_refund_whose_answer_was_lost_is_settled_by_send_again(
    admin_client, buy, app, stripe_sdk, order_row, emulator_control
):
    """Stripe refunded but the answer was lost: "Send it again now" settles the row under
    its key (no 'Refunded $0.00'), and a new refund in the meantime is refused."""
    reference = buy()
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/refunds",
                                  method="POST")
    response = _refund(admin_client, reference, "20.00")
    assert response.status_code == 400
    assert "we do not know whether the refund went through" in response.get_data(
        as_text=True)
    [row] = _refund_rows(app)
    assert row.unsettled
    # Opening the page sends nothing: the form is withheld, and a second refund (another
    # form, another key) is refused before reaching Stripe.
    html = admin_client.get(f"/admin/purchases/{reference}").get_data(as_text=True)
    assert 'data-testid="unsettled-refund"' in html
    assert 'data-testid="refund-form"' not in html
    form = {"csrf_token": csrf_from(html), "idempotency_key": "refund-other-form",
            "amount": "5.00", "reason": "requested_by_customer", "confirm": "y"}
    response = admin_client.post(f"/admin/purchases/{reference}/refund", data=form)
    assert response.status_code == 400
    assert "is still waiting for Stripe&#39;s answer" in response.get_data(as_text=True)
    assert [r.amount for r in _stripe_refunds(stripe_sdk, order_row(reference).charge_id)
            ] == [2000]
    # "Send it again now" while Stripe is unreachable: still unknown, nothing doubled.
    emulator_control.inject_fault(status=500, count=1, path="/v1/refunds", method="POST")
    again = admin_client.post(f"/admin/purchases/{reference}/settle",
                              data={"csrf_token": csrf_from(html)}, follow_redirects=True)
    assert "still unknown" in again.get_data(as_text=True)
    assert _refund_rows(app)[0].unsettled
    # Stripe answers again: pressing it once more settles the first refund under its key.
    settled = admin_client.post(f"/admin/purchases/{reference}/settle",
                                data={"csrf_token": csrf_from(html)}, follow_redirects=True)
    html = settled.get_data(as_text=True)
    assert "Sent the refund of" in html and "succeeded" in html
    assert 'data-testid="unsettled-refund"' not in html
    [row] = _refund_rows(app)
    assert row.status == "succeeded" and row.stripe_refund_id.startswith("re_")
    assert order_row(reference).amount_refunded == 2000
    assert order_row(reference).status == OrderStatus.PARTIALLY_REFUNDED
    assert len(_stripe_refunds(stripe_sdk, order_row(reference).charge_id)) == 1


def test_reconcile_settles_a_refund_that_never_reached_stripe(admin_client, buy, app, cli,
                                                             stripe_sdk, order_row,
                                                             emulator_control):
    """The refund request was lost on the way: reconcile repeats it under its key, once."""
    reference = buy()
    emulator_control.inject_fault(mode="drop", count=1, path="/v1/refunds", method="POST")
    assert _refund(admin_client, reference, "69.00").status_code == 400
    assert _stripe_refunds(stripe_sdk, order_row(reference).charge_id) == []
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert "succeeded" in result.output, result.output
    cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert len(_stripe_refunds(stripe_sdk, order_row(reference).charge_id)) == 1
    assert order_row(reference).status == OrderStatus.REFUNDED


def test_the_database_allows_one_unsettled_refund_per_order(app_ctx, buy):
    """Two admins starting refunds at once: the second unsettled row is refused."""
    import sqlalchemy.exc

    from app.admin.purchases import get_purchase

    order = get_purchase(buy())
    for key in ("k-a", "k-b"):
        db.session.add(Refund(order_id=order.id, amount=100, currency="usd",
                              status="pending", idempotency_key=key))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
