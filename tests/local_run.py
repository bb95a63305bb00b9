"""`make run` (scripts/run_local.py) and `flask` commands as real subprocesses, the way a
developer runs them: on free ports, with a database, emulator state and record of their
own under the test's folder, and ending with the test run (scripts/lifetime.py)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from scripts.lifetime import ends_with_this_process

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "app"]
RUN_LOCAL = [sys.executable, "scripts/run_local.py"]
READY = "Storefront on"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_env(folder, **extra):
    """The environment of a `make run` (and of commands beside it) kept in `folder`."""
    folder = Path(folder)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STRIPE_", "TEST_DATABASE", "FLASK_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'store.db'}",
        LOCAL_RUN_FILE=str(folder / "local-run.json"),
        STRIPE_EMULATOR_STATE_FILE=str(folder / "emulator.sqlite3"),
        STRIPE_SECRET_KEY="", STRIPE_PUBLISHABLE_KEY="", STRIPE_API_BASE="",
        STRIPE_WEBHOOK_SECRET="", STORE_ENV="development", PYTHONUNBUFFERED="1",
        PORT=str(free_port()), STRIPE_EMULATOR_PORT=str(free_port()),
    )
    env.update(extra)
    return env


def flask(env, *args, input=None):
    """Run `flask --app app ARGS…` to the end; the CompletedProcess."""
    return subprocess.run([*FLASK, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, input=input,
                          preexec_fn=ends_with_this_process())


def refused(env):
    """Run `make run` expecting it to refuse to start; the CompletedProcess."""
    return subprocess.run(RUN_LOCAL, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, preexec_fn=ends_with_this_process())


def process_gone(pid):
    """True once `pid` has exited (a zombie nobody reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def wait_until(condition, timeout, what):
    """Poll `condition` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class LocalRun:
    """One `make run` in a subprocess, its output in a log file."""

    def __init__(self, env, log_path, command=None):
        self.env = env
        self.log_path = Path(log_path)
        self.command = command or RUN_LOCAL
        self.port = int(env["PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.emulator_url = f"http://127.0.0.1:{env['STRIPE_EMULATOR_PORT']}"
        self.proc = None

    def start(self, timeout=120):
        """Start it and wait for the line it prints once the store listens."""
        self._log = open(self.log_path, "a")  # noqa: SIM115  (closed in stop)
        self._start_at = self.log_path.stat().st_size
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=ends_with_this_process())

        def ready():
            assert self.proc.poll() is None, f"make run exited:\n{self.output()}"
            return READY in self.output()

        wait_until(ready, timeout, f"make run to print {READY!r}")
        return self

    def output(self):
        """What this start printed so far."""
        with open(self.log_path, errors="replace") as log:
            log.seek(self._start_at)
            return log.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Send `sig` and wait for the exit; its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self):
        """Make sure it is gone (a test's clean-up)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            self._log.close()


class Browser:
    """A buyer's browser: keep-alive connections to the store and to the emulator (its
    Stripe.js stand-in and tokens), held open until `close` — across a stop of `make
    run`, as a real browser holds them."""

    def __init__(self, run):
        import requests

        self.run = run
        self.store = requests.Session()
        self.stripe = requests.Session()

    def buy(self, email, card="4242424242424242"):
        """Buy the first course of the catalog; the receipt's URL."""
        import re

        from config import EMULATOR_PUBLISHABLE_KEY
        from tests.helpers import csrf_from

        catalog = self.store.get(self.run.url + "/", timeout=30).text
        slug = re.search(r'href="/courses/([^"/?#]+)"', catalog).group(1)
        page = self.store.get(f"{self.run.url}/courses/{slug}", timeout=30)
        assert page.status_code == 200
        script = self.stripe.get(f"{self.run.emulator_url}/js.stripe.com/v3/", timeout=30)
        assert script.status_code == 200
        token = self.stripe.post(f"{self.run.emulator_url}/v1/tokens", timeout=30, data={
            "card[number]": card, "card[exp_month]": "12", "card[exp_year]": "2034",
            "card[cvc]": "123", "key": EMULATOR_PUBLISHABLE_KEY}).json()["id"]
        answer = self.store.post(f"{self.run.url}/courses/{slug}/checkout", timeout=60,
                                 allow_redirects=False, data={
                                     "csrf_token": csrf_from(page.text),
                                     "stripeToken": token, "stripeEmail": email})
        assert answer.status_code == 302 and "/orders/" in answer.headers["Location"], \
            answer.text[:500]
        receipt = self.store.get(self.run.url + answer.headers["Location"], timeout=30)
        assert receipt.status_code == 200
        return receipt.url

    def close(self):
        self.store.close()
        self.stripe.close()
