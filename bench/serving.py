"""Benchmark: the store against its baselines, each figure a ratio measured side by side
in this run (median and spread of several rounds), with the machine's load printed.

1. Pages under the shipped server settings (gunicorn.conf.py) vs a bare Flask "hello" app
   under the same settings: requests per second (wrk when installed, else a Python load).
2. One checkout of each payment flow vs the direct Stripe calls it makes (same SDK, same
   emulator, same process): the store's overhead in ms per checkout.
3. 100 buyers paying at once with Stripe answering in 300 ms, served as production serves
   them, vs 100 direct concurrent Charge.create calls at the same latency: wall time, p50,
   p95, failures.

Usage: ``.venv/bin/python bench/serving.py [--quick]``.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import stripe  # noqa: E402
from sqlalchemy import event  # noqa: E402

from config import EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY  # noqa: E402
from stripe_emulator.control import EmulatorControl  # noqa: E402
from stripe_emulator.server import EmulatorServer  # noqa: E402
from tests.helpers import csrf_from, new_tab  # noqa: E402
from tests.server_process import StoreServer, free_port  # noqa: E402

HELLO_APP = '''
from flask import Flask
app = Flask(__name__)

@app.get("/")
def hello():
    return "Hello, World!"
'''


def spread(values):
    values = sorted(values)
    return f"{statistics.median(values):.2f} [{values[0]:.2f}-{values[-1]:.2f}]"


def load():
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


# --- 1. pages vs bare Flask -------------------------------------------------------------

def requests_per_second(url, seconds, cookie=None, user_agent=None):
    """Requests per second on `url` (with `cookie`, a Cookie header, and `user_agent`, a
    User-Agent header, when given): wrk (64 connections) or 32 Python threads."""
    headers = {"Cookie": cookie, "User-Agent": user_agent}
    headers = {name: value for name, value in headers.items() if value}
    if shutil.which("wrk"):
        with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scripts:
            command = ["wrk", "-t2", "-c64", f"-d{seconds}s", url]
            if headers:  # a tiny wrk script sends them
                script = Path(scripts) / "headers.lua"
                script.write_text("".join(f'wrk.headers["{name}"] = "{value}"\n'
                                          for name, value in headers.items()))
                command[4:4] = ["-s", str(script)]
            out = subprocess.run(command, capture_output=True, text=True,
                                 check=True).stdout
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if errors:
            raise RuntimeError(f"{url}: {errors.group(1)} failed responses")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    stop = time.monotonic() + seconds
    counts = []

    def hammer():
        session, n = requests.Session(), 0
        session.headers.update(headers)
        while time.monotonic() < stop:
            assert session.get(url, timeout=30).status_code == 200
            n += 1
        counts.append(n)

    threads = [threading.Thread(target=hammer) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def bare_flask(tmp, env):
    (tmp / "hello.py").write_text(HELLO_APP)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "--chdir", str(tmp), "hello:app"],
        env={**env, "BIND": f"127.0.0.1:{port}"}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("bare Flask did not start")


def pages(store, tmp, rounds, seconds):
    # gunicorn.conf.py's on_starting builds the store app: the bare app gets the store's
    # settings too, so that both start the same way.
    hello, hello_url = bare_flask(tmp, store.env)
    try:
        session = requests.Session()
        receipt = _buy(session, store.url, "python-jumpstart", f"pages@{os.getpid()}.example")
        targets = {"catalog": f"{store.url}/",
                   "course page": f"{store.url}/courses/python-jumpstart",
                   "receipt": f"{store.url}{receipt}"}
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        results = {name: [] for name in targets}
        for _ in range(rounds):
            for name, url in targets.items():
                base = requests_per_second(hello_url, seconds)
                # the receipt needs the buyer's cookie
                rps = requests_per_second(url, seconds,
                                          cookie=cookie if name == "receipt" else None)
                results[name].append(rps / base)
        print("\n1. Pages vs a bare Flask hello under the same gunicorn settings "
              f"(requests/s ratio, median [min-max] of {rounds}):")
        for name, ratios in results.items():
            print(f"   {name:12} {spread(ratios)}x")
    finally:
        hello.terminate()
        hello.wait()


# --- 2. checkout overhead per flow ------------------------------------------------------

def _buy(session, base, slug, email, token=None):
    page = session.get(f"{base}/courses/{slug}", timeout=30)
    token = token or _token(base_emulator)
    response = session.post(f"{base}/courses/{slug}/checkout", allow_redirects=False,
                            timeout=120, data={"csrf_token": csrf_from(page.text),
                                               "stripeToken": token, "stripeEmail": email})
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def _token(emulator_url, number="4242424242424242"):
    return requests.post(f"{emulator_url}/v1/tokens", timeout=10, data={
        "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": EMULATOR_PUBLISHABLE_KEY}).json()["id"]


def checkout_overhead(emulator, n, rounds):
    from app import create_app
    from app.catalog.services import add_course
    from app.extensions import db
    from config import TestConfig

    tmp = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    app = create_app(TestConfig(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/store.db", STRIPE_API_BASE=emulator.url,
        STRIPE_SECRET_KEY=EMULATOR_SECRET_KEY, STRIPE_PUBLISHABLE_KEY=EMULATOR_PUBLISHABLE_KEY,
        STRIPE_JS_URL=f"{emulator.url}/js.stripe.com/v3/", STRIPE_TIMEOUT=10,
        WTF_CSRF_ENABLED=False,
        # what production reads at most every few seconds (TestConfig reads it each time)
        POLICY_CACHE_SECONDS=5, CATALOG_CACHE_SECONDS=2))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        for i in range(n * rounds * 3 + 10):
            add_course(slug=f"c{i}", title=f"Course {i}", price="69.00", currency="usd",
                       description="Bench.")
        db.session.remove()
    sdk = stripe.StripeClient(EMULATOR_SECRET_KEY, base_addresses={"api": emulator.url})
    courses = iter(range(10**6))

    def charges_flow(client):
        slug = f"c{next(courses)}"
        token = _token(emulator.url)
        t0 = time.perf_counter()
        r = client.post(f"/courses/{slug}/checkout",
                        data={"stripeToken": token, "stripeEmail": f"{slug}@example.com"})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        return time.perf_counter() - t0

    def charges_direct():
        token = _token(emulator.url)
        t0 = time.perf_counter()
        sdk.v1.charges.create(params={"amount": 6900, "currency": "usd", "source": token,
                                      "description": "Course", "metadata": {"order_id": "x"}},
                              options={"idempotency_key": f"direct-{time.time_ns()}"})
        return time.perf_counter() - t0

    def intents_flow(client):
        slug = f"c{next(courses)}"
        t0 = time.perf_counter()
        r = client.post(f"/courses/{slug}/payment-intent", data={"email": f"{slug}@x.example"},
                        headers={"Accept": "application/json"})
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        spent = time.perf_counter() - t0
        secret = r.get_json()["client_secret"]
        requests.post(f"{emulator.url}/v1/payment_intents/{secret.split('_secret_')[0]}"
                      "/confirm", timeout=10, data={"key": EMULATOR_PUBLISHABLE_KEY,
                                                    "client_secret": secret,
                                                    "payment_method": "pm_card_visa"})
        order = r.get_json()["return_url"].rsplit("/", 2)[-2]
        t0 = time.perf_counter()
        assert client.get(f"/orders/{order}/return").status_code == 302
        return spent + time.perf_counter() - t0

    def intents_direct():
        t0 = time.perf_counter()
        intent = sdk.v1.payment_intents.create(params={
            "amount": 6900, "currency": "usd", "automatic_payment_methods": {"enabled": True},
            "metadata": {"order_id": "x"}},
            options={"idempotency_key": f"direct-{time.time_ns()}"})
        spent = time.perf_counter() - t0
        requests.post(f"{emulator.url}/v1/payment_intents/{intent.id}/confirm", timeout=10,
                      data={"key": EMULATOR_PUBLISHABLE_KEY,
                            "client_secret": intent.client_secret,
                            "payment_method": "pm_card_visa"})
        t0 = time.perf_counter()
        sdk.v1.payment_intents.retrieve(intent.id)
        return spent + time.perf_counter() - t0

    figures, synced = {}, {}
    with app.app_context():
        writes = _WriteCommits(db.engine)
    for flow, run, direct in (("charges", charges_flow, charges_direct),
                              ("payment_intents", intents_flow, intents_direct)):
        app.config["PAYMENT_FLOW"] = flow
        overheads = []
        for _ in range(rounds):
            with app.test_client() as client:
                run(client)  # warm up
                writes.reset()
                store = statistics.median(run(client) for _ in range(n))
                synced[flow] = (writes.count / n, writes.seconds / n * 1000)
            base = statistics.median(direct() for _ in range(n))
            overheads.append((store - base) * 1000)
        figures[flow] = overheads
    writes.remove()
    print(f"\n2. Checkout vs the direct Stripe calls it makes (same process, emulator; "
          f"ms over them, median [min-max] of {rounds} rounds of {n}):")
    for flow, overheads in figures.items():
        commits, commit_ms = synced[flow]
        print(f"   {flow:16} +{spread(overheads)} ms, of which {commit_ms:.2f} ms in its "
              f"{commits:.0f} commits that wrote (each synced to disk: synchronous=FULL)")
    print("   (the checkout flow's hosted page is paid in the browser: its store part is the "
          "same Session create + retrieve as payment_intents' create + retrieve)")
    shutil.rmtree(tmp, ignore_errors=True)


class _WriteCommits:
    """Counts the commits of transactions that wrote (those a database syncs to disk) and
    the time they took, from the DBAPI commit to the session's after_commit."""

    def __init__(self, engine):
        from sqlalchemy.orm import Session

        self.count, self.seconds = 0, 0.0
        self._wrote, self._started = False, None
        self._events = ((engine, "before_cursor_execute", self._statement),
                        (engine, "commit", self._commit),
                        (Session, "after_commit", self._committed))
        for target, name, listener in self._events:
            event.listen(target, name, listener)

    def reset(self):
        self.count, self.seconds = 0, 0.0

    def _statement(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("SELECT"):
            self._wrote = True

    def _commit(self, _conn):
        if self._wrote:
            self.count += 1
            self._started = time.perf_counter()
        self._wrote = False

    def _committed(self, _session):
        if self._started is not None:
            self.seconds += time.perf_counter() - self._started
            self._started = None

    def remove(self):
        for target, name, listener in self._events:
            event.remove(target, name, listener)


# --- 3. 100 buyers at once --------------------------------------------------------------

def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def burst(store, emulator, control, buyers, latency_ms, rounds):
    """A launch's crowd comes from many addresses, through the proxy in front of the
    store (TRUST_PROXY_HOPS=1, each buyer's X-Forwarded-For); the last line is the same
    crowd from one address (an office behind one NAT), where the card-testing limit lets
    CHECKOUT_MAX_DECLINES checkouts of the address be in flight at once."""
    sdk = stripe.StripeClient(EMULATOR_SECRET_KEY, base_addresses={"api": emulator.url},
                              max_network_retries=0)
    ratios, lines, store_cpu, direct_cpu = [], [], [], []
    for r in range(rounds):
        store_run, direct_run = _burst_round(store, emulator, control, sdk, buyers,
                                             latency_ms, f"launch-{r}")
        ratios.append(store_run[2] / direct_run[2])
        store_cpu.append(store_run[3] / buyers * 1000)
        direct_cpu.append(direct_run[4] / buyers * 1000)
        lines.append(f"   round {r + 1}: store {_describe(store_run)} vs direct "
                     f"{_describe(direct_run)}")
    one_store, one_direct = _burst_round(store, emulator, control, sdk, buyers, latency_ms,
                                         "launch-one-address", one_address=True)
    print(f"\n3. {buyers} buyers paying at once from {buyers} addresses, Stripe answering in "
          f"{latency_ms} ms, gunicorn.conf.py's settings behind one proxy, vs {buyers} "
          "direct concurrent Charge.create calls:")
    print("\n".join(lines))
    print(f"   wall-time ratio store/direct: {spread(ratios)}x (target at most 1.5x)")
    print(f"   CPU per checkout of the store's processes: {spread(store_cpu)} ms; of this "
          f"process per direct charge (SDK, clients, emulator): {spread(direct_cpu)} ms")
    print(f"   the same crowd from one address: store {_describe(one_store)} vs direct "
          f"{_describe(one_direct)}, {one_store[2] / one_direct[2]:.2f}x")


def _describe(run):
    times, failed, wall = run[:3]
    return (f"{wall:.2f} s (p50 {percentile(times, 50):.2f}, p95 {percentile(times, 95):.2f}, "
            f"{failed} failed)")


def _burst_round(store, emulator, control, sdk, buyers, latency_ms, slug, *,
                 one_address=False):
    _add_course_over_cli(store, slug)

    def tab(i):
        session = new_tab()  # a connection per request, as tests/races do
        if not one_address:  # as the proxy in front of the store says (TRUST_PROXY_HOPS)
            session.headers["X-Forwarded-For"] = f"198.51.{i // 250}.{i % 250 + 1}"
        return session, csrf_from(session.get(f"{store.url}/courses/{slug}", timeout=60).text)

    with ThreadPoolExecutor(16) as pool:
        tabs = list(pool.map(tab, range(buyers)))
        tokens = list(pool.map(lambda _: _token(emulator.url), range(buyers)))
        direct_tokens = list(pool.map(lambda _: _token(emulator.url), range(buyers)))

    def pay(i):
        session, csrf = tabs[i]
        return session.post(f"{store.url}/courses/{slug}/checkout", allow_redirects=False,
                            timeout=120, data={"csrf_token": csrf, "stripeToken": tokens[i],
                                               "stripeEmail": f"{slug}-{i}@example.com"}
                            ).status_code == 302

    def charge(i):
        return bool(sdk.v1.charges.create(params={"amount": 6900, "currency": "usd",
                                                  "source": direct_tokens[i]}).id)

    control.set_latency(ms=latency_ms)
    try:
        server = _tree_cpu_seconds(store.proc.pid)
        paid = _at_once(buyers, pay)
        paid = (*paid, _tree_cpu_seconds(store.proc.pid) - server)
        mine = _own_cpu_seconds()
        charged = _at_once(buyers, charge)
        return paid, (*charged, 0.0, _own_cpu_seconds() - mine)
    finally:
        control.set_latency(ms=0)


def _own_cpu_seconds():
    times = os.times()
    return times.user + times.system


def _tree_cpu_seconds(pid):
    """CPU seconds (user + system) used so far by process `pid` and its children (the
    gunicorn master and its workers), read from /proc; 0 where there is no /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for one in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _at_once(count, work):
    barrier = threading.Barrier(count)
    times, failures = [], []

    def one(i):
        barrier.wait()
        t0 = time.perf_counter()
        try:
            ok = work(i)
        except Exception:  # noqa: BLE001  (counted, not raised: the figure says it)
            ok = False
        times.append(time.perf_counter() - t0)
        if not ok:
            failures.append(i)

    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(one, range(count)))
    return times, len(failures), time.perf_counter() - started


def _add_course_over_cli(store, slug):
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "courses", "add", slug,
                    "--title", slug.title(), "--price", "69.00", "--description", "Bench.",
                    "--publish"],
                   cwd=ROOT, env=store.env, check=True, capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="serve the store from this (throwaway) database, e.g. "
                             "PostgreSQL as in production; default a new SQLite file")
    args = parser.parse_args()
    rounds, seconds, n = (2, 2, 10) if args.quick else (3, 5, 30)
    print(f"bench/serving.py: {load()}; wrk {'found' if shutil.which('wrk') else 'missing'}")
    global base_emulator
    emulator = EmulatorServer(host="127.0.0.1", port=0, quiet=True).start()
    base_emulator = emulator.url
    control = EmulatorControl(emulator.url)
    tmp = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    try:
        database_url = args.database_url or f"sqlite:///{tmp}/store.db"
        print(f"store database: {database_url.split(':', 1)[0]}")
        store = StoreServer(database_url=database_url,
                            stripe_api_base=emulator.url, workers=2,
                            env={"STRIPE_MAX_NETWORK_RETRIES": "0",
                                 "TRUST_PROXY_HOPS": "1"})  # behind one proxy
        for name in ("WEB_CONCURRENCY", "DATABASE_POOL_SIZE"):
            store.env.pop(name)  # the shipped defaults
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                       cwd=ROOT, env=store.env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo"],
                       cwd=ROOT, env=store.env, check=True, capture_output=True)
        store.start(tmp / "gunicorn.log")
        try:
            pages(store, tmp, rounds, seconds)
            burst(store, emulator, control, 100, 300, rounds)
        finally:
            store.stop()
        checkout_overhead(emulator, n, rounds)
        print(f"\n{load()}")
    finally:
        emulator.stop()
        shutil.rmtree(tmp, ignore_errors=True)


base_emulator = None

if __name__ == "__main__":
    main()
