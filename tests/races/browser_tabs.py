"""What the browser-flow race tests share: tabs of one browser on a served store, signed
webhook deliveries, and counting rows (tests.server_process serves the store)."""

import json
import time
from functools import partial

import requests
from sqlalchemy import func, select

from app.extensions import db
from app.models import Order
from tests.hardening.signing import signature_for
from tests.helpers import csrf_from, new_tab


def tabs(server, slug, count):
    """`count` tabs of one browser (its cookies), each with the course page's CSRF token:
    (requests session, token) pairs."""
    browser = new_tab()
    found = []
    for _ in range(count):
        tab = new_tab()
        tab.cookies.update(browser.cookies)
        page = tab.get(f"{server.url}/courses/{slug}", timeout=30)
        assert page.status_code == 200, server.log()
        browser.cookies.update(tab.cookies)
        found.append((tab, csrf_from(page.text)))
    return found


def event(event_id, event_type, obj):
    """A Stripe event's JSON body about `obj`."""
    return json.dumps({"id": event_id, "object": "event", "type": event_type,
                       "created": int(time.time()), "livemode": False,
                       "data": {"object": obj}}).encode()


def deliver(server, body):
    """A call that delivers the signed event body to the store's webhook."""
    return partial(requests.post, f"{server.url}/webhooks/stripe", data=body, timeout=90,
                   headers={"Stripe-Signature": signature_for(body),
                            "Content-Type": "application/json"})


def count_rows(app, model, **where):
    """How many rows of `model` have the given column values."""
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def order_of(app, slug):
    """The one order of the course at `slug` (detached)."""
    with app.app_context():
        [order] = db.session.scalars(select(Order).where(Order.course.has(slug=slug))).all()
        db.session.expunge(order)
        return order
