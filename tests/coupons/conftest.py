"""Coupon fixtures: codes made through the pricing service, the checkout posted with a
code, and the emulator's API requests counted (a fault rule every request consumes)."""

import pytest

from app.extensions import db
from tests.helpers import csrf_from

COUNTING = 1_000_000


@pytest.fixture
def make_coupon(app):
    """Factory: add a code through app.pricing.create_coupon (the admin's and CLI's)."""
    from app.pricing import create_coupon

    def make(code="LAUNCH20", **fields):
        with app.app_context():
            coupon = create_coupon(code=code, **fields)
            db.session.expunge(coupon)
            return coupon

    return make


@pytest.fixture
def coupon_row(app):
    """Read a code's row (fresh) by code."""
    from sqlalchemy import select

    from app.models import Coupon

    def read(code):
        with app.app_context():
            coupon = db.session.scalar(select(Coupon).where(Coupon.code == code))
            db.session.expunge(coupon)
            return coupon

    return read


@pytest.fixture
def pay(client):
    """POST the token checkout of a course page with a coupon code; the response."""

    def post(slug, token, *, code=None, email="buyer@example.com", follow=False):
        page = client.get(f"/courses/{slug}")
        data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "stripeToken": token,
                "stripeEmail": email}
        if code is not None:
            data["code"] = code
        return client.post(f"/courses/{slug}/checkout", data=data, follow_redirects=follow)

    return post


@pytest.fixture
def stripe_requests(emulator_control):
    """Start counting the API requests that reach the emulator; returns the counter.

    A fault rule for every /v1 path with COUNTING uses is consumed by each request
    (and answers it 500, so a request that should not happen also fails loudly)."""

    def start():
        emulator_control.inject_fault(status=500, count=COUNTING, path="/v1")

        def count():
            rules = emulator_control.faults()["faults"]
            return COUNTING - (rules[0]["count"] if rules else 0)

        return count

    return start


@pytest.fixture(autouse=True)
def _fresh_emulator(emulator_control):
    """Each test starts with an emulator that holds no charges."""
