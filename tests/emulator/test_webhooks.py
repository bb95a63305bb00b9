"""Webhook forwarding: Stripe-style signatures verified by construct_event, and retries."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from stripe_emulator.server import EmulatorServer
from stripe_emulator.webhooks import USER_AGENT

from .helpers import API_KEY, charge

SECRET = "whsec_test_emulator_secret"


class Receiver:
    """A tiny endpoint that verifies each delivery and answers scripted statuses."""

    def __init__(self, statuses=(), secret=SECRET):
        self.statuses = list(statuses)
        self.secret = secret  # may be set later (an endpoint's secret is known once created)
        self.hold = None  # a threading.Event: answer only once it is set (holds the sender)
        self.received = []  # (event, headers)
        self.failures = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    event = stripe.Webhook.construct_event(
                        payload, self.headers["Stripe-Signature"], outer.secret)
                except stripe.SignatureVerificationError as exc:
                    outer.failures.append(str(exc))
                    status = 400
                else:
                    status = outer.statuses.pop(0) if outer.statuses else 200
                    with outer.cond:
                        outer.received.append((event, dict(self.headers), status))
                        outer.cond.notify_all()
                    if outer.hold is not None:
                        outer.hold.wait(10)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhooks/stripe"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n, timeout=5.0):
        with self.cond:
            self.cond.wait_for(lambda: len(self.received) >= n, timeout)
        return self.received

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def wait_until(fetch, n, timeout=5.0):
    """Poll ``fetch()`` until it returns at least ``n`` items (deliveries are async)."""
    deadline = time.monotonic() + timeout
    items = fetch()
    while len(items) < n and time.monotonic() < deadline:
        time.sleep(0.02)
        items = fetch()
    return items


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


def test_events_are_signed_and_verifiable(ctl, receiver):
    ctl.add_webhook(receiver.url, SECRET)
    ch = charge(source="tok_visa")
    ((event, headers, status),) = receiver.wait_for(1)
    assert receiver.failures == []
    assert event.type == "charge.succeeded" and event.data.object.id == ch.id
    assert isinstance(event.data.object, stripe.Charge)
    assert headers["User-Agent"] == USER_AGENT
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert [p.split("=")[0] for p in headers["Stripe-Signature"].split(",")] == ["t", "v1", "v0"]
    assert stripe.Event.retrieve(event.id).id == event.id


def test_wrong_secret_fails_verification(ctl, receiver):
    ctl.add_webhook(receiver.url, "whsec_some_other_secret")
    charge(source="tok_visa")
    deadline = time.monotonic() + 5
    while not receiver.failures and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "No signatures found matching the expected signature" in receiver.failures[0]


def test_retry_after_500_with_new_signature(ctl, receiver):
    """A 500 answer is retried with back-off; every attempt is signed afresh."""
    receiver.statuses = [500]
    ctl.add_webhook(receiver.url, SECRET)
    charge(source="tok_visa")
    received = receiver.wait_for(2)
    assert [status for _, _, status in received] == [500, 200]
    assert received[0][0].id == received[1][0].id
    event_id = received[0][0].id
    deliveries = wait_until(
        lambda: [d for d in ctl.deliveries() if d["event_id"] == event_id], 2)
    assert [(d["attempt"], d["status"], d["ok"]) for d in deliveries] == \
        [(1, 500, False), (2, 200, True)]


def test_unreachable_endpoint_gives_up_after_max_attempts(ctl):
    ctl.add_webhook("http://127.0.0.1:9/nowhere", SECRET)
    charge(source="tok_visa")
    wait_until(ctl.deliveries, 3)
    time.sleep(0.3)  # no fourth attempt follows
    attempts = ctl.deliveries()
    assert [d["attempt"] for d in attempts] == [1, 2, 3]
    assert all(d["error"] and not d["ok"] for d in attempts)


def test_decline_refund_and_customer_events_are_forwarded(ctl, receiver):
    ctl.add_webhook(receiver.url, SECRET)
    stripe.Customer.create(email="w@example.com")
    with pytest.raises(stripe.CardError):
        charge(source="tok_chargeDeclined")
    ch = charge(source="tok_createDispute")
    stripe.Refund.create(charge=charge(source="tok_visa").id)
    received = receiver.wait_for(7)
    types = {event.type for event, _, _ in received}
    assert {"customer.created", "charge.failed", "charge.succeeded",
            "charge.dispute.created", "charge.refunded", "refund.created"} <= types
    dispute = next(e for e, _, _ in received if e.type == "charge.dispute.created")
    assert dispute.data.object.charge == ch.id


def test_forward_to_constructor_option():
    """EmulatorServer(forward_to=…, webhook_secret=…) forwards like `stripe listen`."""
    rec = Receiver()
    srv = EmulatorServer(forward_to=rec.url, webhook_secret=SECRET, quiet=True,
                         webhook_retry_base=0.05).start()
    try:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": srv.url})
        ch = client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                              "source": "tok_visa"})
        ((event, _, _),) = rec.wait_for(1)
        assert event.data.object.id == ch.id
        deadline = time.monotonic() + 2
        while client.v1.events.retrieve(event.id).pending_webhooks and \
                time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.v1.events.retrieve(event.id).pending_webhooks == 0
    finally:
        srv.stop()
        rec.close()
