"""The state layer scales: indexed lists and search, cheap event snapshots, bounded
idempotency storage, a few KB per charge. (``bench/emulator_scale.py`` times it at 50k.)"""
import json
import random
import uuid
from urllib.parse import urlencode

import pytest
import requests
import stripe

from stripe_emulator import search
from stripe_emulator.errors import StripeError
from stripe_emulator.footprint import state_bytes
from stripe_emulator.resources.charges import SEARCH_FIELDS
from stripe_emulator.resources.common import filter_created, list_page, paginate
from stripe_emulator.server import EmulatorServer
from stripe_emulator.state import State
from stripe_emulator.store import Codec

from .helpers import API_KEY, charge


class CountingCodec(Codec):
    """Counts how many stored objects are decoded (i.e. looked at)."""

    decoded = 0

    def decode_text(self, blob):
        self.decoded += 1
        return super().decode_text(blob)


def _state(n, seed=7):
    """A State with ``n`` charge-like objects: created goes up with a few steps back,
    10 customers, metadata order ids; returns (state, objects in insertion order)."""
    rng = random.Random(seed)
    state = State()
    state.codec = CountingCodec()
    objs, created = [], 1_700_000_000
    with state.transaction():
        for i in range(n):
            created += rng.choice([0, 0, 1, 2, -1])  # same-second runs and clock steps back
            obj = {"id": f"ch_{i:06d}", "object": "charge", "created": created,
                   "amount": 100 * (i % 50 + 1), "currency": rng.choice(["usd", "eur"]),
                   "customer": f"cus_{i % 10}", "status": "succeeded", "disputed": False,
                   "refunded": False, "amount_refunded": 0,
                   "metadata": {"order_id": f"o-{i}", "parity": str(i % 2)}}
            state.charges[obj["id"]] = obj
            objs.append(obj)
    state.codec.decoded = 0
    return state, objs


def _newest_first(objs):
    order = {o["id"]: i for i, o in enumerate(objs)}
    return sorted(objs, key=lambda o: (o["created"], order[o["id"]]), reverse=True)


def _ids(page):
    return [o["id"] for o in page["data"]]


def test_metadata_search_and_cursor_lists_decode_only_what_they_return():
    state, objs = _state(3000)
    with state.transaction():
        found = search.run(state.charges, {"query": "metadata['order_id']:'o-1234'"},
                           "/v1/charges/search", SEARCH_FIELDS)
    assert _ids(found) == ["ch_001234"] and state.codec.decoded == 1

    state.codec.decoded = 0
    newest = _newest_first(objs)
    middle = newest[1500]["id"]
    with state.transaction():
        page = list_page(state.charges, {"limit": "10", "starting_after": middle},
                         "/v1/charges", "charge")
    assert _ids(page) == [o["id"] for o in newest[1501:1511]] and page["has_more"]
    assert state.codec.decoded == 11  # the page and one more for has_more

    state.codec.decoded = 0
    with state.transaction():
        page = list_page(state.charges, {"limit": "5", "customer": "cus_3",
                                         "created": {"lte": str(newest[2000]["created"])}},
                         "/v1/charges", "charge", where={"customer": "cus_3"})
    want = [o["id"] for o in newest if o["customer"] == "cus_3" and
            o["created"] <= newest[2000]["created"]][:5]
    assert _ids(page) == want and state.codec.decoded == 6


@pytest.mark.parametrize("seed", range(4))
def test_lists_agree_with_a_full_scan(seed):
    """Random filters and cursors give what the scan-everything implementation gives."""
    state, objs = _state(400, seed)
    newest = _newest_first(objs)
    rng = random.Random(seed)
    times = sorted({o["created"] for o in objs})
    for _ in range(150):
        params = {"limit": str(rng.choice([1, 3, 10, 100]))}
        if rng.random() < 0.5:
            ops = rng.sample(["gt", "gte", "lt", "lte"], rng.choice([1, 2]))
            params["created"] = {op: str(rng.choice(times)) for op in ops}
        elif rng.random() < 0.2:
            params["created"] = str(rng.choice(times))
        customer = f"cus_{rng.randrange(10)}" if rng.random() < 0.4 else None
        items = [o for o in newest if customer is None or o["customer"] == customer]
        items = filter_created(items, params)
        cursor = rng.choice([None, "starting_after", "ending_before"])
        if cursor and items:
            params[cursor] = rng.choice(items)["id"]
        with state.transaction():
            got = list_page(state.charges, params, "/v1/charges", "charge",
                            where={"customer": customer})
        want = paginate(items, params, "/v1/charges", "charge")
        assert (_ids(got), got["has_more"]) == (_ids(want), want["has_more"]), params


QUERIES = [
    "metadata['order_id']:'o-17'", "metadata['parity']:'1' AND customer:'cus_3'",
    "metadata['order_id']:'o-3' OR metadata['order_id']:'o-300' OR customer:'cus_9'",
    "customer:'cus_2' OR amount>4800", "currency:'eur' AND -metadata['parity']:'0'",
    "created>=1700000100 AND created<1700000150 AND currency:'usd'", "amount<300",
    "status:'succeeded' AND amount:1200", "metadata['nope']:null AND customer:'cus_1'",
]


