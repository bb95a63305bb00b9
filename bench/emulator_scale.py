"""Benchmark: does the emulator's state scale? Lists, search and memory at 50,000 charges.

Usage: ``.venv/bin/python bench/emulator_scale.py [N]`` (default 50000; about two minutes).

One process runs three emulators side by side:

- *empty*: a fresh emulator with no charges at all;
- *small*: a fresh emulator holding only the charges the queries return (so its answers are
  exactly as long as the big one's: the ratio measures the state, not the payload);
- *big*: the same charges plus N others (each with ``metadata[order_id]``, an idempotency key
  like every stripe-python POST, its card, balance transaction and ``charge.succeeded``
  event), seeded through the emulator's own request pipeline (``Api.handle``) to save time.

Every query is then timed with the real stripe-python SDK over HTTP (median of repeated
calls, emulators interleaved) and the ratios big/small and big/empty printed. Memory per
charge is how much the big emulator's state grew while seeding, divided by N (deep size of
everything it holds), cross-checked with ``tracemalloc`` over 2,000 more charges and the
process's RSS growth.
"""
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stripe  # noqa: E402

from stripe_emulator.footprint import state_bytes  # noqa: E402
from stripe_emulator.server import EmulatorServer  # noqa: E402

KEY = "sk_test_scale_bench"
TARGETS = 20  # charges both the small and the big emulator hold
REPEAT = 100
TRACED = 2000


def _post(srv, path, params):
    headers = {"Authorization": f"Bearer {KEY}", "Idempotency-Key": str(uuid.uuid4())}
    resp = srv.api.handle("POST", path, "", urlencode(params).encode(), headers,
                          "127.0.0.1", srv.url)
    assert resp.status == 200, resp.body[:300]
    return resp


def _charge(srv, order_id, **extra):
    import json

    params = {"amount": 6900, "currency": "usd", "source": "tok_visa",
              "description": f"Course order {order_id}", "metadata[order_id]": order_id,
              **extra}
    return json.loads(_post(srv, "/v1/charges", params).body)["id"]


def _seed_targets(srv):
    """The charges the queries find: one per order 'target-i', five for one customer."""
    import json

    cus = json.loads(_post(srv, "/v1/customers", {"source": "tok_visa",
                                                  "email": "bench@example.com"}).body)["id"]
    ids = [_charge(srv, f"target-{i}", **({"customer": cus, "source": ""} if i < 5 else {}))
           for i in range(TARGETS)]
    return cus, ids


def _rss_kb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _queries(cus, middle_id):
    """(label, path, params) of each timed request."""
    now = int(time.time()) + 5
    after = {"starting_after": middle_id} if middle_id else {}
    return [
        ("search metadata['order_id']:'target-7'", "/v1/charges/search",
         {"query": "metadata['order_id']:'target-7'"}),
        ("search customer AND status", "/v1/charges/search",
         {"query": f"customer:'{cus}' AND status:'succeeded'"}),
        ("search status:'succeeded' (limit 10)", "/v1/charges/search",
         {"query": "status:'succeeded'"}),
        ("list limit 10", "/v1/charges", {"limit": 10}),
        ("list limit 10 starting_after (cursor)", "/v1/charges", {"limit": 10, **after}),
        ("list customer=", "/v1/charges", {"customer": cus}),
        ("list created[lte]=now, limit 10", "/v1/charges", {"created": {"lte": now},
                                                           "limit": 10}),
    ]


def _sdk_call(client, path, params):
    if path.endswith("/search"):
        return client.v1.charges.search(params=params)
    return client.v1.charges.list(params=params)


def _in_process(srv, path, params):
    flat = {("created[lte]" if k == "created" else k): (v["lte"] if k == "created" else v)
            for k, v in params.items()}
    headers = {"Authorization": f"Bearer {KEY}"}
    resp = srv.api.handle("GET", path, urlencode(flat), b"", headers, "127.0.0.1", srv.url)
    assert resp.status == 200, resp.body[:300]


