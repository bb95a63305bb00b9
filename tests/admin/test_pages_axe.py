"""Every buyer and admin page in Chromium at laptop and phone width, checked with axe-core
(the copy bundled in the pinned axe-playwright-python; nothing is downloaded): no critical
or serious violation, and (tests/conftest.py's check) none wider than the screen. The data
has an email too long for a phone's line and a lesson with a wide code block and table.
Screenshots go to $AXE_SCREENSHOTS when it is set."""

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.conftest import PHONE
from tests.helpers import serious_axe_violations

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = {"laptop": {"width": 1280, "height": 800}, "phone": PHONE}
#: An address as long as real ones get (one "word" far wider than a phone's line).
LONG_EMAIL = "maximilian.alexander.featherstonehaugh@engineering-department.example.com"
LESSON = ("# Why\n\nA retry must not **charge twice**.\n\n- one\n- two\n\n```python\n"
          "stripe.Charge.create(amount=19900, currency='gbp', source=token, "
          "idempotency_key=f'order-{order.public_id}-charge', metadata={'order_id': ref})\n"
          "```\n\n| Attempt | Idempotency key | Outcome | Charged | Seen by the webhook |\n"
          "|---|---|---|---|---|\n| 1 | order-AbCdEfGhIjKlMnOpQrSt-charge | lost answer | "
          "yes | charge.succeeded |\n")


@pytest.fixture
def shop(app, buy, insert_orders, admin_account):
    """Orders in every state a page can show; returns {name: url path}."""
    from app.access import mint_link
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course
    from app.models import Buyer, Order
    from app.orders.refunds import new_idempotency_key, refund_order

    paid = buy(email=LONG_EMAIL, slug="payments-engineering", price="199.00",
               currency="gbp", title="Payments Engineering")
    refunded = buy(email="grace@example.com", slug="payments-engineering")
    partial = buy(email="linus@example.com", slug="payments-engineering")
    failed = buy(email="alan@example.com", number="4000000000009995",
                 slug="payments-engineering")
    [pending] = insert_orders([{"status": "pending", "paid": False, "email": "p@example.com"}],
                              course="payments-engineering")
    with app.app_context():
        for reference, amount in ((refunded, 19900), (partial, 5000)):
            order = db.session.scalar(select(Order).where(Order.reference == reference))
            refund_order(order=order, amount=amount, reason="requested_by_customer",
                         idempotency_key=new_idempotency_key(order), created_by=ADMIN_EMAIL)
        public = dict(db.session.execute(select(Order.reference, Order.public_id)).all())
        course = get_course("payments-engineering")
        lesson = add_lesson(course, title="Idempotency keys", body=LESSON,
                            video_url="https://video.example/1")
        lesson_id = lesson.id
        buyer_id = db.session.scalar(select(Buyer.id).where(Buyer.email == LONG_EMAIL))
        link = mint_link(email=LONG_EMAIL, purpose="sign_in")
        from app.catalog.services import add_course
        from app.pricing import create_coupon

        create_coupon(code="AXE10", percent=10, max_redemptions=50, per_buyer=1)
        add_course(slug="free-intro", title="Free Intro", price="0", currency="gbp")
    return {
        "catalog": "/",
        "course": "/courses/payments-engineering",
        "course-with-code": "/courses/payments-engineering?code=AXE10",
        "course-wrong-code": "/courses/payments-engineering?code=NOPE",
        "course-free": "/courses/free-intro",
        "receipt-paid": f"/orders/{public[paid]}",
        "receipt-refunded": f"/orders/{public[refunded]}",
        "receipt-partial": f"/orders/{public[partial]}",
        "receipt-failed": f"/orders/{public[failed]}",
        "receipt-pending": f"/orders/{pending['public_id']}",
        "not-found": "/orders/nope",
        "lesson-locked": "/courses/payments-engineering/lessons/1",
        "sign-in": "/account/sign-in",
        "link-invalid": "/account/link/nope",
        "link-confirm": f"/account/link/{link}",
        "admin-login": "/admin/login",
        "admin-dashboard": "/admin/",
        "admin-purchases": "/admin/purchases",
        "admin-search": "/admin/purchases?q=example.com",
        "admin-totals": "/admin/purchases/totals",
        "admin-paid": f"/admin/purchases/{paid}",
        "admin-partial": f"/admin/purchases/{partial}",
        "admin-failed": f"/admin/purchases/{failed}",
        "admin-not-found": "/admin/purchases/ORD-NOPE",
        "admin-lesson-preview": "/courses/payments-engineering/lessons/1",
        "admin-courses": "/admin/courses",
        "admin-coupons": "/admin/coupons",
        "admin-course-new": "/admin/courses/new",
        "admin-course-edit": "/admin/courses/payments-engineering",
        "admin-lesson-new": "/admin/courses/payments-engineering/lessons/new",
        "admin-lesson-edit": f"/admin/courses/payments-engineering/lessons/{lesson_id}",
        "admin-buyer": f"/admin/buyers/{buyer_id}",
    }


def _sign_in(page, live_server):
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def _check(page, name, width):
    page.wait_for_load_state("networkidle")
    folder = os.environ.get("AXE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    return [f"{name} @ {width}: {line}" for line in serious_axe_violations(page)]


def _buyer_pages(page, live_server, shop, width):
    """Signed in with the emailed link (the long email): the account, the open lesson
    with its code block and table, the owned course page, the link-sent page."""
    page.goto(f"{live_server}{shop['link-confirm']}")
    page.click("[data-testid=use-link]")
    page.wait_for_url(re.compile(r"/account$"))
    problems = _check(page, "account", width)
    page.goto(f"{live_server}{shop['lesson-locked']}")
    assert page.locator(".lesson-body pre").count() == 1
    problems += _check(page, "lesson-open", width)
    page.goto(f"{live_server}{shop['course']}")
    problems += _check(page, "course-owned", width)
    page.goto(f"{live_server}{shop['sign-in']}")
    page.fill("#email", LONG_EMAIL)
    page.click("text=Email me a sign-in link")
    problems += _check(page, "link-sent", width)
    return problems


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_accessibility_violations(browser, live_server, shop, width):
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        problems = []
        for name, path in shop.items():
            if name.startswith("admin") and name != "admin-login":
                continue
            page.goto(f"{live_server}{path}")
            problems += _check(page, name, width)
        problems += _buyer_pages(page, live_server, shop, width)
        _sign_in(page, live_server)
        for name, path in shop.items():
            if name.startswith("admin") and name != "admin-login":
                page.goto(f"{live_server}{path}")
                problems += _check(page, name, width)
        # The refund form's error state (no confirmation ticked).
        page.goto(f"{live_server}{shop['admin-paid']}")
        page.click("[data-testid=refund-submit]")
        page.wait_for_selector("[data-testid=refund-error]")
        problems += _check(page, "admin-refund-error", width)
        assert problems == []
    finally:
        context.close()
