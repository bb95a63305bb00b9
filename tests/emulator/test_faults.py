"""Fault injection through the control API: 500/429/409, dropped connections, latency."""
import time

import pytest
import requests
import stripe

from .helpers import API_KEY, charge


def test_500_is_retried_by_sdk_with_same_key(emu, ctl):
    """One injected 500: the SDK retries (max_network_retries) and one charge results."""
    stripe.max_network_retries = 2  # the `api` fixture restores 0 afterwards
    ctl.inject_fault(status=500, count=1, path="/v1/charges", method="POST")
    ch = charge(source="tok_visa")
    assert ch.status == "succeeded"
    assert len(stripe.Charge.list().data) == 1
    assert ctl.faults()["faults"] == []


def test_500_without_retries_raises_api_error(ctl, client):
    ctl.inject_fault(status=500, count=1, path="/v1/charges")
    with pytest.raises(stripe.APIError) as info:
        client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                         "source": "tok_visa"})
    assert info.value.http_status == 500
    assert info.value.json_body["error"]["type"] == "api_error"
    assert client.v1.charges.list().data == []


def test_429_is_rate_limit_error(ctl):
    ctl.inject_fault(status=429, count=1)
    with pytest.raises(stripe.RateLimitError) as info:
        charge(source="tok_visa")
    assert info.value.http_status == 429
    assert info.value.json_body["error"]["code"] == "rate_limit"
    assert charge(source="tok_visa").status == "succeeded"  # only one request affected


def test_409_fault_answers_conflict(emu, ctl):
    ctl.inject_fault(status=409, count=1, path="/v1/customers")
    resp = requests.post(f"{emu.url}/v1/customers", timeout=5,
                         headers={"Authorization": f"Bearer {API_KEY}"})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "lock_timeout"


def test_fault_only_matches_its_path_and_method(ctl):
    ctl.inject_fault(status=500, count=1, path="/v1/refunds", method="POST")
    ch = charge(source="tok_visa")
    assert stripe.Charge.list().data[0].id == ch.id
    assert len(ctl.faults()["faults"]) == 1


def test_drop_closes_without_performing(ctl, client):
    ctl.inject_fault(mode="drop", count=1)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                         "source": "tok_visa"})
    assert client.v1.charges.list().data == []


def test_drop_response_performs_then_closes(ctl, client):
    """The charge exists although the client heard nothing; a retry with the key replays."""
    ctl.inject_fault(mode="drop_response", count=1, path="/v1/charges")
    params = {"amount": 2000, "currency": "usd", "source": "tok_visa"}
    with pytest.raises(stripe.APIConnectionError):
        client.v1.charges.create(params=params, options={"idempotency_key": "k-drop"})
    (stored,) = client.v1.charges.list().data
    again = client.v1.charges.create(params=params, options={"idempotency_key": "k-drop"})
    assert again.id == stored.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"


def test_latency_is_added(ctl):
    ctl.set_latency(ms=200)
    started = time.perf_counter()
    charge(source="tok_visa")
    assert time.perf_counter() - started >= 0.2
    ctl.clear_faults()
    started = time.perf_counter()
    charge(source="tok_visa")
    assert time.perf_counter() - started < 0.2


def test_control_api_health_and_bad_input(emu, ctl):
    assert ctl.health()["status"] == "ok"
    resp = requests.post(f"{emu.url}/_emulator/faults", json={"mode": "explode"}, timeout=5)
    assert resp.status_code == 400
    resp = requests.post(f"{emu.url}/_emulator/policy", json={"nope": True}, timeout=5)
    assert resp.status_code == 400


def test_reset_forgets_everything(ctl):
    charge(source="tok_visa", idempotency_key="k-reset")
    ctl.inject_fault(status=500, count=5, path="/v1/nothing")
    ctl.reset()
    assert stripe.Charge.list().data == [] and ctl.faults()["faults"] == []
    assert charge(source="tok_visa", idempotency_key="k-reset").last_response.headers.get(
        "Idempotent-Replayed") is None


def test_the_request_log_counts_api_calls_and_not_the_control_api(ctl, client):
    """`GET /_emulator/requests` lists every /v1 request (a dropped one as "dropped");
    control calls are not counted; clear and reset start again from zero."""
    assert ctl.requests() == []
    client.v1.charges.create(params={"amount": 2000, "currency": "usd", "source": "tok_visa"},
                             options={"idempotency_key": "k-log"})
    ctl.inject_fault(mode="drop", count=1, path="/v1/customers", method="GET")
    with pytest.raises(stripe.APIConnectionError):
        client.v1.customers.list()
    ctl.health()
    logged = [(r["method"], r["path"], r["status"], r["idempotency_key"])
              for r in ctl.requests()]
    assert logged == [("POST", "/v1/charges", 200, "k-log"),
                      ("GET", "/v1/customers", "dropped", None)]
    ctl.clear_requests()
    assert ctl.requests() == []
    client.v1.charges.list()
    assert len(ctl.requests()) == 1
    ctl.reset()
    assert ctl.requests() == []
