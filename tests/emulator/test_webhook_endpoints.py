"""Webhook endpoints registered through the API (``/v1/webhook_endpoints``), as dj-stripe
and other peers register theirs: their own secret, their enabled events, beside the control
API's endpoints, and kept in the state file."""
import threading

import pytest
import stripe

from stripe_emulator.server import EmulatorServer

from .helpers import API_KEY, charge
from .test_webhooks import SECRET, Receiver


@pytest.fixture
def receivers():
    made = []

    def make(secret=SECRET):
        rec = Receiver(secret=secret)
        made.append(rec)
        return rec

    yield make
    for rec in made:
        rec.close()


def register(url, events=("*",), **params):
    return stripe.WebhookEndpoint.create(url=url, enabled_events=list(events), **params)


def test_an_endpoint_created_through_the_api_gets_events_signed_with_its_secret(receivers):
    rec = receivers(secret=None)
    endpoint = register(rec.url, description="dj-stripe", metadata={"djstripe_uuid": "u1"})
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 30
    assert (endpoint.status, endpoint.livemode, endpoint.url) == ("enabled", False, rec.url)
    assert endpoint.metadata.to_dict() == {"djstripe_uuid": "u1"}
    rec.secret = endpoint.secret
    ch = charge(source="tok_visa")
    ((event, headers, _),) = rec.wait_for(1)
    assert rec.failures == []
    assert event.type == "charge.succeeded" and event.data.object.id == ch.id


def test_the_secret_is_shown_only_at_creation():
    endpoint = register("https://127.0.0.1:9/hook")
    again = stripe.WebhookEndpoint.retrieve(endpoint.id)
    assert "secret" not in again and again.url == "https://127.0.0.1:9/hook"
    assert all("secret" not in e for e in stripe.WebhookEndpoint.list().data)
    assert "_secret" not in str(stripe.WebhookEndpoint.modify(endpoint.id, description="x"))


def test_only_the_enabled_events_are_delivered_beside_the_control_endpoints(ctl, receivers):
    everything, refunds_only = receivers(), receivers(secret=None)
    ctl.add_webhook(everything.url, SECRET)
    endpoint = register(refunds_only.url, events=["refund.created"])
    refunds_only.secret = endpoint.secret
    ch = charge(source="tok_visa")
    refund = stripe.Refund.create(charge=ch.id, amount=100)
    ((event, _, _),) = refunds_only.wait_for(1)
    assert (event.type, event.data.object.id) == ("refund.created", refund.id)
    types = [e.type for e, _, _ in everything.wait_for(3)]
    assert types == ["charge.succeeded", "charge.refunded", "refund.created"]
    stripe.Customer.create()  # a later event: every earlier delivery has been made
    assert len(everything.wait_for(4)) == 4
    assert [e.type for e, _, _ in refunds_only.received] == ["refund.created"]
    by_type = {}  # the deliveries before the last one are all recorded by now
    for d in ctl.deliveries():
        by_type.setdefault(d["type"], []).append(d["endpoint"])
    by_type.pop("customer.created", None)
    assert by_type == {"charge.succeeded": [None], "charge.refunded": [None],
                       "refund.created": [None, endpoint.id]}
    assert stripe.Event.retrieve(refund_event_id(refund.id)).pending_webhooks == 0


def refund_event_id(refund_id):
    """The id of the ``refund.created`` event of a refund."""
    return next(e.id for e in stripe.Event.list(type="refund.created").data
                if e.data.object.id == refund_id)


def test_disabled_and_deleted_endpoints_get_nothing(ctl, receivers):
    witness, disabled, deleted = receivers(), receivers(), receivers()
    ctl.add_webhook(witness.url, SECRET)
    off = register(disabled.url)
    stripe.WebhookEndpoint.modify(off.id, disabled=True)
    gone = register(deleted.url)
    assert stripe.WebhookEndpoint.delete(gone.id).deleted is True
    charge(source="tok_visa")
    stripe.Refund.create(charge=charge(source="tok_visa").id)  # later events (see above)
    assert len(witness.wait_for(4)) == 4
    assert stripe.WebhookEndpoint.retrieve(off.id).status == "disabled"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.WebhookEndpoint.retrieve(gone.id)
    assert info.value.http_status == 404 and info.value.code == "resource_missing"
    assert disabled.received == [] and deleted.received == []
    assert {d["url"] for d in ctl.deliveries()} == {witness.url}
    stripe.WebhookEndpoint.modify(off.id, disabled=False, enabled_events=["customer.created"])
    disabled.secret = off.secret
    assert stripe.WebhookEndpoint.retrieve(off.id).enabled_events == ["customer.created"]
    customer = stripe.Customer.create()
    ((event, _, _),) = disabled.wait_for(1)
    assert disabled.failures == [] and event.data.object.id == customer.id


