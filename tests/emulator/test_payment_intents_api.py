"""PaymentIntents' endpoints: every error, the API-version rules, Stripe.js's publishable-key
calls, refunds by payment_intent, lists and search, idempotency and faults."""
import threading

import pytest
import requests
import stripe

from .helpers import API_KEY, PUBLISHABLE_KEY, event_types
from .test_payment_intents import RETURN_URL, create

ENDIVE = "2026-10-28.endive"
DAHLIA = "2026-08-26.dahlia"


def raw(emu, method, path, data=None, key=API_KEY, version=None, **headers):
    """One request as a plain HTTP client (to set the API version or a publishable key)."""
    headers = {**({"Authorization": f"Bearer {key}"} if key else {}), **headers}
    if version:
        headers["Stripe-Version"] = version
    if method == "get":
        return requests.get(f"{emu.url}{path}", params=data, headers=headers, timeout=10)
    return requests.post(f"{emu.url}{path}", data=data, headers=headers, timeout=10)


NOT_SUPPORTED = "parameter_not_supported_by_emulator"
CREATE_ERRORS = [  # (params, status, code, param, message start)
    ({"currency": "usd"}, 400, "parameter_missing", "amount", "Missing required param: amount."),
    ({"amount": 2000}, 400, "parameter_missing", "currency", "Missing required param"),
    ({"amount": 0, "currency": "usd"}, 400, "parameter_invalid_integer", "amount",
     "The amount must be greater than or equal to the minimum charge amount"),
    ({"amount": 10, "currency": "usd"}, 400, "amount_too_small", "amount",
     "Amount must be at least $0.50 usd"),
    ({"amount": "12.5", "currency": "usd"}, 400, "parameter_invalid_integer", "amount",
     "Invalid integer: 12.5"),
    ({"amount": 2000, "currency": "usd", "customer": "cus_nope"}, 400, "resource_missing",
     "customer", "No such customer: 'cus_nope'"),
    ({"amount": 2000, "currency": "usd", "payment_method": "pm_nope"}, 400, "resource_missing",
     "payment_method", "No such PaymentMethod: 'pm_nope'"),
    ({"amount": 2000, "currency": "usd", "off_session": True}, 400, None, "off_session",
     "You can only pass `off_session` when `confirm` is `true`."),
    ({"amount": 2000, "currency": "usd", "return_url": RETURN_URL}, 400, None, "return_url",
     "You can only pass `return_url`"),
    ({"amount": 2000, "currency": "usd", "capture_method": "later"}, 400, None,
     "capture_method", "Invalid capture_method: must be one of automatic, automatic_async"),
    ({"amount": 2000, "currency": "usd", "setup_future_usage": "always"}, 400, None,
     "setup_future_usage", "Invalid setup_future_usage"),
    ({"amount": 2000, "currency": "usd", "confirmation_method": "manual"}, 400, None, None,
     "You may only specify one of these parameters: automatic_payment_methods, "
     "confirmation_method."),
    ({"amount": 2000, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa"},
     400, None, "return_url", "This PaymentIntent is configured to accept payment methods"),
    ({"amount": 2000, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa",
      "return_url": "not a url"}, 400, "url_invalid", "return_url", "Not a valid URL"),
    ({"amount": 2000, "currency": "usd", "confirm": True, "return_url": RETURN_URL}, 400,
     "payment_intent_unexpected_state", None,
     "You cannot confirm this PaymentIntent because it's missing a payment method."),
    ({"amount": 2000, "currency": "usd", "payment_method_types": ["card"]}, 400,
     "payment_method_types_no_longer_supported", "payment_method_types",
     "The `payment_method_types` parameter is no longer supported"),
    ({"amount": 2000, "currency": "usd", "allowed_payment_method_types": ["card"],
      "automatic_payment_methods": {"enabled": True}}, 400, None, None,
     "You may only specify one of these parameters: allowed_payment_method_types, "
     "automatic_payment_methods."),
    ({"amount": 2000, "currency": "usd", "allowed_payment_method_types": ["ideal"]}, 400,
     NOT_SUPPORTED, "allowed_payment_method_types", "None of the allowed_payment_method_types"),
    ({"amount": 2000, "currency": "usd", "payment_method_data": {"type": "sepa_debit"}}, 400,
     NOT_SUPPORTED, "payment_method_data[type]",
     "PaymentMethods of type 'sepa_debit' are not supported"),
    ({"amount": 2000, "currency": "usd", "colour": "red"}, 400, "parameter_unknown", "colour",
     "Received unknown parameter: colour"),
]


@pytest.mark.parametrize("params,status,code,param,message", CREATE_ERRORS)
def test_create_errors(params, status, code, param, message):
    """Every refusal of PaymentIntent.create, with Stripe's status, code, param and message."""
    with pytest.raises(stripe.StripeError) as info:
        stripe.PaymentIntent.create(**params)
    err = info.value
    assert err.http_status == status, err.json_body
    assert err.error.code == code and err.error.param == param
    assert err.user_message.startswith(message), err.user_message


def test_nothing_is_left_behind_by_refused_creations():
    """A refused create stores no intent, no event and no charge."""
    for params, *_ in CREATE_ERRORS:
        with pytest.raises(stripe.StripeError):
            stripe.PaymentIntent.create(**params)
    assert event_types() == [] and stripe.PaymentIntent.list().data == []
    assert stripe.Charge.list().data == []


def test_unknown_intent_is_404():
    """An unknown intent is Stripe's 404 naming it."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.retrieve("pi_nope")
    assert info.value.http_status == 404
    assert info.value.user_message == "No such payment_intent: 'pi_nope'"


STATE_ERRORS = [  # (action on a succeeded intent, code, message start)
    (lambda pi: stripe.PaymentIntent.confirm(pi, return_url=RETURN_URL),
     "payment_intent_unexpected_state",
     "You cannot confirm this PaymentIntent because it has a status of succeeded."),
    (lambda pi: stripe.PaymentIntent.cancel(pi), "payment_intent_unexpected_state",
     "You cannot cancel this PaymentIntent because it has a status of succeeded. Only a "
     "PaymentIntent with one of the following statuses may be canceled: "
     "requires_payment_method, requires_capture"),
    (lambda pi: stripe.PaymentIntent.capture(pi), "payment_intent_unexpected_state",
     "This PaymentIntent could not be captured because it has a status of succeeded."),
    (lambda pi: stripe.PaymentIntent.modify(pi, amount=3000),
     "payment_intent_unexpected_state",
     "This PaymentIntent's amount could not be updated because it has a status of succeeded."),
]


@pytest.mark.parametrize("action,code,message", STATE_ERRORS)
def test_wrong_state_refusals_carry_the_intent(action, code, message):
    """Confirm, cancel, capture or re-price a succeeded intent: refused, the intent in the body."""
    pi = create("pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as info:
        action(pi.id)
    assert info.value.code == code and info.value.user_message.startswith(message)
    assert info.value.json_body["error"]["payment_intent"]["id"] == pi.id


def test_update_changes_amount_and_method_then_metadata_after_success():
    """Before paying, amount and method change; after, metadata; no update event."""
    pi = create()
    updated = stripe.PaymentIntent.modify(pi.id, amount=3100, description="Course B",
                                          payment_method="pm_card_mastercard",
                                          metadata={"order_id": "5"})
    assert (updated.amount, updated.status, updated.description) == (
        3100, "requires_confirmation", "Course B")
    paid = stripe.PaymentIntent.confirm(pi.id, return_url=RETURN_URL)
    assert paid.amount_received == 3100
    later = stripe.PaymentIntent.modify(pi.id, metadata={"note": "shipped"})
    assert later.metadata.to_dict() == {"order_id": "5", "note": "shipped"}
    assert not [t for t in event_types() if t == "payment_intent.updated"]


def test_update_clears_last_payment_error():
    """A new payment method clears last_payment_error."""
    with pytest.raises(stripe.CardError) as info:
        create("pm_card_visa_chargeDeclined")
    pi = info.value.error.payment_intent
    cleared = stripe.PaymentIntent.modify(pi.id, payment_method="pm_card_visa")
    assert cleared.last_payment_error is None and cleared.status == "requires_confirmation"


def test_ownership_and_reuse_rules():
    """A saved card needs its own customer; an unattached PaymentMethod pays once."""
    cus, other = stripe.Customer.create(), stripe.Customer.create()
    saved = stripe.PaymentMethod.attach("pm_card_visa", customer=cus.id)
    with pytest.raises(stripe.InvalidRequestError) as info:
        create(saved.id, off_session=True)
    assert info.value.code == "parameter_missing"
    assert f"belongs to the Customer {cus.id}" in info.value.user_message
    with pytest.raises(stripe.InvalidRequestError) as info:
        create(saved.id, customer=other.id, off_session=True)
    assert info.value.user_message == (
        f"The PaymentMethod {saved.id} does not belong to the Customer you supplied "
        f"{other.id}. Please use this PaymentMethod with the Customer that it belongs to "
        "instead.")
    once = create("pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as info:
        create(once.payment_method)
    assert info.value.user_message.startswith("This PaymentMethod was previously used")


def test_return_url_rules():
    """Off-session, allow_redirects=never or allowed card-only types need no return_url."""
    cus = stripe.Customer.create()
    saved = stripe.PaymentMethod.attach("pm_card_visa", customer=cus.id)
    assert create(saved.id, customer=cus.id, off_session=True).status == "succeeded"
    assert create("pm_card_visa", return_url=None,
                  automatic_payment_methods={"enabled": True, "allow_redirects": "never"}
                  ).status == "succeeded"
    card_only = create("pm_card_visa", return_url=None, allowed_payment_method_types=["card"])
    assert (card_only.status, card_only.automatic_payment_methods,
            card_only.payment_method_types) == ("succeeded", None, ["card"])


VERSIONS = [  # (Stripe-Version, payment_method_types accepted, automatic default, capture)
    ("2023-08-15", True, None, "automatic"),
    ("2024-04-09", True, {"allow_redirects": "always", "enabled": True}, "automatic"),
    ("2024-06-20", True, {"allow_redirects": "always", "enabled": True}, "automatic_async"),
    (DAHLIA, True, {"allow_redirects": "always", "enabled": True}, "automatic_async"),
    ("2026-09-30.endive", False, {"allow_redirects": "always", "enabled": True},
     "automatic_async"),
    (ENDIVE, False, {"allow_redirects": "always", "enabled": True}, "automatic_async"),
]


@pytest.mark.parametrize("version,types_ok,automatic,capture", VERSIONS)
def test_api_version_rules(emu, version, types_ok, automatic, capture):
    """§1: automatic payment methods from 2023-08-16, automatic_async from 2024-04-10,
    payment_method_types refused from 2026-09-30.endive."""
    plain = raw(emu, "post", "/v1/payment_intents", {"amount": 2000, "currency": "usd"},
                version=version).json()
    assert (plain["automatic_payment_methods"], plain["capture_method"]) == (automatic, capture)
    typed = raw(emu, "post", "/v1/payment_intents", {
        "amount": 2000, "currency": "usd", "payment_method_types[]": "card"}, version=version)
    if types_ok:
        assert typed.status_code == 200, typed.text
        assert typed.json()["automatic_payment_methods"] is None
        other = raw(emu, "post", "/v1/payment_intents", {
            "amount": 2000, "currency": "usd", "payment_method_types[]": "ideal"},
            version=version)
        assert other.status_code == 400
        assert "not supported by the offline emulator" in other.json()["error"]["message"]
    else:
        assert typed.status_code == 400
        assert typed.json()["error"]["code"] == "payment_method_types_no_longer_supported"
        confirm = raw(emu, "post", f"/v1/payment_intents/{plain['id']}/confirm", {
            "payment_method": "pm_card_visa", "return_url": RETURN_URL,
            "payment_method_types[]": "card"}, version=version)
        assert confirm.json()["error"]["code"] == "payment_method_types_no_longer_supported"
        update = raw(emu, "post", f"/v1/payment_intents/{plain['id']}", {
            "payment_method_types[]": "card"}, version=version)
        assert update.json()["error"]["code"] == "payment_method_types_no_longer_supported"


def test_stripejs_retrieves_a_subset_and_confirms_with_card_numbers(emu):
    """Stripe.js: publishable key + client secret; the card travels in payment_method_data."""
    pi = create(metadata={"order_id": "1"}, receipt_email="b@example.com")
    got = raw(emu, "get", f"/v1/payment_intents/{pi.id}",
              {"key": PUBLISHABLE_KEY, "client_secret": pi.client_secret}, key=None)
    assert got.status_code == 200, got.text
    body = got.json()
    assert "metadata" not in body and "customer" not in body
    assert (body["id"], body["status"], body["receipt_email"]) == (
        pi.id, "requires_payment_method", "b@example.com")
    confirmed = raw(emu, "post", f"/v1/payment_intents/{pi.id}/confirm", {
        "payment_method_data[type]": "card", "payment_method_data[card][number]":
        "4242424242424242", "payment_method_data[card][exp_month]": "12",
        "payment_method_data[card][exp_year]": "34", "payment_method_data[card][cvc]": "123",
        "payment_method_data[billing_details][name]": "Jenny Rosen",
        "expected_payment_method_type": "card", "use_stripe_sdk": "true",
        "key": PUBLISHABLE_KEY, "client_secret": pi.client_secret, "guid": "g", "muid": "m",
        "sid": "s", "payment_user_agent": "stripe.js/emulator", "time_on_page": "1"}, key=None)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "succeeded" and "metadata" not in confirmed.json()
    charge = stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(pi.id).latest_charge)
    assert charge.billing_details.name == "Jenny Rosen"
    assert charge.payment_method_details.card.last4 == "4242"


def test_stripejs_decline_body_is_the_subset_too(emu):
    """Stripe.js's declined confirm gets the 402 with the publishable subset of the intent."""
    pi = create()
    declined = raw(emu, "post", f"/v1/payment_intents/{pi.id}/confirm", {
        "payment_method": "pm_card_visa_chargeDeclinedInsufficientFunds",
        "key": PUBLISHABLE_KEY, "client_secret": pi.client_secret}, key=None)
    assert declined.status_code == 402
    err = declined.json()["error"]
    assert err["decline_code"] == "insufficient_funds"
    assert err["payment_intent"]["status"] == "requires_payment_method"
    assert "metadata" not in err["payment_intent"]


@pytest.mark.parametrize("secret,status,message", [
    (None, 400, "The client_secret parameter is required"),
    ("pi_x_secret_wrong", 400, "The client_secret provided does not match"),
])
def test_publishable_key_needs_the_right_client_secret(emu, secret, status, message):
    """A publishable key without the intent's client secret is refused, and nothing changes."""
    pi = create()
    data = {"key": PUBLISHABLE_KEY}
    if secret:
        data["client_secret"] = secret
    for method, path in (("get", f"/v1/payment_intents/{pi.id}"),
                         ("post", f"/v1/payment_intents/{pi.id}/confirm")):
        resp = raw(emu, method, path, data, key=None)
        assert resp.status_code == status and resp.json()["error"]["message"].startswith(message)
    assert stripe.PaymentIntent.retrieve(pi.id).status == "requires_payment_method"


@pytest.mark.parametrize("method,path", [
    ("post", "/v1/payment_intents"), ("get", "/v1/payment_intents"),
    ("post", "/v1/payment_intents/{id}"), ("post", "/v1/payment_intents/{id}/cancel"),
    ("post", "/v1/payment_intents/{id}/capture"), ("get", "/v1/payment_intents/search"),
])
def test_publishable_key_cannot_reach_server_endpoints(emu, method, path):
    """A publishable key cannot create, list, update, cancel, capture or search intents."""
    pi = create()
    resp = raw(emu, method, path.format(id=pi.id),
               {"client_secret": pi.client_secret, "amount": "2000", "currency": "usd",
                "query": "status:'succeeded'"}, key=PUBLISHABLE_KEY)
    assert resp.status_code == 401
    assert "publishable API key" in resp.json()["error"]["message"]


def test_refunds_by_payment_intent():
    """Refund.create(payment_intent=…) refunds the intent's charge, partly then the rest."""
    pi = create("pm_card_visa")
    first = stripe.Refund.create(payment_intent=pi.id, amount=500, reason="requested_by_customer")
    assert (first.payment_intent, first.charge, first.amount) == (pi.id, pi.latest_charge, 500)
    rest = stripe.Refund.create(payment_intent=pi.id)
    assert rest.amount == 1500
    charge = stripe.Charge.retrieve(pi.latest_charge)
    assert charge.refunded and charge.amount_refunded == 2000
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(payment_intent=pi.id)
    assert info.value.code == "charge_already_refunded"
    assert [r.id for r in stripe.Refund.list(charge=pi.latest_charge).data] == [rest.id, first.id]
    assert event_types()[-4:] == ["charge.refunded", "refund.created", "charge.refunded",
                                  "refund.created"]


@pytest.mark.parametrize("make,message", [
    (lambda: create(), "does not have a successful charge to refund"),
    (lambda: create("pm_card_authenticationRequired"),
     "does not have a successful charge to refund"),
    (lambda: create("pm_card_visa", capture_method="manual"), "has not been captured"),
])
def test_refund_refusals_by_payment_intent(make, message):
    """Unpaid, authenticating or uncaptured intents are refused a refund, naming the intent."""
    pi = make()
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(payment_intent=pi.id)
    assert message in info.value.user_message and pi.id in info.value.user_message


def test_refund_of_an_unknown_intent():
    """A refund of an unknown intent names it."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(payment_intent="pi_nope")
    assert info.value.user_message == "No such payment_intent: 'pi_nope'"


def test_list_and_search():
    """Intents list newest first by customer and are searched by metadata, status and amount."""
    cus = stripe.Customer.create()
    ids = [create(customer=cus.id, metadata={"order_id": str(i)}).id for i in range(3)]
    paid = create("pm_card_visa", metadata={"order_id": "paid"})
    assert [p.id for p in stripe.PaymentIntent.list(customer=cus.id).data] == ids[::-1]
    page = stripe.PaymentIntent.list(limit=2)
    assert page.has_more and [p.id for p in page.data] == [paid.id, ids[2]]
    found = stripe.PaymentIntent.search(query="metadata['order_id']:'1'")
    assert [p.id for p in found.data] == [ids[1]]
    done = stripe.PaymentIntent.search(query="status:'succeeded' AND amount>=2000")
    assert [p.id for p in done.data] == [paid.id]
    assert all("_auth" not in p for p in stripe.PaymentIntent.list().data)


def test_charges_list_by_payment_intent():
    """Charges are listed by payment_intent."""
    pi = create("pm_card_visa")
    create("pm_card_visa")
    assert [c.id for c in stripe.Charge.list(payment_intent=pi.id).data] == [pi.latest_charge]


def test_receipt_page_of_an_intent_charge(emu):
    """An intent's charge has a working receipt page."""
    pi = create("pm_card_visa", description="Python Jumpstart")
    charge = stripe.Charge.retrieve(pi.latest_charge)
    page = requests.get(charge.receipt_url, timeout=10)
    assert page.status_code == 200 and "Python Jumpstart" in page.text and "4242" in page.text


def test_idempotent_create_and_confirm_replays_one_charge():
    """A replayed create-and-confirm returns the same intent and makes one charge."""
    params = dict(amount=2000, currency="usd", payment_method="pm_card_visa", confirm=True,
                  return_url=RETURN_URL)
    first = stripe.PaymentIntent.create(**params, idempotency_key="k-pi")
    again = stripe.PaymentIntent.create(**params, idempotency_key="k-pi")
    assert first.id == again.id and again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stripe.Charge.list().data) == 1
    with pytest.raises(stripe.IdempotencyError):
        stripe.PaymentIntent.create(**{**params, "amount": 2100}, idempotency_key="k-pi")
    events = stripe.Event.list(type="payment_intent.succeeded").data
    assert [e.request.idempotency_key for e in events] == ["k-pi"]


