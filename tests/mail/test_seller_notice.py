"""The seller's email for each sale and each refund (SELLER_NOTIFY_EMAIL): queued by
fulfilment in the order's transaction, sent through the outbox to a real SMTP server,
once per event however often Stripe's news arrives."""

import json
import time

import pytest
import stripe

from app.models import OutboxMessage
from tests.helpers import csrf_from
from tests.smtp import parts

SELLER = "seller@example.com"


def _post_event(client, event_type, obj, event_id):
    payload = json.dumps({
        "id": event_id, "object": "event", "type": event_type, "api_version": None,
        "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": obj}})
    stamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{payload}",
                                                           "whsec_test_secret")
    response = client.post("/webhooks/stripe", data=payload,
                           headers={"Stripe-Signature": f"t={stamp},v1={signature}",
                                    "Content-Type": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def seller_email(app):
    saved = app.config["SELLER_NOTIFY_EMAIL"]
    app.config["SELLER_NOTIFY_EMAIL"] = SELLER
    yield SELLER
    app.config["SELLER_NOTIFY_EMAIL"] = saved


def test_a_sale_emails_the_seller_once_under_duplicate_webhooks(
        client, app, buy_course, seller_email, smtp, flush_mail, stripe_sdk, rows):
    """A paid order, then its charge.succeeded twice (two events) and once replayed: the
    seller gets one email naming the course, amount, buyer and the admin page."""
    order = buy_course(email="ada@example.com")
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id).to_dict()
    for event_id in ("evt_sale_1", "evt_sale_2", "evt_sale_1"):
        _post_event(client, "charge.succeeded", charge, event_id)
    assert flush_mail() == {"sent": 2}
    [notice] = smtp.to(SELLER)
    assert notice["Subject"] == "New sale: Python Jumpstart ($69.00)"
    text, html = parts(notice)
    assert "Amount: $69.00" in text and "Buyer: ada@example.com" in text
    assert f"http://localhost/admin/purchases/{order.reference}" in text
    assert "[Test mode]" in text and "Visa \u2022\u2022\u2022\u2022 4242" in text
    assert f"/admin/purchases/{order.reference}" in html
    assert [m.kind for m in rows(OutboxMessage)].count("sale_notice") == 1


def test_each_refund_emails_the_seller_once(client, app, buy_course, seller_email, smtp,
                                            flush_mail, stripe_sdk, admin_client):
    """A partial refund from the admin, then charge.refunded twice: one notice for it;
    the rest refunded later: a second notice saying full."""
    order = buy_course(email="ada@example.com")
    flush_mail()
    smtp.clear()

    def refund(amount):
        page = admin_client.get(f"/admin/purchases/{order.reference}").get_data(as_text=True)
        key = page.split('name="idempotency_key" type="hidden" value="')[1].split('"')[0]
        response = admin_client.post(f"/admin/purchases/{order.reference}/refund", data={
            "csrf_token": csrf_from(page), "idempotency_key": key, "amount": amount,
            "reason": "requested_by_customer", "confirm": "y"})
        assert response.status_code == 302, response.get_data(as_text=True)

    refund("20.00")
    charge = stripe_sdk.v1.charges.retrieve(order.charge_id).to_dict()
    _post_event(client, "charge.refunded", charge, "evt_refund_1")
    _post_event(client, "charge.refunded", charge, "evt_refund_2")
    flush_mail()
    [first] = smtp.to(SELLER)
    assert first["Subject"] == f"Refund: $20.00 of {order.reference} (Python Jumpstart)"
    text, _ = parts(first)
    assert "Partial refund" in text and "Refunded in all: $20.00 of $69.00" in text
    assert "Access: kept" in text
    refund("49.00")
    flush_mail()
    notices = smtp.to(SELLER)
    assert len(notices) == 2
    text, _ = parts(notices[1])
    assert "Full refund" in text and "Access: ended with this refund" in text


def test_no_seller_email_when_the_setting_is_empty(buy_course, rows, flush_mail, smtp):
    """SELLER_NOTIFY_EMAIL empty (the default): only the buyer's confirmation."""
    buy_course()
    assert [m.kind for m in rows(OutboxMessage)] == ["order_confirmation"]


def test_a_setting_that_is_not_an_address_stops_the_app():
    """SELLER_NOTIFY_EMAIL=nobody is refused at start with a one-line message."""
    from app import create_app
    from config import ConfigError, TestConfig

    with pytest.raises(ConfigError, match="SELLER_NOTIFY_EMAIL='nobody' is not an email"):
        create_app(TestConfig(SELLER_NOTIFY_EMAIL="nobody"))
