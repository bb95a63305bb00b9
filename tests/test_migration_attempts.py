"""The payment-attempts migration on real rows: orders as the store wrote them before it
(paid, partially refunded, failed, paid with a saved card, and pending mid-call with and
without a customer step), with their charges and customers real at the emulator. After
the upgrade every order has its attempt, and reconcile finishes the ones left mid-call
from their stored requests; the downgrade gives each order its fields back.

Runs on SQLite, and on PostgreSQL when TEST_MIGRATION_DATABASE_URL is set.
"""

import json
import os
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from app import create_app, flows
from app.extensions import db
from app.models import AttemptStatus, Order, OrderStatus, PaymentAttempt, RequestState
from config import EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY, TestConfig

BEFORE = "a3c5d7e9f1b2"  # the head before payment attempts
ORDER_COLUMNS = (
    "public_id, reference, course_id, course_title, email, amount, currency, status, "
    "idempotency_key, stripe_token, charge_id, charge_status, paid, card_brand, card_last4, "
    "card_exp_month, card_exp_year, card_country, outcome_type, failure_code, "
    "decline_code, failure_message, receipt_url, balance_transaction_id, livemode, "
    "amount_refunded, created_at, charged_at, paid_at, updated_at, charge_request, "
    "customer_request, stripe_customer_id, saved_card, checked_at, email_domain")


@pytest.fixture
def old_store(tmp_path, emulator, emulator_control):
    """An app on an empty database migrated to the revision before attempts."""
    url = os.environ.get("TEST_MIGRATION_DATABASE_URL") or f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app(TestConfig(
        SQLALCHEMY_DATABASE_URI=url, STRIPE_API_BASE=emulator.url,
        STRIPE_SECRET_KEY=EMULATOR_SECRET_KEY, STRIPE_PUBLISHABLE_KEY=EMULATOR_PUBLISHABLE_KEY,
        STRIPE_TIMEOUT=5))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            for table in ("payment_attempts", "disputes"):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        upgrade(revision=BEFORE)
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def _token(emulator, number="4242424242424242"):
    """A card token, made the way Stripe.js makes one."""
    response = requests.post(f"{emulator.url}/v1/tokens", timeout=5, data={
        "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": EMULATOR_PUBLISHABLE_KEY})
    return response.json()["id"]


