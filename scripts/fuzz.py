"""`make fuzz`: send 10,000+ generated requests to a real server process and count the
answers by status. The goal is zero 5xx.

It starts the offline Stripe emulator, builds a throwaway database (a temporary SQLite
file, or the PostgreSQL database given with --database-url, whose tables are DROPPED),
adds a course, an admin and one real purchase, serves the app with gunicorn in a child
process (2 workers, 4 threads each) and sends, route by route, the requests that
tests/fuzzing.py generates (hypothesis), half as an anonymous visitor and half signed in
as the admin. Every request carries a valid CSRF token nine times in ten, and webhook
bodies are validly signed half of the time, so the inputs reach the views.

    .venv/bin/python scripts/fuzz.py [--requests 10000] [--seed 1] [--database-url URL]
        [--flow charges|payment_intents|checkout]

Prints the count per status, the 5xx answers (route, and the first few requests in
full), and how many tracebacks the server logged. Exit status 1 if any 5xx was seen.
"""

import argparse
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.lifetime import ends_with_this_process  # noqa: E402

ADMIN_EMAIL = "fuzz-admin@example.invalid"  # not among the fuzzer's own values
ADMIN_PASSWORD = "fuzzing admin password"
ADMIN_ADDRESS = "192.0.2.10"  # X-Forwarded-For of the admin: fuzzed sign-ins lock others
WEBHOOK_SECRET = "whsec_fuzz_only"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_database(env):
    """Build the schema from the migrations; add a course and an admin."""
    from flask_migrate import upgrade

    from app import create_app
    from app.admin.auth import create_admin
    from app.catalog.lessons import add_lesson
    from app.catalog.services import add_course
    from app.extensions import db
    from config import Config

    os.environ.update(env)
    app = create_app(Config())
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        course = add_course(slug="fuzz-course", title="Fuzz Course", price="69.00",
                            currency="usd", description="Bought by the fuzzer.")
        add_course(slug="fuzz-other", title="Fuzz Other", price="5.00", currency="usd")
        add_lesson(course, title="Fuzz lesson", body="```\nprint('fuzz')\n```")
        db.session.commit()
        create_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
        db.session.remove()
        db.engine.dispose()


def _start_server(env, port, log_path):
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
               "--bind", f"127.0.0.1:{port}", "--timeout", "60", "app:create_app()"]
    log = open(log_path, "w")  # noqa: SIM115  (closed by the caller via the process)
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                               stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=ends_with_this_process())  # dies with the fuzzer
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/", timeout=10)
            return process, base
        except requests.RequestException:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log_path}") from None
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def _csrf(session, url):
    from tests.helpers import csrf_from

    return csrf_from(session.get(url, timeout=30).text)


