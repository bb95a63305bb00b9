"""Benchmark: sequential ``stripe.Charge.create`` calls per second against the emulator.

Usage: ``.venv/bin/python bench/emulator_charges.py [N]`` (default 2000).
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stripe  # noqa: E402

from stripe_emulator.server import EmulatorServer  # noqa: E402


def main(n: int = 2000) -> float:
    srv = EmulatorServer(quiet=True).start()
    client = stripe.StripeClient("sk_test_bench", base_addresses={"api": srv.url})
    try:
        for _ in range(50):  # warm up the connection and code paths
            client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                             "source": "tok_visa"})
        stripe.api_key, stripe.api_base = "sk_test_bench", srv.url
        latencies = []
        started = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            stripe.Charge.create(amount=1000 + i, currency="usd", source="tok_visa")
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
    finally:
        srv.stop()
    rate = n / elapsed
    q = statistics.quantiles(latencies, n=100)
    print(f"{n} sequential stripe.Charge.create calls in {elapsed:.2f}s: {rate:.0f} calls/s; "
          f"p50 {q[49] * 1000:.2f} ms, p95 {q[94] * 1000:.2f} ms")
    return rate


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
