"""Card webhooks raced against the store under gunicorn: the same card's attached,
updated and detached events (each delivered twice, as Stripe may) arriving at once at
different workers end in one state, on SQLite and PostgreSQL."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import stripe
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import Buyer, StoredCard, WebhookEvent
from tests.helpers import WEBHOOK_SECRET, stripe_events

EMAIL = "hooks@example.com"


def _deliver_at_once(server, events):
    """POST every event to the served store at the same moment; the status codes."""
    barrier = threading.Barrier(len(events))

    def post(event):
        payload = json.dumps(event)
        stamp = int(time.time())
        signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{payload}",
                                                               WEBHOOK_SECRET)
        barrier.wait()
        return requests.post(f"{server.url}/webhooks/stripe", data=payload, timeout=60,
                             headers={"Stripe-Signature": f"t={stamp},v1={signature}",
                                      "Content-Type": "application/json"}).status_code

    with ThreadPoolExecutor(len(events)) as pool:
        return list(pool.map(post, events))


def _row(app, card_id):
    with app.app_context():
        rows = db.session.scalars(select(StoredCard).where(StoredCard.card_id == card_id)
                                  ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _forget(app, card_id):
    with app.app_context():
        db.session.execute(delete(WebhookEvent))
        db.session.execute(delete(StoredCard).where(StoredCard.card_id == card_id))
        db.session.commit()


def test_concurrent_card_events_end_in_one_state(app, store_server, stripe_sdk,
                                                 emulator_control):
    customer = stripe_sdk.v1.customers.create(params={"email": EMAIL})
    with app.app_context():
        from app.access.services import ensure_buyer

        buyer = ensure_buyer(EMAIL)
        db.session.execute(update(Buyer).where(Buyer.id == buyer.id)
                           .values(stripe_customer_id_test=customer.id))
        db.session.commit()
    method = stripe_sdk.v1.payment_methods.create(params={
        "type": "card", "card": {"token": "tok_visa"}})
    stripe_sdk.v1.payment_methods.attach(method.id, params={"customer": customer.id})
    stripe_sdk.v1.payment_methods.update(method.id, params={
        "card": {"exp_month": "4", "exp_year": "2033"}})
    stripe_sdk.v1.payment_methods.detach(method.id)
    attached, updated, detached = stripe_events(
        stripe_sdk, "payment_method.attached", "payment_method.updated",
        "payment_method.detached")
    for offset, event in enumerate((attached, updated, detached)):
        event["created"] += offset  # Stripe's order, a second apart
    server = store_server(workers=3)
    for _ in range(3):
        _forget(app, method.id)
        statuses = _deliver_at_once(server, [attached, updated, detached] * 2)
        assert statuses == [200] * 6, server.log()
        [row] = _row(app, method.id)
        assert row.removed_at is not None
    # Attached and updated only, each delivered twice and once more as another event:
    # the update's expiry wins whichever worker runs first.
    copies = [{**event, "id": f"{event['id']}_again"} for event in (attached, updated)]
    for _ in range(3):
        _forget(app, method.id)
        statuses = _deliver_at_once(server, [attached, updated] * 2 + copies)
        assert statuses == [200] * 6, server.log()
        [row] = _row(app, method.id)
        assert (row.removed_at, row.last4, row.exp_month, row.exp_year) == (
            None, "4242", 4, 2033)
