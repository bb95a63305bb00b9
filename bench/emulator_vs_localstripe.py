"""Benchmark: the emulator vs localstripe (another offline Stripe, installed for this
bench only in its own virtualenv under .bench-cache/, never committed or imported), the
same stripe-python calls against each, interleaved rounds, median and spread.

Calls: Customer.create, Customer.retrieve, and a PaymentIntent created and confirmed with
a card PaymentMethod in one call (each server's own test card: localstripe has no
`pm_card_visa`, the emulator needs `allow_redirects=never` as Stripe does).

Usage: ``.venv/bin/python bench/emulator_vs_localstripe.py [N]`` (default 300 calls per
round). Needs PyPI the first time (pip installs localstripe==1.15.10).
"""

import os
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import stripe  # noqa: E402

from stripe_emulator.server import EmulatorServer  # noqa: E402
from tests.server_process import free_port  # noqa: E402

CACHE = ROOT / ".bench-cache" / "localstripe"
LOCALSTRIPE = "localstripe==1.15.10"
ROUNDS = 3


def localstripe_binary():
    binary = CACHE / "bin" / "localstripe"
    if not binary.exists():
        print(f"Installing {LOCALSTRIPE} into {CACHE} (once)")
        venv.create(CACHE, with_pip=True)
        subprocess.run([str(CACHE / "bin" / "pip"), "install", "--quiet",
                        "--disable-pip-version-check", LOCALSTRIPE], check=True)
    return binary


def start_localstripe():
    port = free_port()
    proc = subprocess.Popen([str(localstripe_binary()), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # its imports take a while on a busy machine
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            requests.get(url + "/v1/customers", auth=("sk_test_x", ""), timeout=1)
            return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("localstripe did not start within 60 s")


def calls(client, payment_method, intent_params):
    def customer_create():
        return client.v1.customers.create(params={"email": "bench@example.com"})

    customer = customer_create()
    return {
        "Customer.create": customer_create,
        "Customer.retrieve": lambda: client.v1.customers.retrieve(customer.id),
        "PaymentIntent.create(confirm)": lambda: client.v1.payment_intents.create(params={
            "amount": 2000, "currency": "usd", "payment_method": payment_method,
            "confirm": True, **intent_params}),
    }


def timed(work, n):
    started = time.perf_counter()
    for _ in range(n):
        work()
    return n / (time.perf_counter() - started)


def main(n=300):
    emulator = EmulatorServer(host="127.0.0.1", port=0, quiet=True).start()
    local, local_url = start_localstripe()
    try:
        emu = stripe.StripeClient("sk_test_bench", base_addresses={"api": emulator.url},
                                  max_network_retries=0)
        ls = stripe.StripeClient("sk_test_bench", base_addresses={"api": local_url},
                                 max_network_retries=0)
        pm = ls.v1.payment_methods.create(params={"type": "card", "card": {
            "number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
        ours = calls(emu, "pm_card_visa", {"automatic_payment_methods": {
            "enabled": True, "allow_redirects": "never"}})
        theirs = calls(ls, pm.id, {})
        ratios = {name: [] for name in ours}
        rates = {name: ([], []) for name in ours}
        for _ in range(ROUNDS):
            for name in ours:
                ours[name]()
                theirs[name]()  # warm
                a, b = timed(ours[name], n), timed(theirs[name], n)
                ratios[name].append(a / b)
                rates[name][0].append(a)
                rates[name][1].append(b)
        one, _, _ = os.getloadavg()
        print(f"Emulator vs localstripe ({LOCALSTRIPE}), stripe-python 16.1.0, {n} sequential "
              f"calls per round, {ROUNDS} rounds interleaved; load average {one:.2f}:")
        print(f"   {'call':32} {'emulator/s':>10} {'localstripe/s':>13} {'ratio':>20}")
        for name, values in ratios.items():
            values = sorted(values)
            print(f"   {name:32} {statistics.median(rates[name][0]):10.0f} "
                  f"{statistics.median(rates[name][1]):13.0f} "
                  f"{statistics.median(values):8.2f}x [{values[0]:.2f}-{values[-1]:.2f}]")
    finally:
        local.terminate()
        local.wait()
        emulator.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