def test_idempotent_decline_is_replayed_with_the_same_402():
    """A replayed declined confirmation gives the same 402 body and no second charge."""
    bodies = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as info:
            create("pm_card_visa_chargeDeclined", idempotency_key="k-pi-decline")
        bodies.append(info.value.json_body)
    assert bodies[0] == bodies[1]
    assert len(stripe.Charge.list().data) == 1


def test_concurrent_confirms_with_one_key_charge_once(emu):
    """Twelve concurrent confirms with one key (the SDK retrying 409s) make one charge."""
    pi = create()
    client = stripe.StripeClient(API_KEY, base_addresses={"api": emu.url},
                                 max_network_retries=6)
    barrier, results = threading.Barrier(12), []

    def worker():
        """One of the concurrent confirmations."""
        barrier.wait()
        got = client.v1.payment_intents.confirm(
            pi.id, params={"payment_method": "pm_card_visa", "return_url": RETURN_URL},
            options={"idempotency_key": "k-confirm"})
        results.append((got.status, got.latest_charge))

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 12 and len(set(results)) == 1 and results[0][0] == "succeeded"
    assert len(stripe.Charge.list().data) == 1


def test_concurrent_confirms_with_different_keys_pay_once():
    """Two tabs: the second confirmation finds the intent succeeded and is refused."""
    pi = create()
    outcomes, barrier = [], threading.Barrier(6)

    def worker(n):
        """One of the concurrent confirmations."""
        barrier.wait()
        try:
            stripe.PaymentIntent.confirm(pi.id, payment_method="pm_card_visa",
                                         return_url=RETURN_URL, idempotency_key=f"tab-{n}")
            outcomes.append("paid")
        except stripe.InvalidRequestError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["paid"] + ["payment_intent_unexpected_state"] * 5
    assert len(stripe.Charge.list().data) == 1


