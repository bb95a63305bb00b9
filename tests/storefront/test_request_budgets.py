"""Query budgets (as Saleor keeps them): SQL statements and commits per checkout of every
payment flow, per one-click purchase and per buyer page, counted with SQLAlchemy's engine
events on the real database; and no database connection held while Stripe is called.

A change that adds a statement to one of these requests fails here, with the statements
it ran, so that it is a decision and not an accident. The budgets are what each request
needs today (see the README's "Serving" section for why a checkout is not 5 statements:
the order is placed and fulfilled in the same request, each in one transaction).
"""

import contextlib
import os
import re
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy import event, select

from app.extensions import db
from app.models import Order, OrderStatus
from config import EMULATOR_PUBLISHABLE_KEY
from tests.helpers import csrf_from, sign_in_by_link

EMAIL = "budget@example.com"
VISA = "4242424242424242"

#: (statements, commits) at most, per request.
BUDGETS = {
    "token checkout": (14, 2),
    "token checkout saving the card": (26, 5),
    "one-click purchase": (16, 2),
    # ... with the address's count of new browser payments in the placing transaction
    # (BROWSER_PAYMENT_MAX_STARTS: each start makes an order and a Stripe object)
    "payment_intents: start": (9, 2),
    # ... with the claim that lets one visit a second per attempt ask Stripe (a stranger
    # reloading the public return page could otherwise spend the store's rate limit)
    "payment_intents: return": (11, 2),
    "checkout: start": (9, 2),  # the same count
    "checkout: success page": (11, 2),  # the same claim
    "catalog": (1, 0),
    # the course and its lessons in one statement; the address's card-testing pause
    "course page, visitor": (2, 0),
    # rendered once per CATALOG_CACHE_SECONDS
    "catalog, rendered before": (0, 0),
    "course page, new visitor, rendered before": (0, 0),
    # the course and lessons; the buyer, their access and saved card; the pause (read
    # once per CATALOG_CACHE_SECONDS in production, every time here)
    "course page, buyer": (3, 0),
    "course page, buyer with a saved card": (3, 0),
    "receipt": (1, 0),  # the order with its course and payment attempts
    "account": (3, 0),
    "lesson": (3, 1),
}


@dataclass
class Count:
    statements: list = field(default_factory=list)
    commits: int = 0

    def check(self, name):
        limit_statements, limit_commits = BUDGETS[name]
        listing = "\n".join(f"  {s[:160]}" for s in self.statements)
        assert len(self.statements) <= limit_statements and self.commits <= limit_commits, (
            f"{name}: {len(self.statements)} statements and {self.commits} commits, "
            f"budget {limit_statements} and {limit_commits}:\n{listing}")
        print(f"{name}: {len(self.statements)} statements, {self.commits} commits")
        if os.environ.get("SHOW_STATEMENTS"):
            print(listing)
        return self


@pytest.fixture
def counted(app):
    """`with counted(name): request` counts its SQL and checks the budget."""
    with app.app_context():
        engine = db.engine

    @contextlib.contextmanager
    def count(name):
        seen = Count()

        def on_statement(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                seen.statements.append(" ".join(statement.split()))

        def on_commit(conn):
            seen.commits += 1

        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "commit", on_commit)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", on_statement)
            event.remove(engine, "commit", on_commit)
        seen.check(name)

    return count


@pytest.fixture
def connections_during_stripe_calls(app, emulator):
    """The number of pooled connections the process holds at each moment the emulator
    receives a request from the store (its observers run as the request arrives)."""
    with app.app_context():
        engine = db.engine
    seen = []

    def observe(method, path):
        seen.append((method, path, engine.pool.checkedout()))

    emulator.api.observers.append(observe)
    yield seen
    emulator.api.observers.remove(observe)


@pytest.fixture(autouse=True)
def production_caching(app):
    """The footer's policy numbers are cached per process in production (5 s)."""
    from app.policies.services import forget_numbers

    app.config["POLICY_CACHE_SECONDS"] = 5
    forget_numbers()
    yield
    app.config["POLICY_CACHE_SECONDS"] = 0
    forget_numbers()


@pytest.fixture
def course(app, make_course, emulator_control):
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course

    make_course(slug="second-course", title="Second Course")
    with app.app_context():
        add_lesson(get_course("second-course"), title="Welcome", body="Hello **there**.")
    return make_course()


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _newest_order(app):
    with app.app_context():
        order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
        db.session.expunge(order)
        return order


