"""Shared fixtures: the offline Stripe emulator, the app on a real database, a browser.

The suite never mocks `stripe`: the app's real StripeClient talks HTTP to an
in-process emulator. Tables are emptied after each test instead of rolling back a
transaction, because browser tests hit the app through a real server thread.
"""

import contextlib
import json
import os
import threading

import pytest
import requests
import stripe
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from config import EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY, TestConfig
from stripe_emulator.control import EmulatorControl
from stripe_emulator.server import EmulatorServer


def _database_of_this_worker(name):
    """Under pytest-xdist (`make test` runs two workers), each worker gets a PostgreSQL
    database of its own: `<database>_gw0`, `<database>_gw1`, … created on the same server
    when missing, so that workers never empty each other's tables. The environment
    variable is rewritten for this process and the servers and commands it starts."""
    url, worker = os.environ.get(name), os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or not url.startswith("postgres"):
        return
    from sqlalchemy.engine import make_url

    base = make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    import psycopg2

    admin = psycopg2.connect(host=base.host, port=base.port or 5432, user=base.username,
                             password=base.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (mine.database,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{mine.database}"')
    admin.close()
    os.environ[name] = mine.render_as_string(hide_password=False)


for _name in ("TEST_DATABASE_URL", "TEST_MIGRATION_DATABASE_URL"):
    _database_of_this_worker(_name)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _first_app_frame():
    """The innermost caller that is code of app/ (outside app/models), or None when the
    change comes from a test itself."""
    import sys

    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename.replace(os.sep, "/")
        if "/app/" in filename and "/app/models/" not in filename \
                and "site-packages" not in filename:
            return filename
        if "/tests/" in filename:
            return None
        frame = frame.f_back
    return None


@pytest.fixture(scope="session", autouse=True)
def _order_status_only_changes_in_app_orders():
    """Across the whole suite, every change of an order's status made in this process
    comes from app/orders/ (the lifecycle): the architecture test reads the code, this
    watches it run."""
    from sqlalchemy import event

    from app.models import Order

    offenders = []

    def check(target, value, old, initiator):
        caller = _first_app_frame()
        if caller is not None and "/app/orders/" not in caller:
            offenders.append(f"{caller}: {old} -> {value}")
        return value

    event.listen(Order.status, "set", check, retval=True)
    yield offenders
    event.remove(Order.status, "set", check)
    assert offenders == [], offenders


@pytest.fixture(scope="session")
def emulator():
    """A Stripe emulator on a free port for the whole session."""
    server = EmulatorServer(host="127.0.0.1", port=0, quiet=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def emulator_control(emulator):
    """The emulator's control API on a freshly reset emulator; faults, latency and
    policies are cleared again after the test."""
    control = EmulatorControl(emulator.url)
    control.reset()
    yield control
    control.clear_faults()
    control.set_latency(ms=0)
    control.set_policy(card_tokens_end_of_life=False)


@pytest.fixture
def stripe_sdk(emulator):
    """A StripeClient pointed at the emulator, to check what reached 'Stripe'."""
    return stripe.StripeClient(
        EMULATOR_SECRET_KEY, base_addresses={"api": emulator.url}
    )


def _database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(emulator, tmp_path_factory):
    """The app, with its schema built by the migrations, talking to the emulator."""
    config = TestConfig(
        SQLALCHEMY_DATABASE_URI=_database_url(tmp_path_factory),
        STRIPE_API_BASE=emulator.url,
        STRIPE_SECRET_KEY=EMULATOR_SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY=EMULATOR_PUBLISHABLE_KEY,
        STRIPE_JS_URL=f"{emulator.url}/js.stripe.com/v3/",
        STRIPE_TIMEOUT=5,
    )
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table after a test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        # what the process keeps of those rows for a few seconds goes with them
        from app.caching import forget_shared_pages
        from app.card_testing import forget_shown_pauses

        forget_shared_pages()
        forget_shown_pauses()


@pytest.fixture
def app_ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    """A test client with CSRF on, as in production."""
    return app.test_client()


@pytest.fixture
def cli(app):
    """Invoke `flask` commands in-process."""
    return app.test_cli_runner()


@pytest.fixture
def flow(app):
    """`flow(name)` switches PAYMENT_FLOW for one test (back to charges after it)."""

    def use(name):
        app.config["PAYMENT_FLOW"] = name

    yield use
    app.config["PAYMENT_FLOW"] = "charges"


@pytest.fixture
def make_course(app):
    """Factory: add a course priced in the currency's unit."""
    from app.catalog.services import add_course

    def make(slug="python-jumpstart", title="Python Jumpstart", price="69.00",
             currency="usd", description="Learn Python."):
        with app.app_context():
            course = add_course(slug=slug, title=title, price=price,
                                currency=currency, description=description)
            db.session.expunge(course)
            return course

    return make


@pytest.fixture(scope="session")
def live_server(app):
    """The app served by a real threaded HTTP server, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def store_server(app, emulator, tmp_path):
    """Factory: the store under gunicorn (shipped config) in its own process, sharing the
    test database and the emulator; stopped after the test."""
    from tests.server_process import StoreServer

    servers = []

    def start(workers=3, **env):
        server = StoreServer(database_url=app.config["SQLALCHEMY_DATABASE_URI"],
                             stripe_api_base=emulator.url, workers=workers,
                             env={k: str(v) for k, v in env.items()})
        servers.append(server)
        return server.start(tmp_path / f"gunicorn-{len(servers)}.log")

    yield start
    for server in servers:
        server.stop()


#: Every browser test runs at a phone's width unless it asks for another viewport: no page
#: may be wider than the screen (issue 15: 481 px pages at 390 px).
PHONE = {"width": 390, "height": 844}
#: Reports each top-level page's width when it has loaded and when it is left (after the
#: test's clicks and typing), read back by the `_page_widths` check.
WIDTH_WATCH = """
if (window.top === window) {
  const report = (when) => console.debug("__page_width__ " + JSON.stringify({
    when: when, url: location.href, scroll: document.documentElement.scrollWidth,
    viewport: window.innerWidth}));
  window.addEventListener("load", () => report("loaded"));
  window.addEventListener("pagehide", () => report("left"));
}
"""
WIDTH_PREFIX = "__page_width__ "


class WatchedBrowser:
    """The Playwright browser, except that every context it makes opens at phone width
    (unless given a viewport) and reports the width of every page it loads."""

    def __init__(self, browser):
        self._browser = browser
        self.reports = None  # a list while a test runs (see _page_widths)

    def new_context(self, **kwargs):
        kwargs.setdefault("viewport", PHONE)
        context = self._browser.new_context(**kwargs)
        context.add_init_script(WIDTH_WATCH)
        context.on("console", self._record)
        return context

    def new_page(self, **kwargs):
        return self.new_context(**kwargs).new_page()

    def _record(self, message):
        if message.text.startswith(WIDTH_PREFIX) and self.reports is not None:
            self.reports.append(json.loads(message.text[len(WIDTH_PREFIX):]))

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser), its pages at
    phone width and their widths checked (WatchedBrowser, `_page_widths`)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's 'chromium'.")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield WatchedBrowser(browser)
        browser.close()


def too_wide(reports):
    """The reported pages wider than their viewport (a horizontal scroll bar)."""
    return [f"{r['url']} ({r['when']}): {r['scroll']} px wide at {r['viewport']} px"
            for r in reports if r["scroll"] > r["viewport"]]


@pytest.fixture(autouse=True)
def _page_widths(request):
    """In a browser test, every page visited must fit its viewport (at phone width unless
    the test chose another): fails the test listing each page that is wider."""
    if "browser" not in request.fixturenames:  # `page` and every browser test use it
        yield None
        return
    watched = request.getfixturevalue("browser")
    watched.reports = reports = []
    yield reports
    watched.reports = None
    assert reports, "no page reported its width"
    wide = too_wide(reports)
    assert not wide, "pages wider than the screen:\n" + "\n".join(wide)


#: Records every Content-Security-Policy violation a page reports (read back at the end).
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def csp_violations(page):
    """Violations reported to the page's console or its securitypolicyviolation event."""
    from playwright.sync_api import Error as PlaywrightError

    found = list(page.csp_console)
    with contextlib.suppress(PlaywrightError):  # the page may be closed or navigating
        found += page.evaluate("window.__cspViolations || []")
    return found


@pytest.fixture
def page(browser):
    """A fresh browser page (own cookies) per test; fails if the page reports a CSP
    violation (the store's pages have no inline code, so none may be blocked)."""
    context = browser.new_context()  # phone width (WatchedBrowser)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.csp_console = []
    page.on("console", lambda msg: page.csp_console.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.set_default_timeout(15_000)
    yield page
    violations = csp_violations(page)
    context.close()
    assert not violations, f"CSP violations: {violations}"


@pytest.fixture
def card_token(emulator):
    """Factory: tokenize a test card the way Stripe.js does (publishable key, no secret)."""

    def make(number="4242424242424242", exp_month="12", exp_year="2034", cvc="123"):
        response = requests.post(
            f"{emulator.url}/v1/tokens",
            data={"card[number]": number, "card[exp_month]": exp_month,
                  "card[exp_year]": exp_year, "card[cvc]": cvc,
                  "key": EMULATOR_PUBLISHABLE_KEY},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        return response.json()["id"]

    return make


@pytest.fixture
def orders(app):
    """Read the orders table (fresh session each call)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Order

    def read():
        with app.app_context():
            rows = db.session.scalars(select(Order).order_by(Order.id)).all()
            for row in rows:
                db.session.expunge(row)
            return rows

    return read


# --- Mail: a real SMTP server in the test process -----------------------------------

@pytest.fixture(scope="session")
def smtp_server():
    """An aiosmtpd server for the session (tests may stop and restart it)."""
    from tests.smtp import SMTPServer

    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(app, smtp_server):
    """The app sends mail to the test SMTP server (running, emptied) for this test."""
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    smtp_server.start()
    smtp_server.clear()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_TIMEOUT=5)
    yield smtp_server
    smtp_server.start()
    app.config.update(saved)


@pytest.fixture
def mail_worker(app):
    """The app's outbox worker running in the background for this test."""
    worker = app.extensions["outbox_worker"]
    saved = {k: app.config[k] for k in ("MAIL_WORKER", "MAIL_POLL_SECONDS")}
    app.config.update(MAIL_WORKER=True, MAIL_POLL_SECONDS=0.5)
    worker.ensure_started()
    yield worker
    worker.stop()
    app.config.update(saved)


@pytest.fixture
def flush_mail(app):
    """Send what the outbox holds now, as the worker would; returns {status: count}."""
    from app.mail import flush_due

    def flush():
        with app.app_context():
            return flush_due()

    return flush
