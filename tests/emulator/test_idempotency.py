"""Idempotency keys (REFERENCE §3.1): replay, conflicts, validation failures, concurrency."""
import threading
import time

import pytest
import requests
import stripe

from .helpers import API_KEY, charge


def _post(emu, data, key, api_key=API_KEY, path="/v1/charges"):
    return requests.post(f"{emu.url}{path}", data=data, timeout=10, headers={
        "Authorization": f"Bearer {api_key}", "Idempotency-Key": key})


def test_replay_has_header_and_identical_body(emu):
    data = {"amount": "2000", "currency": "usd", "source": "tok_visa"}
    first = _post(emu, data, "k-replay")
    second = _post(emu, data, "k-replay")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Original-Request"] == first.headers["Request-Id"]
    assert second.headers["Request-Id"] != first.headers["Request-Id"]
    assert "Idempotent-Replayed" not in first.headers
    assert len(stripe.Charge.list().data) == 1


def test_sdk_replay_returns_same_charge():
    a = charge(source="tok_visa", idempotency_key="k-sdk")
    b = charge(source="tok_visa", idempotency_key="k-sdk")
    assert a.id == b.id and b.last_response.headers["Idempotent-Replayed"] == "true"


def test_declines_are_replayed_too():
    errors = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as info:
            charge(source="tok_chargeDeclined", idempotency_key="k-decline")
        errors.append(info.value)
    assert errors[0].json_body == errors[1].json_body
    assert errors[1].headers["Idempotent-Replayed"] == "true"
    assert len(stripe.Charge.list().data) == 1


def test_different_params_raise_idempotency_error():
    charge(source="tok_visa", idempotency_key="k-params")
    with pytest.raises(stripe.IdempotencyError) as info:
        charge(amount=3000, source="tok_visa", idempotency_key="k-params")
    assert info.value.http_status == 400
    assert info.value.user_message == (
        "Keys for idempotent requests can only be used with the same parameters they were "
        "first used with. Try using a key other than 'k-params' if you meant to execute a "
        "different request.")


def test_other_endpoint_raises_idempotency_error():
    charge(source="tok_visa", idempotency_key="k-endpoint")
    with pytest.raises(stripe.IdempotencyError):
        stripe.Customer.create(idempotency_key="k-endpoint")


def test_validation_failure_is_not_stored():
    with pytest.raises(stripe.InvalidRequestError):
        charge(amount=10, source="tok_visa", idempotency_key="k-valid")
    # Same key with corrected parameters is a brand-new request, not a conflict.
    assert charge(source="tok_visa", idempotency_key="k-valid").status == "succeeded"


def test_keys_are_scoped_per_api_key(emu):
    data = {"amount": "2000", "currency": "usd", "source": "tok_visa"}
    a = _post(emu, data, "k-scope")
    b = _post(emu, data, "k-scope", api_key="sk_test_other000000000000")
    assert a.json()["id"] != b.json()["id"]
    assert "Idempotent-Replayed" not in b.headers


def test_post_without_key_is_not_deduplicated(emu):
    data = {"amount": "2000", "currency": "usd", "source": "tok_visa"}
    url = f"{emu.url}/v1/charges"
    for _ in range(2):
        requests.post(url, data=data, timeout=5, headers={"Authorization": f"Bearer {API_KEY}"})
    assert len(stripe.Charge.list().data) == 2


def test_twenty_threads_one_key_make_one_charge(emu):
    """Concurrent retries with one key never double-charge (SDK retries the 409s)."""
    results, barrier = [], threading.Barrier(20)
    client = stripe.StripeClient(API_KEY, base_addresses={"api": emu.url},
                                 max_network_retries=5)

    def worker():
        barrier.wait()
        ch = client.v1.charges.create(
            params={"amount": 2000, "currency": "usd", "source": "tok_visa"},
            options={"idempotency_key": "k-threads"})
        results.append(ch.id)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20 and len(set(results)) == 1
    assert len(stripe.Charge.list().data) == 1


def test_in_flight_key_gets_409(emu, ctl, client):
    """While a request with a key is executing, a second one gets idempotency_key_in_use."""
    ctl.set_latency(ms=400)
    params = {"amount": 2000, "currency": "usd", "source": "tok_visa"}
    done = []
    first = threading.Thread(target=lambda: done.append(client.v1.charges.create(
        params=params, options={"idempotency_key": "k-inflight"})))
    first.start()
    time.sleep(0.15)
    with pytest.raises(stripe.APIError) as info:
        client.v1.charges.create(params=params, options={"idempotency_key": "k-inflight"})
    first.join()
    assert info.value.http_status == 409
    assert info.value.json_body["error"]["code"] == "idempotency_key_in_use"
    assert "another in-progress request" in info.value.user_message
    assert len(done) == 1 and len(stripe.Charge.list().data) == 1