def _token(emulator, number=VISA):
    response = requests.post(f"{emulator.url}/v1/tokens", timeout=5, data={
        "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": EMULATOR_PUBLISHABLE_KEY})
    return response.json()["id"]


def _no_connection_held(calls):
    assert calls, "the store made no Stripe call"
    held = [(method, path, n) for method, path, n in calls if n]
    assert held == [], f"database connections held while Stripe was called: {held}"


def test_token_checkout_and_the_buyer_pages(client, app, course, emulator, counted,
                                            connections_during_stripe_calls):
    form = _page(client, "/courses/python-jumpstart")
    data = {"csrf_token": csrf_from(form), "stripeToken": _token(emulator),
            "stripeEmail": EMAIL}
    with counted("token checkout"):
        response = client.post("/courses/python-jumpstart/checkout", data=data)
    assert response.status_code == 302
    _no_connection_held(connections_during_stripe_calls)
    order = _newest_order(app)
    assert order.status == OrderStatus.PAID
    with counted("receipt"):
        assert "Your payment went through" in _page(client, response.headers["Location"])
    with counted("catalog"):
        assert "Python Jumpstart" in _page(client, "/")
    with counted("course page, buyer"):
        _page(client, "/courses/second-course")
    with app.test_client() as visitor, counted("course page, visitor"):
        _page(visitor, "/courses/second-course")
    app.config["CATALOG_CACHE_SECONDS"] = 60
    try:
        _page(app.test_client(), "/")
        _page(app.test_client(), "/courses/second-course")
        with counted("catalog, rendered before"):
            assert "Python Jumpstart" in _page(app.test_client(), "/")
        with app.test_client() as visitor, counted(
                "course page, new visitor, rendered before"):
            assert "Second Course" in _page(visitor, "/courses/second-course")
    finally:
        app.config["CATALOG_CACHE_SECONDS"] = 0


def test_saving_checkout_one_click_and_the_signed_in_pages(
        client, app, course, emulator, counted, connections_during_stripe_calls):
    sign_in_by_link(client, app, EMAIL)
    form = _page(client, "/courses/python-jumpstart")
    data = {"csrf_token": csrf_from(form), "stripeToken": _token(emulator),
            "stripeEmail": EMAIL, "save_card": "y"}
    with counted("token checkout saving the card"):
        assert client.post("/courses/python-jumpstart/checkout", data=data).status_code == 302
    _no_connection_held(connections_during_stripe_calls)  # customer, card and charge
    paths = [path for _, path, _ in connections_during_stripe_calls]
    assert "/v1/customers" in paths and paths[-1] == "/v1/charges", paths
    assert _newest_order(app).status == OrderStatus.PAID
    with counted("course page, buyer with a saved card"):
        _page(client, "/courses/second-course")
    with counted("account"):
        _page(client, "/account")
    confirm = _page(client, "/courses/second-course/one-click")
    card_id = re.search(r'name="card_id" type="hidden" value="([^"]+)"', confirm).group(1)
    connections_during_stripe_calls.clear()
    with counted("one-click purchase"):
        response = client.post("/courses/second-course/one-click",
                               data={"csrf_token": csrf_from(confirm), "card_id": card_id})
    assert response.status_code == 302
    _no_connection_held(connections_during_stripe_calls)
    assert _newest_order(app).status == OrderStatus.PAID
    lessons = re.findall(r'href="(/courses/second-course/lessons/[^"]+)"',
                         _page(client, "/courses/second-course"))
    if lessons:
        with counted("lesson"):
            _page(client, lessons[0])


def test_payment_intents_flow(client, app, course, emulator, counted,
                              connections_during_stripe_calls):
    app.config["PAYMENT_FLOW"] = "payment_intents"
    try:
        form = _page(client, "/courses/python-jumpstart")
        with counted("payment_intents: start"):
            started = client.post("/courses/python-jumpstart/payment-intent",
                                  data={"csrf_token": csrf_from(form), "email": EMAIL},
                                  headers={"Accept": "application/json"})
        assert started.status_code == 200, started.get_data(as_text=True)
        secret = started.get_json()["client_secret"]
        confirmed = requests.post(
            f"{emulator.url}/v1/payment_intents/{secret.split('_secret_')[0]}/confirm",
            timeout=10, data={"key": EMULATOR_PUBLISHABLE_KEY, "client_secret": secret,
                              "payment_method": "pm_card_visa"})
        assert confirmed.json()["status"] == "succeeded"
        order = _newest_order(app)
        with counted("payment_intents: return"):
            back = client.get(f"/orders/{order.public_id}/return")
        assert back.status_code == 302
        assert _newest_order(app).status == OrderStatus.PAID
        _no_connection_held(connections_during_stripe_calls)
    finally:
        app.config["PAYMENT_FLOW"] = "charges"