def test_faults_on_confirm(ctl):
    """500s, dropped answers and 429s on the intent endpoints; a retry with the key replays."""
    pi = create()
    ctl.inject_fault(status=500, count=1, path=f"/v1/payment_intents/{pi.id}/confirm")
    with pytest.raises(stripe.APIError):
        stripe.PaymentIntent.confirm(pi.id, payment_method="pm_card_visa",
                                     return_url=RETURN_URL)
    assert stripe.PaymentIntent.retrieve(pi.id).status == "requires_payment_method"
    ctl.inject_fault(mode="drop_response", count=1, path="/v1/payment_intents")
    with pytest.raises(stripe.APIConnectionError):
        stripe.PaymentIntent.confirm(pi.id, payment_method="pm_card_visa",
                                     return_url=RETURN_URL, idempotency_key="k-lost")
    assert stripe.PaymentIntent.retrieve(pi.id).status == "succeeded"
    replay = stripe.PaymentIntent.confirm(pi.id, payment_method="pm_card_visa",
                                          return_url=RETURN_URL, idempotency_key="k-lost")
    assert replay.status == "succeeded"
    assert replay.last_response.headers["Idempotent-Replayed"] == "true"
    ctl.inject_fault(status=429, count=1, path="/v1/payment_intents", method="GET")
    with pytest.raises(stripe.RateLimitError):
        stripe.PaymentIntent.retrieve(pi.id)
    stripe.max_network_retries = 2
    ctl.inject_fault(status=500, count=1, path="/v1/payment_intents", method="POST")
    retried = create("pm_card_visa")
    assert retried.status == "succeeded" and len(stripe.Charge.list().data) == 2


def test_events_name_the_request_and_key():
    """Events of a create-and-confirm name its request id and idempotency key."""
    pi = create("pm_card_visa", idempotency_key="k-events")
    for event in stripe.Event.list().data:
        assert event.request.idempotency_key == "k-events"
        assert event.request.id == pi.last_response.request_id
