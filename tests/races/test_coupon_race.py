"""The last use of a coupon code, raced for: 50 buyers (50 emails, 50 tokens) pay at once
against the store under gunicorn (several worker processes) on the suite's database
(SQLite, and PostgreSQL when TEST_DATABASE_URL names one). Exactly one gets the discount;
nobody else is charged the discounted price, nor gets a 5xx."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from app.extensions import db
from app.models import Coupon, CouponRedemption, OrderStatus
from tests.helpers import csrf_from, new_tab

BUYERS = 50


def _tab(server, slug):
    session = new_tab()
    page = session.get(f"{server.url}/courses/{slug}", params={"code": "LAST1"}, timeout=30)
    assert page.status_code == 200 and "Pay $51.75" in page.text
    return session, csrf_from(page.text)


def test_fifty_buyers_racing_for_the_last_use_get_one_discount(
        store_server, app, make_course, card_token, emulator_control, stripe_sdk, orders):
    from app.pricing import create_coupon

    make_course()
    with app.app_context():
        create_coupon(code="LAST1", percent=25, max_redemptions=1)
    server = store_server(workers=3)
    tabs = [_tab(server, "python-jumpstart") for _ in range(BUYERS)]
    tokens = [card_token() for _ in range(BUYERS)]
    barrier = threading.Barrier(BUYERS)

    def post(i):
        session, csrf = tabs[i]
        barrier.wait()
        return session.post(f"{server.url}/courses/python-jumpstart/checkout",
                            allow_redirects=False, timeout=120,
                            data={"csrf_token": csrf, "stripeToken": tokens[i],
                                  "stripeEmail": f"buyer{i}@example.com", "code": "LAST1"})

    with ThreadPoolExecutor(BUYERS) as pool:
        responses = list(pool.map(post, range(BUYERS)))
    assert {r.status_code for r in responses} == {302}, server.log()
    placed = orders()
    assert [(o.status, o.amount, o.coupon_code) for o in placed] == [
        (OrderStatus.PAID, 5175, "LAST1")]
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert [(c.amount, c.metadata["coupon"]) for c in charges] == [(5175, "LAST1")]
    with app.app_context():
        coupon = db.session.scalar(select(Coupon).where(Coupon.code == "LAST1"))
        assert coupon.redemptions == 1
        assert len(db.session.scalars(select(CouponRedemption)).all()) == 1
    losers = [r for r in responses if r.headers["Location"].startswith("/courses/")]
    assert len(losers) == BUYERS - 1


def test_one_buyer_racing_for_a_once_per_buyer_code_gets_it_once(
        store_server, app, make_course, card_token, emulator_control, stripe_sdk, orders):
    """One email, ten courses, ten tabs paying at once with a code usable once per
    buyer: one order gets the discount; the other nine are refused and charged nothing."""
    from app.pricing import create_coupon

    slugs = [f"course-{n}" for n in range(10)]
    for slug in slugs:
        make_course(slug=slug, title=slug)
    with app.app_context():
        create_coupon(code="ONCE-EACH", percent=10, per_buyer=1)
    server = store_server(workers=3)
    tabs = []
    for slug in slugs:
        session = new_tab()
        page = session.get(f"{server.url}/courses/{slug}", timeout=30)
        tabs.append((slug, session, csrf_from(page.text)))
    tokens = [card_token() for _ in slugs]
    barrier = threading.Barrier(len(slugs))

    def post(i):
        slug, session, csrf = tabs[i]
        barrier.wait()
        return session.post(f"{server.url}/courses/{slug}/checkout", allow_redirects=False,
                            timeout=120, data={"csrf_token": csrf, "stripeToken": tokens[i],
                                               "stripeEmail": "same@example.com",
                                               "code": "once-each"})

    with ThreadPoolExecutor(len(slugs)) as pool:
        responses = list(pool.map(post, range(len(slugs))))
    assert {r.status_code for r in responses} == {302}, server.log()
    assert [(o.amount, o.coupon_code) for o in orders()] == [(6210, "ONCE-EACH")]
    assert [c.amount for c in stripe_sdk.v1.charges.list(params={"limit": 20}).data] == [
        6210]
