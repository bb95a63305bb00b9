"""Buying as an EU/EEA/UK buyer (or not) through the real checkout page and the emulator,
and moving an order's time back in the database (never by sleeping)."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.catalog import lessons as lesson_service
from app.catalog.services import get_course
from app.extensions import db
from app.models import Access, Consent, Order, OutboxMessage, Refund
from tests.admin.conftest import admin_account  # noqa: F401  (fixture)
from tests.coupons.conftest import make_coupon  # noqa: F401  (fixture)
from tests.helpers import csrf_from

SLUG = "python-jumpstart"
EMAIL = "eu@example.com"


@pytest.fixture
def course(app, make_course, emulator_control):
    """Python Jumpstart ($69.00) with two lessons, on a freshly reset emulator."""
    made = make_course(slug=SLUG)
    with app.app_context():
        row = get_course(SLUG)
        for title in ("One", "Two"):
            lesson_service.add_lesson(row, title=title, body=f"Body of {title}")
        db.session.commit()
    return made


@pytest.fixture
def buy(client, card_token):
    """POST the charges checkout of the course page; returns the response."""

    def post(country="FR", consent=None, email=EMAIL, number="4242424242424242",
             web=None, extra=None, headers=None):
        web = web or client
        page = web.get(f"/courses/{SLUG}", headers=headers or {})
        assert page.status_code == 200
        data = {"csrf_token": csrf_from(page.get_data(as_text=True)),
                "stripeToken": card_token(number), "stripeEmail": email}
        if country is not None:
            data["country"] = country
        if consent is not None:
            data["immediate_access_consent"] = consent
        data.update(extra or {})
        return web.post(f"/courses/{SLUG}/checkout", data=data)

    return post


@pytest.fixture
def read(app):
    """Detached rows of a model, filtered: read(Order, email=...)."""

    def rows(model, **where):
        with app.app_context():
            found = db.session.scalars(select(model).filter_by(**where)
                                       .order_by(model.id)).unique().all()
            for row in found:
                db.session.expunge(row)
            return found

    return rows


@pytest.fixture
def age(app):
    """Move an order's purchase back `days` in the database: its creation and payment
    times, and the start time of the access it gave (as if the days had passed)."""

    def move(order_id, days):
        with app.app_context():
            delta = timedelta(days=days)
            order = db.session.get(Order, order_id)
            db.session.execute(update(Order).where(Order.id == order_id).values(
                created_at=order.created_at - delta, paid_at=order.paid_at - delta))
            for row in db.session.scalars(select(Access).where(Access.order_id == order_id)):
                if row.starts_at is not None:
                    row.starts_at = row.starts_at - delta
            db.session.commit()

    return move


def lesson_status(web, position=1):
    return web.get(f"/courses/{SLUG}/lessons/{position}").status_code


__all__ = ["Access", "Consent", "Order", "OutboxMessage", "Refund"]