def _time(fn, *args):
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main(n=50_000):
    empty = EmulatorServer(quiet=True).start()
    small = EmulatorServer(quiet=True).start()
    big = EmulatorServer(quiet=True).start()
    try:
        cus_small, ids_small = _seed_targets(small)
        gc.collect()
        rss0, size0 = _rss_kb(), state_bytes(big)
        started = time.perf_counter()
        half = n // 2
        for i in range(half):
            _charge(big, f"bulk-{i}")
        cus_big, ids_big = _seed_targets(big)  # in the middle of the big emulator's history
        for i in range(half, n):
            _charge(big, f"bulk-{i}")
        seeded = time.perf_counter() - started
        gc.collect()
        rss = _rss_kb() - rss0
        held = state_bytes(big) - size0
        # Cross-check: what another TRACED charges add, measured by tracemalloc.
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for i in range(TRACED):
            _charge(big, f"traced-{i}")
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        total = n + TARGETS + TRACED
        print(f"seeded {n} charges (+{TARGETS} targets) in {seeded:.1f}s "
              f"({n / seeded:.0f}/s through Api.handle); the big emulator holds {total}")
        print(f"memory per charge (its card, balance transaction, event and idempotency "
              f"answer included):\n  {held / n / 1024:.2f} KB state size (deep size of "
              f"everything the emulator holds, grown over {n} charges)\n"
              f"  {traced / TRACED / 1024:.2f} KB tracemalloc (over the last {TRACED})\n"
              f"  {rss / n:.2f} KB RSS growth ({rss / 1024:.0f} MB over {n})")

        servers = {"empty": empty, "small": small, "big": big}
        clients = {name: stripe.StripeClient(KEY, base_addresses={"api": srv.url})
                   for name, srv in servers.items()}
        # The cursor sits mid-list in both: the 10th target in each emulator.
        plans = {"empty": _queries("cus_none", None), "small": _queries(cus_small, ids_small[10]),
                 "big": _queries(cus_big, ids_big[10])}
        worst = {}
        rng = random.Random(11)
        for mode in ("stripe-python over HTTP", "in process (Api.handle, no HTTP/SDK)"):
            print(f"\n{mode}: median of {REPEAT} calls each, emulators interleaved in "
                  "random order")
            print(f"{'query':45} {'empty ms':>9} {'small ms':>9} {'big ms':>9} "
                  f"{'big/small':>9} {'big/empty':>9}")
            for q, (label, _, _) in enumerate(plans["big"]):
                samples = {name: [] for name in plans}
                order = list(plans)
                for _ in range(REPEAT):
                    rng.shuffle(order)  # no emulator always runs right after another
                    for name in order:
                        _, path, params = plans[name][q]
                        if mode.startswith("stripe"):
                            samples[name].append(_time(_sdk_call, clients[name], path, params))
                        else:
                            samples[name].append(_time(_in_process, servers[name], path,
                                                       params))
                med = {name: statistics.median(s) * 1000 for name, s in samples.items()}
                ratio = med["big"] / med["small"]
                kind = (mode.split()[0], label.split()[0])
                worst[kind] = max(worst.get(kind, 0.0), ratio)
                print(f"{label:45} {med['empty']:9.3f} {med['small']:9.3f} {med['big']:9.3f} "
                      f"{ratio:9.2f}x {med['big'] / med['empty']:9.2f}x")
        sdk, local = "stripe-python", "in"
        print(f"\nworst big/small ratio at {n} charges, over HTTP with the SDK: search "
              f"{worst[sdk, 'search']:.2f}x, list {worst[sdk, 'list']:.2f}x;"
              f" in process: search {worst[local, 'search']:.2f}x, "
              f"list {worst[local, 'list']:.2f}x"
              f" (target <= 1.5x)\nmemory {max(held / n, traced / TRACED) / 1024:.2f} KB per "
              "charge (target < 5 KB)")
        idem = big.idempotency
        print(f"idempotency store: {len(idem)} answers, {idem.stored_bytes / 1024 / 1024:.1f} MB "
              f"(bounded: {idem.max_entries} answers, {idem.max_bytes // 2**20} MB)")
    finally:
        for srv in (empty, small, big):
            srv.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
