"""Fixtures for buyers, access and mail: real purchases through the checkout page."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Access, AccessEvent, Buyer, Order, OutboxMessage
from tests.admin.conftest import admin_account, admin_client  # noqa: F401  (fixtures)
from tests.helpers import csrf_from


@pytest.fixture
def buy_course(client, make_course, card_token, app):
    """Buy a course through the checkout page (real SDK, emulator); returns the order."""

    def buy(email="ada@example.com", slug="python-jumpstart", number="4242424242424242",
            web=None, **course):
        web = web or client
        with app.app_context():
            exists = _course_exists(slug)
        if not exists:
            make_course(slug=slug, **course)
        page = web.get(f"/courses/{slug}")
        assert page.status_code == 200
        response = web.post(f"/courses/{slug}/checkout", data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "stripeToken": card_token(number), "stripeEmail": email})
        assert response.status_code == 302, response.get_data(as_text=True)
        with app.app_context():
            order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
            db.session.expunge(order)
            return order

    return buy


def _course_exists(slug):
    from app.catalog.services import get_course

    return get_course(slug) is not None


@pytest.fixture
def rows(app):
    """Read rows of a model (detached), optionally filtered: rows(Access, buyer_id=1)."""

    def read(model, **where):
        with app.app_context():
            query = select(model).filter_by(**where).order_by(model.id)
            found = db.session.scalars(query).unique().all()
            for row in found:
                db.session.expunge(row)
            return found

    return read


__all__ = ["Access", "AccessEvent", "Buyer", "OutboxMessage"]