def test_checkout_flow(client, app, course, emulator, counted,
                       connections_during_stripe_calls):
    from tests.storefront.test_checkout_sessions import _pay_hosted

    app.config["PAYMENT_FLOW"] = "checkout"
    try:
        form = _page(client, "/courses/python-jumpstart")
        with counted("checkout: start"):
            started = client.post("/courses/python-jumpstart/checkout-session",
                                  data={"csrf_token": csrf_from(form), "email": EMAIL})
        assert started.status_code == 303, started.get_data(as_text=True)
        paid = _pay_hosted(started.headers["Location"])
        success = paid.headers["Location"]
        path = success.split("://", 1)[1].split("/", 1)[1]
        with counted("checkout: success page"):
            back = client.get("/" + path)
        assert back.status_code in (200, 302)
        assert _newest_order(app).status == OrderStatus.PAID
        _no_connection_held(connections_during_stripe_calls)
    finally:
        app.config["PAYMENT_FLOW"] = "charges"


def test_webhooks_ask_stripe_holding_no_connection(client, app, course, stripe_sdk,
                                                   connections_during_stripe_calls):
    """A completed Session's event is read back from Stripe (the event lacks the intent
    and charge): the handler writes the event's row with its effect, after the call, so
    it holds no connection (on SQLite no write lock) while Stripe answers."""
    from tests.storefront.test_checkout_sessions import _continue, _order, _pay_hosted, _post_event

    app.config["PAYMENT_FLOW"] = "checkout"
    try:
        _pay_hosted(_continue(client).headers["Location"])
        session = stripe_sdk.v1.checkout.sessions.retrieve(
            _order(app).payment.checkout_session_id).to_dict()
        connections_during_stripe_calls.clear()
        response = _post_event(client, "checkout.session.completed", session, "evt_held")
        assert response.status_code == 200, response.get_json()
        assert _order(app).status == OrderStatus.PAID
        calls = [c for c in connections_during_stripe_calls if "/checkout/sessions/" in c[1]]
        _no_connection_held(calls)
        again = _post_event(client, "checkout.session.completed", session, "evt_held")
        assert again.get_json()["result"] == "duplicate"
    finally:
        app.config["PAYMENT_FLOW"] = "charges"


def test_a_refunded_receipt_is_one_statement_dated_by_its_last_refund(
        client, app, course, emulator, counted):
    """The refunds' date comes with the order (a subquery), not from a second SELECT;
    it is the latest refund that gives money back, not a failed one after it."""
    from datetime import UTC, datetime

    from app.models import Refund
    from app.orders.refunds import new_idempotency_key, refund_order

    form = _page(client, "/courses/python-jumpstart")
    response = client.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": csrf_from(form), "stripeToken": _token(emulator),
        "stripeEmail": EMAIL})
    location = response.headers["Location"]
    with app.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()))
        for amount in (1000, 2000):
            refund_order(order=order, amount=amount, reason="requested_by_customer",
                         idempotency_key=new_idempotency_key(order),
                         created_by="t@example.com")
        first, second = db.session.scalars(select(Refund).order_by(Refund.id)).all()
        first.created_at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        second.created_at = datetime(2026, 3, 2, 10, 45, tzinfo=UTC)
        db.session.add(Refund(order_id=order.id, amount=500, currency="usd",
                              status="failed", reason="requested_by_customer",
                              idempotency_key="failed-refund-after-the-others",
                              created_by="t@example.com",
                              created_at=datetime(2026, 3, 9, 8, 0, tzinfo=UTC)))
        db.session.commit()
    with counted("receipt"):
        html = _page(client, location)
    assert "We refunded $30.00 of it on" in html
    assert '<time datetime="2026-03-02T10:45:00Z">2026-03-02 10:45 UTC</time>' in html
    assert "2026-03-09" not in html
