"""Races: fulfilment of one order from two transactions at once; one link used twice."""

import threading

from sqlalchemy import select

from app.extensions import db
from app.models import Access, AccessEvent, Order, OutboxMessage
from app.orders.fulfilment import order_paid


def _in_threads(app, count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                results.append(work())
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


def test_concurrent_fulfilment_grants_once_and_queues_one_email(app, buy_course, rows):
    """Checkout, webhook and reconcile finishing at once: one access row, one email."""
    order = buy_course()
    with app.app_context():
        # Undo what the checkout did, so every thread sees an unfulfilled paid order.
        for model in (OutboxMessage, AccessEvent, Access):
            db.session.execute(model.__table__.delete())
        db.session.commit()

    def fulfil():
        row = db.session.scalar(select(Order).where(Order.id == order.id))
        result = order_paid(row)
        db.session.commit()
        return result.action

    results, errors = _in_threads(app, 4, fulfil)
    assert errors == []
    assert sorted(results) == ["duplicate", "duplicate", "duplicate", "granted"]
    assert len(rows(Access)) == 1
    assert len(rows(OutboxMessage)) == 1
    assert len(rows(AccessEvent)) == 1


def test_a_link_used_from_two_browsers_at_once_signs_in_once(app, rows):
    """The conditional UPDATE lets exactly one of the racing requests use the link."""
    from app.access.links import consume, mint_link

    with app.app_context():
        signed = mint_link(email="ada@example.com", purpose="sign-in")

    def use():
        token = consume(signed)
        db.session.commit()
        return token is not None

    results, errors = _in_threads(app, 4, use)
    assert errors == []
    assert sorted(results) == [False, False, False, True]


def test_concurrent_sign_in_requests_send_at_most_the_limit(app, rows):
    """12 simultaneous link requests for one email: at most SIGN_IN_MAX_PER_EMAIL links."""
    from app.account.services import request_link

    limit = app.config["SIGN_IN_MAX_PER_EMAIL"]

    def ask():
        return request_link(email="ada@example.com", ip="203.0.113.9")

    results, errors = _in_threads(app, 12, ask)
    assert errors == []
    assert [r.wait_seconds for r in results] == [0] * 12  # the same answer to every one
    assert sum(1 for r in results if r.sent) == limit
    assert len([m for m in rows(OutboxMessage) if m.kind == "sign_in"]) == limit
