"""Benchmark the admin purchases pages on a million purchases.

Fills a fresh database (SQLite by default, PostgreSQL with --database-url), then times
through the Flask test client, signed in as an admin:
  the first list page, the 50th page (reached by walking the Older cursor), a search by
  email, the totals of the unfiltered set, the dashboard; then the CSV export of every
  row in a child process, reporting rows/s and its peak RSS; then the first list page
  served by gunicorn with the shipped settings vs a bare Flask hello (requests/s ratio).

Usage: .venv/bin/python bench/admin_purchases.py [--rows 1000000] [--repeat 30]
                                                 [--database-url postgresql://…]
"""

import argparse
import io
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY, TestConfig  # noqa: E402

ADMIN, PASSWORD = "bench@example.com", "bench password 123"
#: The served list's browser (it signs in and loads the page with this User-Agent).
BENCH_USER_AGENT = "bench-admin-purchases"
COLUMNS = ("id", "public_id", "reference", "course_id", "course_title", "email",
           "email_domain", "list_price", "amount", "currency", "status", "livemode",
           "amount_refunded", "created_at", "paid_at", "updated_at")
#: Each order's one payment attempt.
ATTEMPT_COLUMNS = ("id", "order_id", "flow", "status", "request_state", "amount",
                   "currency", "livemode", "idempotency_key", "charge_id", "card_brand",
                   "card_last4", "failure_code", "failure_message", "saved_card",
                   "created_at", "updated_at")
TABLES = (("orders", COLUMNS), ("payment_attempts", ATTEMPT_COLUMNS))
STATUSES = ["paid"] * 88 + ["failed"] * 5 + ["partially_refunded"] * 3 + ["refunded"] * 2 + [
    "pending", "disputed"]
N_COURSES = 20
N_EMAILS = 200_000
#: Buyers' domains: one very common (every other buyer), others rarer.
DOMAINS = ["example.com", "mail.example", "example.com", "school.example", "example.com",
           "corp.example", "example.com", "isp.example"] * 3 + ["rare.example"]


def make_app(url):
    from app import create_app

    return create_app(TestConfig(
        SQLALCHEMY_DATABASE_URI=url, STRIPE_API_BASE="http://127.0.0.1:9",
        STRIPE_SECRET_KEY=EMULATOR_SECRET_KEY, STRIPE_PUBLISHABLE_KEY=EMULATOR_PUBLISHABLE_KEY,
    ))


