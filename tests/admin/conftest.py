"""Admin fixtures: an admin account, a signed-in client, real paid orders, bulk rows."""

import re
import secrets
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from tests.helpers import csrf_from

ADMIN_EMAIL = "owner@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
KEY_RE = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


def sign_in(client, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, **kwargs):
    """POST the sign-in form with a fresh CSRF token; returns the response."""
    token = csrf_from(client.get("/admin/login", **kwargs).get_data(as_text=True))
    return client.post("/admin/login", data={"csrf_token": token, "email": email,
                                             "password": password}, **kwargs)


@pytest.fixture
def admin_account(app):
    """An admin created through the same service as `flask admin create`."""
    from app.admin.auth import create_admin

    with app.app_context():
        admin = create_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
        return admin.id


@pytest.fixture
def admin_client(client, admin_account):
    """A test client signed in as the admin."""
    response = sign_in(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def buy(app, make_course, card_token):
    """Factory: place a real order through the checkout service; returns its reference."""
    from app.catalog.services import get_course
    from app.checkout.services import place_order

    def purchase(email="ada@example.com", slug="python-jumpstart", number="4242424242424242",
                 **course):
        with app.app_context():
            course_row = get_course(slug)
        if course_row is None:
            course_row = make_course(slug=slug, **course)
        with app.app_context():
            outcome = place_order(course=db.session.merge(course_row), email=email,
                                  token=card_token(number))
            return outcome.order.reference

    return purchase


@pytest.fixture
def order_row(app):
    """Factory: read an order by reference, detached from the session."""
    from app.admin.purchases import get_purchase

    def read(reference):
        with app.app_context():
            order = get_purchase(reference)
            db.session.expunge(order)
            return order

    return read


#: Overrides that belong to the order's payment attempt rather than to the order.
ATTEMPT_FIELDS = {"charge_id", "failure_message", "failure_code", "decline_code",
                  "card_brand", "card_last4", "idempotency_key", "stripe_token", "paid"}


@pytest.fixture
def insert_orders(app, make_course):
    """Factory: insert order rows directly (dicts of overrides) for a course slug, each
    with one payment attempt (paid unless `"paid": False`)."""
    from app.models import Order, PaymentAttempt

    def insert_rows(rows, course=None):
        from app.models import Course

        slug = course or f"c-{secrets.token_hex(3)}"
        with app.app_context():
            found = db.session.scalar(select(Course).where(Course.slug == slug))
        if found is None:
            make_course(slug=slug, title="Bulk course")
        with app.app_context():
            course = db.session.scalar(select(Course).where(Course.slug == slug))
            db.session.expunge(course)
        values, attempts = [], []
        for n, row in enumerate(rows):
            token = secrets.token_hex(6)
            value = {
                "public_id": token, "reference": f"ORD-{token.upper()[:10]}",
                "course_id": course.id, "course_title": course.title,
                "email": f"buyer{n}@example.com", "amount": 6900, "currency": "usd",
                "status": "paid", "livemode": False, "amount_refunded": 0,
                "created_at": datetime(2026, 1, 1, 12, tzinfo=UTC),
                "updated_at": datetime(2026, 1, 1, 12, tzinfo=UTC),
            }
            value.update({k: v for k, v in row.items() if k not in ATTEMPT_FIELDS})
            value.setdefault("list_price", value["amount"])
            attempt = {"idempotency_key": f"k-{token}", "paid": True}
            attempt.update({k: v for k, v in row.items() if k in ATTEMPT_FIELDS})
            paid = attempt.pop("paid")
            attempt.update(
                flow="charges", amount=value["amount"], currency=value["currency"],
                livemode=value["livemode"], created_at=value["created_at"],
                updated_at=value["updated_at"], request_state="answered",
                status="succeeded" if paid else (
                    "pending" if value["status"] == "pending" else "failed"))
            values.append({**value, **{k: v for k, v in attempt.items()
                                       if k in ATTEMPT_FIELDS}})
            attempts.append(attempt)
        with app.app_context():
            order_rows = [{k: v for k, v in value.items() if k not in ATTEMPT_FIELDS}
                          for value in values]
            returning = insert(Order).returning(Order.id, sort_by_parameter_order=True)
            ids = db.session.scalars(returning, order_rows).all()
            for order_id, attempt in zip(ids, attempts, strict=True):
                attempt["order_id"] = order_id
            db.session.execute(insert(PaymentAttempt), attempts)
            db.session.commit()
        return values

    return insert_rows