def _sign_in(session, base):
    token = _csrf(session, f"{base}/admin/login")
    answer = session.post(f"{base}/admin/login", timeout=30, allow_redirects=False, data={
        "csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as the admin: {answer.status_code}")


def _buy(base, emulator_url, flow):
    """One real purchase through the checkout of `flow`, so order pages have something to
    show; the order's public id."""
    from config import EMULATOR_PUBLISHABLE_KEY
    from tests.helpers import confirm_intent, pay_hosted_page

    session = requests.Session()
    csrf = _csrf(session, f"{base}/courses/fuzz-course")
    email = "buyer@example.com"
    if flow == "payment_intents":  # the Payment Element: the page's POST, Stripe.js, back
        started = session.post(f"{base}/courses/fuzz-course/payment-intent", timeout=30,
                               headers={"Accept": "application/json"},
                               data={"csrf_token": csrf, "email": email, "country": "US"})
        body = started.json() if started.ok else {}
        if "client_secret" not in body:
            raise SystemExit(f"the seed purchase failed to start: {started.status_code}")
        confirm_intent(emulator_url, body["client_secret"])
        answer = session.get(requests.compat.urljoin(base, body["return_url"]), timeout=30)
    elif flow == "checkout":  # hosted Checkout: Stripe's page, then the success page
        started = session.post(f"{base}/courses/fuzz-course/checkout-session", timeout=30,
                               allow_redirects=False,
                               data={"csrf_token": csrf, "email": email, "country": "US"})
        paid = pay_hosted_page(started.headers.get("Location", ""), email=email)
        answer = session.get(paid.headers.get("Location", ""), timeout=30)
    else:
        token = requests.post(f"{emulator_url}/v1/tokens", timeout=10, data={
            "card[number]": "4242424242424242", "card[exp_month]": "12",
            "card[exp_year]": "2034", "card[cvc]": "123", "key": EMULATOR_PUBLISHABLE_KEY,
        }).json()["id"]
        answer = session.post(f"{base}/courses/fuzz-course/checkout", timeout=30, data={
            "csrf_token": csrf, "stripeToken": token, "stripeEmail": email,
            "country": "US"})
    if "/orders/" not in answer.url:
        raise SystemExit(f"the seed purchase failed: {answer.status_code} {answer.url}")
    return answer.url.rsplit("/", 1)[1]


def _known_values(env, public_id):
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Access, Buyer, Lesson, Order, OutboxMessage
    from config import Config

    os.environ.update(env)
    app = create_app(Config())
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.public_id == public_id))
        ids = {name: [str(db.session.scalar(select(model.id)))] for name, model in (
            ("buyer_id", Buyer), ("access_id", Access), ("lesson_id", Lesson),
            ("message_id", OutboxMessage))}
        known = {
            **ids, "position": ["1"],
            "slug": ["fuzz-course"], "public_id": [public_id],
            "reference": [order.reference, order.reference.lower()],
            "references": [order.reference], "charge_ids": [order.charge_id],
            "filename": ["css/site.css", "js/admin.js", "js/checkout.js"],
            "query": ["paid", "test", "2026-01-01", str(order.course_id), order.reference],
            "form": ["buyer@example.com", "1.00", "requested_by_customer", "y", "tok_visa"],
        }
        db.engine.dispose()
    return known


class Fuzzer:
    """Sends generated requests as one of two visitors and counts the answers."""

    def __init__(self, base):
        self.base = base
        self.anonymous = requests.Session()
        self.anonymous.headers["X-Forwarded-For"] = "198.51.100.7"
        self.admin = requests.Session()
        self.admin.headers["X-Forwarded-For"] = ADMIN_ADDRESS
        _sign_in(self.admin, base)
        self.tokens = {
            "anonymous": _csrf(self.anonymous, f"{base}/courses/fuzz-course"),
            "admin": _csrf(self.admin, f"{base}/admin/"),
        }
        self.statuses = collections.Counter()
        self.errors = collections.Counter()
        self.examples = []
        self.sent = 0

    def send(self, request, who):
        from tests.hardening.signing import signature_for

        session = self.admin if who == "admin" else self.anonymous
        url = self.base + request.path
        try:
            if request.body is not None:
                headers = {"Content-Type": "application/json"}
                if request.sign:
                    headers["Stripe-Signature"] = signature_for(request.body,
                                                                secret=WEBHOOK_SECRET)
                answer = session.post(url, params=request.query, data=request.body,
                                      headers=headers, timeout=60, allow_redirects=False)
            else:
                data = None
                if request.form is not None:
                    data = list(request.form)
                    if request.valid_csrf:
                        data.append(("csrf_token", self.tokens[who]))
                answer = session.request(request.method, url, params=request.query,
                                         data=data, timeout=60, allow_redirects=False)
            status = answer.status_code
            traceback = "Traceback" in answer.text
        except requests.RequestException as exc:
            status, traceback = f"no answer ({type(exc).__name__})", False
        self.sent += 1
        self.statuses[status] += 1
        if (isinstance(status, int) and status >= 500) or traceback:
            self.errors[(request.method, request.path.split("?")[0][:60], status)] += 1
            if len(self.examples) < 10:
                self.examples.append(f"{status} as {who}: {request.describe()[:400]}")
        if who == "admin" and request.path == "/admin/logout" and status == 302:
            _sign_in(self.admin, self.base)  # the fuzz signed the admin out
            self.tokens["admin"] = _csrf(self.admin, f"{self.base}/admin/")