def rows(n, seed=7):
    """Yield n (order, attempt) tuples, oldest first, spread over the last two years."""
    rnd = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=730)
    step = (now - start) / n
    for i in range(1, n + 1):
        created = start + step * i + timedelta(microseconds=rnd.randrange(1000))
        status = rnd.choice(STATUSES)
        # Buyers spread over time; one buyer never has two orders of one course (the
        # store allows one open order per buyer and course), up to N_COURSES * N_EMAILS.
        b = (i * 7919) % N_EMAILS
        course = (b + i // N_EMAILS) % N_COURSES + 1
        currency = "eur" if course % 10 == 0 else "usd"
        amount = 2900 + 1000 * (course % 7)
        refunded = {"partially_refunded": amount // 2, "refunded": amount}.get(status, 0)
        paid = status not in ("failed", "pending")
        hexid = f"{i:010X}"
        order = (
            i, f"pub{i:012d}", f"ORD-{hexid}", course, f"Course {course}",
            f"buyer{b}@{DOMAINS[b % len(DOMAINS)]}",
            DOMAINS[b % len(DOMAINS)], amount, amount, currency, status, False, refunded,
            created, created if paid else None, created,
        )
        attempt = (
            i, i, "charges", "succeeded" if paid else status,
            "written" if status == "pending" else "answered", amount, currency, False,
            f"order-{i}-charge", f"ch_bench{i:012d}" if status != "pending" else None,
            "visa" if paid else None, "4242" if paid else None,
            "card_declined" if status == "failed" else None,
            "Your card was declined." if status == "failed" else None, False,
            created, created,
        )
        yield order, attempt


def fill(app, n, chunk=20_000):
    """Build the schema with the migrations and insert n purchases in chunks."""
    from flask_migrate import upgrade

    from app.admin.auth import create_admin
    from app.extensions import db

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO courses (id, slug, title, description, price_minor, currency, "
                "active, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?)"
                if db.engine.dialect.name == "sqlite" else
                "INSERT INTO courses (id, slug, title, description, price_minor, currency, "
                "active, created_at, updated_at) VALUES (%s, %s, %s, '', %s, %s, %s, %s, %s)",
                [(c, f"course-{c}", f"Course {c}", 2900 + 1000 * (c % 7),
                  "eur" if c % 10 == 0 else "usd", True, now, now)
                 for c in range(1, N_COURSES + 1)],
            )
        started = time.perf_counter()
        if db.engine.dialect.name == "postgresql":
            _copy_postgres(db.engine, n)
        else:
            _insert_sqlite(db.engine, n, chunk)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        create_admin(email=ADMIN, password=PASSWORD)
        return time.perf_counter() - started


def _sqlite_value(value):
    if isinstance(value, datetime):  # the format SQLAlchemy's SQLite DateTime stores
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _insert_sqlite(engine, n, chunk):
    sqls = [f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            f"({', '.join('?' * len(columns))})" for table, columns in TABLES]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        batches = ([], [])
        for count, pair in enumerate(rows(n), 1):
            for batch, row in zip(batches, pair, strict=True):
                batch.append(tuple(_sqlite_value(v) for v in row))
            if count % chunk == 0 or count == n:
                for sql, batch in zip(sqls, batches, strict=True):
                    cur.executemany(sql, batch)
                    batch.clear()
        raw.commit()
    finally:
        raw.close()


def _copy_postgres(engine, n, chunk=100_000):
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        buffers = (io.StringIO(), io.StringIO())
        for count, pair in enumerate(rows(n), 1):
            for buffer, row in zip(buffers, pair, strict=True):
                buffer.write("\t".join(
                    r"\N" if v is None else (v.isoformat() if isinstance(v, datetime) else
                                             ("t" if v is True else "f" if v is False
                                              else str(v)))
                    for v in row) + "\n")
            if count % chunk == 0 or count == n:
                for buffer, (table, columns) in zip(buffers, TABLES, strict=True):
                    buffer.seek(0)
                    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN",
                                    buffer)
                buffers = (io.StringIO(), io.StringIO())
        for table, _ in TABLES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", (n,))
        raw.commit()
    finally:
        raw.close()


def signed_in_client(app):
    client = app.test_client()
    from tests.helpers import csrf_from

    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"csrf_token": token, "email": ADMIN,
                                                 "password": PASSWORD})
    assert response.status_code == 302, "bench admin could not sign in"
    return client


def timed(client, url, repeat):
    """Median and p95 milliseconds of GET url."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95


def page_50_url(client):
    url = "/admin/purchases"
    for _ in range(49):
        html = client.get(url).get_data(as_text=True)
        url = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    return url


def _memory_kb(field):
    """VmRSS/VmHWM of this process in kB (Linux keeps ru_maxrss across exec, so not that)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def served_list_ratio(url, rounds=3, seconds=5):
    """The first list page served as production serves it (gunicorn, gunicorn.conf.py's
    settings), signed in, vs a bare Flask hello under the same settings: requests/s
    ratio, median [min-max] of `rounds`, each pair measured side by side."""
    import requests
    from serving import bare_flask, requests_per_second, spread

    from tests.helpers import csrf_from
    from tests.server_process import StoreServer

    tmp = Path(tempfile.mkdtemp(prefix="bench-admin-served-"))
    store = StoreServer(database_url=url, stripe_api_base="http://127.0.0.1:9", workers=2)
    for name in ("WEB_CONCURRENCY", "DATABASE_POOL_SIZE"):
        store.env.pop(name)  # the shipped defaults
    store.start(tmp / "gunicorn.log")
    hello, hello_url = bare_flask(tmp, store.env)
    try:
        # One browser: the load sends the cookie with the User-Agent it was made with. From
        # another User-Agent, Flask-Login's session protection marks the session not fresh
        # and Flask sends a new cookie, which a browser keeps but wrk, replaying the first
        # cookie, has re-signed on every request (a sixth of the served time).
        browser = requests.Session()
        browser.headers["User-Agent"] = BENCH_USER_AGENT
        token = csrf_from(browser.get(f"{store.url}/admin/login", timeout=30).text)
        signed_in = browser.post(f"{store.url}/admin/login", timeout=30,
                                 allow_redirects=False,
                                 data={"csrf_token": token, "email": ADMIN,
                                       "password": PASSWORD})
        assert signed_in.status_code == 302, "bench admin could not sign in over HTTP"
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        page = browser.get(f"{store.url}/admin/purchases", timeout=30)
        assert page.status_code == 200 and 'rel="next"' in page.text, page.status_code
        ratios = []
        for _ in range(rounds):
            base = requests_per_second(hello_url, seconds)
            ratios.append(requests_per_second(f"{store.url}/admin/purchases", seconds,
                                              cookie=cookie, user_agent=BENCH_USER_AGENT)
                          / base)
        return spread(ratios)
    finally:
        hello.terminate()
        hello.wait()
        store.stop()


