"""The withdrawal function under double clicks and many tabs, against the store served by
gunicorn (several worker processes) on the suite's database (SQLite, and PostgreSQL when
TEST_DATABASE_URL names it): one withdrawal, one refund at Stripe, one acknowledgement."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus, OutboxMessage, Refund
from tests.helpers import csrf_from, new_tab

TABS = 12


def _buy_without_consent(server, slug, token, email):
    """Pay as an EU buyer who does not tick; the browser's session (it owns the order)."""
    session = new_tab()
    page = session.get(f"{server.url}/courses/{slug}", timeout=30)
    assert page.status_code == 200
    paid = session.post(f"{server.url}/courses/{slug}/checkout", allow_redirects=False,
                        timeout=60, data={"csrf_token": csrf_from(page.text),
                                          "stripeToken": token, "stripeEmail": email,
                                          "country": "FR"})
    assert paid.status_code == 302, server.log()
    return session


def _tab(server, session, public_id):
    """Another tab of the same browser on the confirmation page: (session, CSRF token)."""
    tab = new_tab()
    tab.cookies.update(session.cookies)
    page = tab.get(f"{server.url}/account/orders/{public_id}/withdraw", timeout=30)
    assert page.status_code == 200 and "confirm-withdrawal" in page.text, server.log()
    return tab, csrf_from(page.text)


def test_many_tabs_confirming_at_once_refund_once(app, store_server, make_course,
                                                  card_token, emulator_control, stripe_sdk):
    server = store_server(workers=3)
    emulator_control.set_latency(ms=150)  # the refund call is slow: the clicks overlap
    rounds = [f"withdraw-{n}" for n in range(3)]
    for slug in rounds:
        make_course(slug=slug, title=f"Withdraw {slug}")
    for n, slug in enumerate(rounds):
        email = f"tabs{n}@example.com"
        session = _buy_without_consent(server, slug, card_token(), email)
        with app.app_context():
            order = db.session.scalar(select(Order).where(Order.email == email))
            public_id = order.public_id
        tabs = [_tab(server, session, public_id) for _ in range(TABS)]
        barrier = threading.Barrier(TABS)

        def confirm(i, tabs=tabs, public_id=public_id, barrier=barrier):
            tab, csrf = tabs[i]
            barrier.wait()
            return tab.post(f"{server.url}/account/orders/{public_id}/withdraw",
                            data={"csrf_token": csrf}, allow_redirects=False, timeout=90)

        with ThreadPoolExecutor(TABS) as pool:
            responses = list(pool.map(confirm, range(TABS)))
        assert {r.status_code for r in responses} == {302}, server.log()
        assert {r.headers["Location"] for r in responses} == {
            f"/account/orders/{public_id}/withdraw"}
    emulator_control.set_latency(ms=0)
    with app.app_context():
        withdrawn = db.session.scalars(select(Order).order_by(Order.id)).all()
        assert [o.status for o in withdrawn] == [OrderStatus.REFUNDED] * len(rounds)
        assert all(o.withdrawn_at is not None for o in withdrawn)
        refunds = db.session.scalars(select(Refund)).all()
        assert sorted(r.order_id for r in refunds) == [o.id for o in withdrawn]
        assert {r.status for r in refunds} == {"succeeded"}
        acks = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "withdrawal_ack")).all()
        assert sorted(m.order_id for m in acks) == [o.id for o in withdrawn]
    at_stripe = stripe_sdk.v1.refunds.list(params={"limit": 100}).data
    assert len(at_stripe) == len(rounds)
    assert sorted(r.amount for r in at_stripe) == [6900] * len(rounds)