def test_a_queued_delivery_is_dropped_when_its_endpoint_is_deleted(ctl, receivers):
    """The dispatcher sends one delivery at a time: while the control endpoint holds it,
    the registered endpoint's delivery waits in the queue; deleting the endpoint drops it
    (retries of a failed delivery go through the same check)."""
    witness, doomed = receivers(), receivers()
    witness.hold = threading.Event()
    ctl.add_webhook(witness.url, SECRET)
    endpoint = register(doomed.url)
    charge(source="tok_visa")
    assert witness.wait_for(1)  # the dispatcher is now waiting for the witness's answer
    stripe.WebhookEndpoint.delete(endpoint.id)
    witness.hold.set()
    stripe.Customer.create()
    assert len(witness.wait_for(2)) == 2
    assert doomed.received == []
    assert [d["endpoint"] for d in ctl.deliveries() if d["type"] == "charge.succeeded"] == \
        [None]


BAD = [
    ({"enabled_events": ["*"]}, "url", "Missing required param: url."),
    ({"url": "https://127.0.0.1:9/x"}, "enabled_events", "Missing required param: enabled_events."),
    ({"url": "127.0.0.1/hook", "enabled_events": ["*"]}, "url", "Invalid URL"),
    ({"url": "https://127.0.0.1:9/x", "enabled_events": ["Charge Succeeded"]}, "enabled_events[0]",
     "Invalid enabled_events[0]"),
    ({"url": "https://127.0.0.1:9/x", "enabled_events": ["*"], "api_version": "2019-2-19"},
     "api_version", "Invalid api_version"),
]


@pytest.mark.parametrize("params,param,message", BAD, ids=[b[1] for b in BAD])
def test_invalid_registrations_are_refused(params, param, message):
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.WebhookEndpoint.create(**params)
    assert info.value.http_status == 400 and info.value.param == param
    assert info.value.user_message.startswith(message)


def test_connect_endpoints_are_not_supported_but_false_is_fine():
    with pytest.raises(stripe.InvalidRequestError) as info:
        register("https://127.0.0.1:9/x", connect=True)
    assert info.value.code == "parameter_not_supported_by_emulator"
    assert info.value.param == "connect"
    assert register("https://127.0.0.1:9/x", connect=False, api_version="2026-05-27.dahlia")\
        .api_version == "2026-05-27.dahlia"


def test_endpoints_are_listed_newest_first_and_paged():
    ids = [register(f"https://127.0.0.1:9/{i}").id for i in range(3)]
    page = stripe.WebhookEndpoint.list(limit=2)
    assert [e.id for e in page.data] == ids[::-1][:2] and page.has_more
    assert page.url == "/v1/webhook_endpoints"
    rest = stripe.WebhookEndpoint.list(limit=2, starting_after=page.data[-1].id)
    assert [e.id for e in rest.data] == [ids[0]] and not rest.has_more


def test_registered_endpoints_are_kept_in_the_state_file(tmp_path):
    path = tmp_path / "emu.sqlite3"
    rec = Receiver(secret=None)
    try:
        with EmulatorServer(state_file=path) as srv:
            client = stripe.StripeClient(API_KEY, base_addresses={"api": srv.url})
            endpoint = client.v1.webhook_endpoints.create(params={
                "url": rec.url, "enabled_events": ["charge.succeeded"]})
        rec.secret = endpoint.secret
        with EmulatorServer(state_file=path, webhook_retry_base=0.05) as srv:
            client = stripe.StripeClient(API_KEY, base_addresses={"api": srv.url})
            kept = client.v1.webhook_endpoints.retrieve(endpoint.id)
            assert kept.enabled_events == ["charge.succeeded"] and kept.url == rec.url
            ch = client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                                  "source": "tok_visa"})
            ((event, _, _),) = rec.wait_for(1)
            assert rec.failures == [] and event.data.object.id == ch.id
    finally:
        rec.close()


def test_reset_forgets_registered_endpoints_like_every_other_object(ctl):
    endpoint = register("https://127.0.0.1:9/x")
    ctl.reset()
    with pytest.raises(stripe.InvalidRequestError):
        stripe.WebhookEndpoint.retrieve(endpoint.id)