def export_child(url):
    """Run in a child process: stream the whole CSV export, print rows, seconds, peak RSS."""
    from app.admin.auth import find_admin

    app = make_app(url)
    client = app.test_client()
    with app.app_context():  # sign in without argon2, whose 64 MiB would mask the export's
        session_id = find_admin(ADMIN).get_id()  # '<id>:<session version>'
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    base_rss = _memory_kb("VmRSS")
    started = time.perf_counter()
    response = client.get("/admin/purchases.csv")
    lines = 0
    for chunk in response.response:
        lines += chunk.count("\n") if isinstance(chunk, str) else chunk.count(b"\n")
    seconds = time.perf_counter() - started
    peak = _memory_kb("VmHWM")
    print(f"{lines - 1} {seconds:.3f} {base_rss} {peak}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--export-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        return export_child(args.export_child)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/admin.db"
    app = make_app(url)
    print(f"Database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    seconds = fill(app, args.rows)
    print(f"Inserted {args.rows:,} purchases in {seconds:.1f} s "
          f"({args.rows / seconds:,.0f} rows/s)")
    client = signed_in_client(app)
    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db

        email = db.session.execute(text(
            "SELECT email FROM orders ORDER BY id DESC LIMIT 1")).scalar()
    cases = [
        ("first list page", "/admin/purchases"),
        ("50th list page", page_50_url(client)),
        ("search by email", f"/admin/purchases?q={email.upper()}"),
        ("search email prefix", f"/admin/purchases?q={email.split('@')[0][:-1]}"),
        ("search common prefix", "/admin/purchases?q=buyer"),
        ("search domain (common)", "/admin/purchases?q=example.com"),
        ("search domain (rare)", "/admin/purchases?q=rare.example"),
        ("filter status=failed", "/admin/purchases?status=failed"),
        ("totals, unfiltered", "/admin/purchases/totals?fragment=1"),
        ("dashboard", "/admin/"),
    ]
    print(f"{'page':24} {'median ms':>10} {'p95 ms':>10}   ({args.repeat} requests each)")
    for label, case_url in cases:
        median, p95 = timed(client, case_url, args.repeat)
        print(f"{label:24} {median:10.1f} {p95:10.1f}")
    print(f"first list page served (gunicorn.conf.py, 64 connections) vs a bare Flask "
          f"hello under the same settings: {served_list_ratio(url)}x requests/s "
          "(target at least 0.3x)")
    out = subprocess.run([sys.executable, __file__, "--export-child", url],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    exported, secs, base_kb, peak_kb = out.stdout.split()[-4:]
    print(f"CSV export: {int(exported):,} rows in {float(secs):.1f} s = "
          f"{int(exported) / float(secs):,.0f} rows/s; peak RSS {int(peak_kb) / 1024:.0f} MB "
          f"(process before export {int(base_kb) / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