def _old_order(conn, course_id, **fields):
    """Insert an order row as the code before attempts wrote it; its reference."""
    public_id = secrets.token_urlsafe(18)
    now = datetime.now(UTC) - timedelta(minutes=30)
    row = {
        "public_id": public_id, "reference": "ORD-" + secrets.token_hex(5).upper(),
        "course_id": course_id, "course_title": "Python Jumpstart",
        "email": f"{secrets.token_hex(4)}@example.com", "amount": 6900, "currency": "usd",
        "status": "pending", "idempotency_key": f"order-{public_id}-charge",
        "stripe_token": None, "charge_id": None, "charge_status": None, "paid": False,
        "card_brand": None, "card_last4": None, "card_exp_month": None,
        "card_exp_year": None, "card_country": None, "outcome_type": None,
        "failure_code": None, "decline_code": None, "failure_message": None,
        "receipt_url": None, "balance_transaction_id": None, "livemode": False,
        "amount_refunded": 0, "created_at": now, "charged_at": None, "paid_at": None,
        "updated_at": now, "charge_request": None, "customer_request": None,
        "stripe_customer_id": None, "saved_card": False, "checked_at": None,
        "email_domain": "example.com",
    }
    row.update(fields)
    json_columns = ("charge_request", "customer_request")
    params = {k: (None if row[k] is None else json.dumps(row[k]))
              if k in json_columns else row[k] for k in row}
    placeholders = ", ".join(f":{name.strip()}" for name in ORDER_COLUMNS.split(","))
    conn.execute(text(f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({placeholders})"),
                 params)
    return row


def _charge_fields(charge):
    card = charge.payment_method_details.card
    return {"charge_id": charge.id, "charge_status": charge.status, "paid": charge.paid,
            "card_brand": card.brand, "card_last4": card.last4,
            "card_exp_month": card.exp_month, "card_exp_year": card.exp_year,
            "card_country": card.country, "outcome_type": charge.outcome.type,
            "receipt_url": charge.receipt_url,
            "balance_transaction_id": charge.balance_transaction,
            "charged_at": datetime.fromtimestamp(charge.created, UTC)}


def _request(reference, **extra):
    return {"amount": 6900, "currency": "usd", "description": "Python Jumpstart — Course Shop",
            "metadata": {"order_id": reference, "course": "python-jumpstart"},
            "receipt_email": "x@example.com", **extra}


def test_upgrade_moves_every_order_into_its_attempt_and_downgrade_gives_it_back(
        old_store, stripe_sdk, emulator):
    app = old_store
    with app.app_context(), db.engine.begin() as conn:
        course_id = conn.execute(text(
            "INSERT INTO courses (slug, title, description, price_minor, currency, active, "
            "created_at, updated_at) VALUES ('python-jumpstart', 'Python Jumpstart', '', "
            "6900, 'usd', :t, :now, :now) RETURNING id"),
            {"t": True, "now": datetime.now(UTC)}).scalar_one()
        rows = {}
        # Paid with a token.
        token = _token(emulator)
        charge = stripe_sdk.v1.charges.create(params={"amount": 6900, "currency": "usd",
                                                      "source": token})
        rows["paid"] = _old_order(conn, course_id, status="paid", stripe_token=token,
                                  paid_at=datetime.now(UTC), **_charge_fields(charge))
        # Partially refunded.
        token = _token(emulator)
        charge = stripe_sdk.v1.charges.create(params={"amount": 6900, "currency": "usd",
                                                      "source": token})
        stripe_sdk.v1.refunds.create(params={"charge": charge.id, "amount": 1000})
        rows["refunded"] = _old_order(
            conn, course_id, status="partially_refunded", stripe_token=token,
            amount_refunded=1000, paid_at=datetime.now(UTC), **_charge_fields(charge))
        # Failed: declined.
        rows["failed"] = _old_order(
            conn, course_id, status="failed", stripe_token=_token(emulator, "4000000000009995"),
            failure_code="card_declined", decline_code="insufficient_funds",
            failure_message="Your card has insufficient funds.")
        # Paid in one click with a saved card.
        customer = stripe_sdk.v1.customers.create(params={"source": "tok_visa",
                                                          "email": "saved@example.com"})
        charge = stripe_sdk.v1.charges.create(params={
            "amount": 6900, "currency": "usd", "customer": customer.id,
            "source": customer.default_source})
        rows["saved"] = _old_order(conn, course_id, status="paid", saved_card=True,
                                   stripe_customer_id=customer.id,
                                   paid_at=datetime.now(UTC), **_charge_fields(charge))
        # Pending mid-call: the charge request was written; its answer was lost.
        token = _token(emulator)
        pending = _old_order(conn, course_id, stripe_token=token,
                             failure_message="Stripe unavailable: timed out")
        conn.execute(text("UPDATE orders SET charge_request = :r WHERE reference = :ref"),
                     {"r": json.dumps(_request(pending["reference"],
                                                               source=token)),
                      "ref": pending["reference"]})
        rows["pending"] = pending
        # Pending mid-call before the customer step of the old kind ("create" with the
        # token) was answered.
        token = _token(emulator)
        create = _old_order(conn, course_id, stripe_token=token)
        rows["create"] = create
        conn.execute(text("UPDATE orders SET customer_request = :r WHERE reference = :ref"),
                     {"ref": create["reference"], "r": json.dumps({
                         "kind": "create", "livemode": False,
                         "idempotency_key": f"order-{create['public_id']}-customer",
                         "params": {"source": token, "email": create["email"],
                                    "description": "Buyer", "metadata": {
                                        "order_id": create["reference"]}},
                         "charge": _request(create["reference"])})})
        # Pending before the old "add_card" step (the buyer had a customer already).
        other = stripe_sdk.v1.customers.create(params={"email": "add@example.com"})
        token = _token(emulator, "5555555555554444")
        add = _old_order(conn, course_id, stripe_token=token)
        rows["add_card"] = add
        conn.execute(text("UPDATE orders SET customer_request = :r WHERE reference = :ref"),
                     {"ref": add["reference"], "r": json.dumps({
                         "kind": "add_card", "livemode": False, "customer": other.id,
                         "idempotency_key": f"order-{add['public_id']}-card",
                         "params": {"source": token},
                         "charge": _request(add["reference"])})})

    with app.app_context():
        upgrade()
        by_reference = {o.reference: o for o in db.session.scalars(select(Order))}
        assert len(by_reference) == len(rows)
        for name, row in rows.items():
            order = by_reference[row["reference"]]
            [attempt] = order.attempts
            assert attempt.idempotency_key == row["idempotency_key"], name
            assert attempt.stripe_token == row["stripe_token"], name
            assert attempt.charge_id == row["charge_id"], name
            assert (order.list_price, order.discount_amount, order.tax_amount,
                    order.amount) == (6900, 0, 0, 6900), name
            assert order.status == OrderStatus(row["status"]), name
        paid = by_reference[rows["paid"]["reference"]].payment
        assert (paid.flow, paid.status, paid.request_state) == (
            "charges", AttemptStatus.SUCCEEDED, RequestState.ANSWERED)
        assert (paid.card_brand, paid.card_last4, paid.outcome_type) == (
            "visa", "4242", "authorized")
        assert by_reference[rows["saved"]["reference"]].payment.flow == "saved_card"
        assert by_reference[rows["saved"]["reference"]].payment.customer_id == customer.id
        failed = by_reference[rows["failed"]["reference"]].payment
        assert (failed.status, failed.decline_code) == (AttemptStatus.FAILED,
                                                        "insufficient_funds")
        assert by_reference[rows["pending"]["reference"]].payment.request_state == \
            RequestState.UNKNOWN
        assert by_reference[rows["create"]["reference"]].payment.request_state == \
            RequestState.WRITTEN
        add_step = by_reference[rows["add_card"]["reference"]].payment.setup_request
        assert (add_step["token"], add_step["card_key"]) == (
            rows["add_card"]["stripe_token"], f"order-{rows['add_card']['public_id']}-card")
        # The partial unique index on open orders survived the table's rebuild.
        with pytest.raises(Exception, match="(?i)unique"), db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO orders (public_id, reference, course_id, course_title, email, "
                "list_price, amount, currency, status, livemode, amount_refunded, "
                "created_at, updated_at) SELECT 'dup', 'ORD-DUP', course_id, course_title, "
                "email, 1, 1, 'usd', 'paid', livemode, 0, created_at, updated_at "
                "FROM orders WHERE reference = :ref"), {"ref": rows["paid"]["reference"]})

    # Reconcile finishes the orders left mid-call from what they stored.
    with app.test_request_context("/"):
        results = dict(flows.reconcile_pending(older_than_seconds=0))
        for name in ("pending", "create", "add_card"):
            assert results[rows[name]["reference"]] == "paid", results
        db.session.remove()
        cards = stripe_sdk.v1.customers.payment_sources.list(other.id).data
        assert [c.last4 for c in cards] == ["4444"]
        created = db.session.scalar(select(Order).where(
            Order.reference == rows["create"]["reference"])).payment
        assert stripe_sdk.v1.charges.retrieve(created.charge_id).customer == \
            created.customer_id

    with app.app_context():
        db.session.remove()
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            back = {r.reference: r for r in conn.execute(text(
                "SELECT reference, status, charge_id, idempotency_key, stripe_token, "
                "card_last4, paid, decline_code, stripe_customer_id, saved_card, "
                "charge_request FROM orders"))}
        for name, row in rows.items():
            restored = back[row["reference"]]
            assert restored.idempotency_key == row["idempotency_key"], name
            assert restored.stripe_token == row["stripe_token"], name
        assert back[rows["paid"]["reference"]].card_last4 == "4242"
        assert bool(back[rows["paid"]["reference"]].paid) is True
        assert back[rows["failed"]["reference"]].decline_code == "insufficient_funds"
        assert bool(back[rows["saved"]["reference"]].saved_card) is True
        assert back[rows["saved"]["reference"]].stripe_customer_id == customer.id
        assert back[rows["pending"]["reference"]].status == "paid"  # reconciled
        assert back[rows["pending"]["reference"]].charge_id.startswith("ch_")
        upgrade()  # and up again, with the attempts rebuilt from the restored orders
        assert db.session.scalar(select(PaymentAttempt.id).limit(1)) is not None