def _fuzz_route(fuzzer, who, rule, method, known, examples, seed):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as fixed_seed

    from tests.fuzzing import requests_for

    @fixed_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(request=requests_for(rule, method, known))
    def run(request):
        fuzzer.send(request, who)

    run()


def _run(fuzzer, known, total, seed):
    from app import create_app
    from config import Config
    from tests.fuzzing import regressions, targets

    routes = targets(create_app(Config()).url_map)
    per_route = max(1, -(-total // (2 * len(routes))))  # ceil: both visitors, every route
    for who in ("anonymous", "admin"):
        before = fuzzer.sent
        for request in regressions(known):  # the requests that once answered 500
            fuzzer.send(request, who)
        print(f"  {who:9} the inputs that once got a 500 {fuzzer.sent - before:14} requests",
              flush=True)
        for rule, method in routes:
            before = fuzzer.sent
            _fuzz_route(fuzzer, who, rule, method, known, per_route, seed)
            print(f"  {who:9} {method:4} {rule.rule:40} {fuzzer.sent - before:5} requests",
                  flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--flow", default="charges",
                        choices=("charges", "payment_intents", "checkout"),
                        help="the PAYMENT_FLOW the server runs (default charges)")
    parser.add_argument("--database-url", default="",
                        help="a THROWAWAY database (its tables are dropped); "
                             "default: a temporary SQLite file")
    args = parser.parse_args()

    from stripe_emulator.server import EmulatorServer

    workdir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    emulator = EmulatorServer(host="127.0.0.1", port=0, quiet=True).start()
    env = {
        "STORE_ENV": "development", "SECRET_KEY": "fuzz-only-secret",
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'fuzz.db'}",
        "STRIPE_API_BASE": emulator.url, "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_MAX_NETWORK_RETRIES": "0",
        "STRIPE_TIMEOUT": "10", "TRUST_PROXY_HOPS": "1", "PAYMENT_FLOW": args.flow,
    }
    _prepare_database(env)
    log_path = workdir / "server.log"
    process, base = _start_server(env, _free_port(), log_path)
    started = time.monotonic()
    try:
        known = _known_values(env, _buy(base, emulator.url, args.flow))
        fuzzer = Fuzzer(base)
        database = env["DATABASE_URL"].split(":", 1)[0]
        print(f"Fuzzing {base} ({database}, PAYMENT_FLOW={args.flow}), about "
              f"{args.requests} requests, seed {args.seed}")
        _run(fuzzer, known, args.requests, args.seed)
    finally:
        process.terminate()
        process.wait(timeout=30)
        emulator.stop()
    tracebacks = log_path.read_text(errors="replace").count("Traceback")
    elapsed = time.monotonic() - started
    print(f"\n{fuzzer.sent} requests in {elapsed:.0f} s against {database} "
          f"(PAYMENT_FLOW={args.flow}); by status:")
    for status, count in sorted(fuzzer.statuses.items(), key=lambda i: str(i[0])):
        print(f"  {status}: {count}")
    server_errors = sum(n for s, n in fuzzer.statuses.items()
                        if not isinstance(s, int) or s >= 500)
    print(f"5xx or no answer: {server_errors}; tracebacks in the server log: {tracebacks} "
          f"({log_path})")
    for (method, path, status), count in fuzzer.errors.most_common():
        print(f"  {count:5} × {status} {method} {path}")
    for example in fuzzer.examples:
        print(f"  e.g. {example}")
    return 1 if server_errors or fuzzer.errors else 0


if __name__ == "__main__":
    sys.exit(main())