@pytest.mark.parametrize("query", QUERIES)
def test_search_agrees_with_a_full_scan_across_pages(query):
    state, objs = _state(400, 3)
    joiner, clauses = search.parse(query, SEARCH_FIELDS)
    combine = all if joiner == "AND" else any
    want = [o["id"] for o in _newest_first(objs)
            if combine(search._match(o, c, SEARCH_FIELDS, query) for c in clauses)]
    got, page = [], None
    while True:
        params = {"query": query, "limit": "7", **({"page": page} if page else {})}
        with state.transaction():
            result = search.run(state.charges, params, "/v1/charges/search", SEARCH_FIELDS)
        got += _ids(result)
        assert len(result["data"]) <= 7
        if not result["has_more"]:
            break
        page = result["next_page"]
    assert want and got == want


@pytest.mark.parametrize("page", ["not-base64!", "aGVsbG8=", "azp4"])
def test_bad_page_tokens_are_rejected(page):
    state, _ = _state(5)
    with pytest.raises(StripeError) as info, state.transaction():
        search.run(state.charges, {"query": "amount>0", "page": page}, "/v1/charges/search",
                   SEARCH_FIELDS)
    assert info.value.param == "page"


def test_updates_move_objects_between_index_entries():
    cus = stripe.Customer.create(source="tok_visa")
    ch = charge(source="tok_visa", metadata={"order_id": "before"})
    stripe.Charge.modify(ch.id, metadata={"order_id": "after"})
    assert stripe.Charge.search(query="metadata['order_id']:'before'").data == []
    assert [c.id for c in stripe.Charge.search(query="metadata['order_id']:'after'").data] \
        == [ch.id]
    stripe.Charge.modify(ch.id, metadata={"order_id": ""})
    assert stripe.Charge.search(query="metadata['order_id']:'after'").data == []
    mine = charge(customer=cus.id)
    assert [c.id for c in stripe.Charge.list(customer=cus.id).data] == [mine.id]
    stripe.Customer.modify(cus.id, email="NEW@example.com")
    assert [c.id for c in stripe.Customer.list(email="NEW@example.com").data] == [cus.id]
    assert stripe.Customer.list(email="new@example.com").data == []  # lists are exact
    stripe.Customer.delete(cus.id)
    assert stripe.Customer.list(email="NEW@example.com").data == []


def test_event_snapshots_keep_the_object_as_it_was():
    ch = charge(source="tok_visa", metadata={"order_id": "1"}, description="first")
    stripe.Charge.modify(ch.id, description="second", metadata={"order_id": "2"})
    stripe.Refund.create(charge=ch.id)
    events = {e.type: e for e in stripe.Event.list(limit=10).data}
    assert events["charge.succeeded"].data.object.description == "first"
    assert events["charge.succeeded"].data.object.refunded is False
    updated = events["charge.updated"].data
    assert updated.object.description == "second"
    assert updated.previous_attributes.to_dict() == {"description": "first",
                                                     "metadata": {"order_id": "1"}}
    assert events["charge.refunded"].data.object.refunded is True
    assert stripe.Event.retrieve(events["charge.updated"].id).data.to_dict() == \
        updated.to_dict()


def _post(url, data, key):
    return requests.post(f"{url}/v1/charges", data=data, timeout=10, headers={
        "Authorization": f"Bearer {API_KEY}", "Idempotency-Key": key})


def test_idempotency_storage_is_bounded_and_evicts_the_oldest():
    data = {"amount": "2000", "currency": "usd", "source": "tok_visa"}
    with EmulatorServer(idempotency_max_entries=3) as srv:
        first = {k: _post(srv.url, data, k).json()["id"] for k in ("k1", "k2", "k3", "k4")}
        assert len(srv.idempotency) == 3
        replay = _post(srv.url, data, "k4")
        assert replay.headers.get("Idempotent-Replayed") == "true"
        assert replay.json()["id"] == first["k4"]
        # k1 was the oldest: forgotten, so the request runs again (like after 24 h).
        again = _post(srv.url, data, "k1")
        assert "Idempotent-Replayed" not in again.headers and again.json()["id"] != first["k1"]
        conflict = _post(srv.url, {**data, "amount": "3000"}, "k3")
        assert conflict.status_code == 400
    with EmulatorServer(idempotency_max_bytes=1500) as srv:
        for i in range(20):
            assert _post(srv.url, data, f"b{i}").status_code == 200
        assert 0 < srv.idempotency.stored_bytes <= 1500 and len(srv.idempotency) < 20
        assert _post(srv.url, data, "b19").headers.get("Idempotent-Replayed") == "true"


def test_a_charge_costs_a_few_kilobytes(emu):
    """Charge, card, balance transaction, event and idempotency answer: under 5 KB."""
    with EmulatorServer() as srv:
        def create(n, prefix):
            for i in range(n):
                body = urlencode({"amount": 6900, "currency": "usd", "source": "tok_visa",
                                  "description": f"Course order {prefix}{i}",
                                  "metadata[order_id]": f"{prefix}{i}"}).encode()
                resp = srv.api.handle("POST", "/v1/charges", "", body, {
                    "Authorization": f"Bearer {API_KEY}",
                    "Idempotency-Key": str(uuid.uuid4())}, "127.0.0.1", srv.url)
                assert resp.status == 200 and json.loads(resp.body)["paid"]

        create(300, "warm-")
        before = state_bytes(srv)
        create(1500, "o-")
        per_charge = (state_bytes(srv) - before) / 1500
        assert len(srv.state.charges) == 1800 and len(srv.state.events) == 1800
        assert 500 < per_charge < 5 * 1024, per_charge
