"""``python -m stripe_emulator`` starts, prints its URL, serves, and stops on Ctrl-C."""
import signal
import subprocess
import sys
from pathlib import Path

import requests
import stripe

from scripts.lifetime import ends_with_this_process

ROOT = Path(__file__).resolve().parents[2]


def test_cli_serves_first_charge_and_stops():
    proc = subprocess.Popen([sys.executable, "-m", "stripe_emulator", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=ends_with_this_process())
    try:
        first = proc.stdout.readline()
        assert first.startswith("Stripe emulator listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[-1].strip()
        assert requests.get(f"{url}/_emulator/health", timeout=5).json()["status"] == "ok"
        client = stripe.StripeClient("sk_test_cli", base_addresses={"api": url})
        ch = client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                              "source": "tok_visa"})
        assert ch.status == "succeeded"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "POST /v1/charges 200 idem=" in err  # one log line per request
    assert "4242424242424242" not in err
