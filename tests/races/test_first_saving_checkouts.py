"""First saving checkouts of one new buyer at the same moment (two or four tabs of a
browser signed in with the emailed link, one course each) against the store under
gunicorn: one Stripe customer, every saved card on it, one charge per order."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.models import OrderStatus
from tests.helpers import csrf_from, new_tab, sign_in_on_server

EMAIL = "two-tabs@example.com"
COURSES = ["first-course", "second-course", "third-course", "fourth-course"]
CARDS = ["4242424242424242", "5555555555554444", "4000056655665556", "378282246310005"]


@pytest.mark.parametrize("tabs", [2, 4])
def test_concurrent_first_saving_checkouts_make_one_customer(
        tabs, app, store_server, make_course, card_token, emulator_control, stripe_sdk,
        orders):
    for slug in COURSES[:tabs]:
        make_course(slug=slug, title=slug.replace("-", " ").title())
    server = store_server(workers=3, SECRET_KEY=app.config["SECRET_KEY"])
    browser = sign_in_on_server(app, server, EMAIL)
    forms = []
    for slug, number in zip(COURSES[:tabs], CARDS, strict=False):
        session = new_tab()
        session.cookies.update(browser.cookies)  # another tab of the signed-in browser
        page = session.get(f"{server.url}/courses/{slug}", timeout=30)
        cvc = "1234" if number.startswith("3") else "123"
        forms.append((session, slug, {"csrf_token": csrf_from(page.text),
                                      "stripeToken": card_token(number, cvc=cvc),
                                      "stripeEmail": EMAIL, "save_card": "y"}))
    emulator_control.set_latency(ms=1000)  # every customer call is in flight together
    barrier = threading.Barrier(len(forms))

    def pay(form):
        session, slug, data = form
        barrier.wait()
        return session.post(f"{server.url}/courses/{slug}/checkout", data=data,
                            allow_redirects=False, timeout=90)

    try:
        with ThreadPoolExecutor(len(forms)) as pool:
            responses = list(pool.map(pay, forms))
    finally:
        emulator_control.set_latency(ms=0)
    assert all(r.headers["Location"].startswith("/orders/") for r in responses), \
        server.log()
    [customer] = stripe_sdk.v1.customers.list(params={"email": EMAIL}).data
    placed = orders()
    assert [o.status for o in placed] == [OrderStatus.PAID] * tabs
    saving = [o for o in placed if o.payment.setup_request]
    assert len(saving) == tabs
    assert {o.payment.customer_id for o in saving} == {customer.id}
    cards = stripe_sdk.v1.customers.payment_sources.list(customer.id).data
    assert len(cards) == len(saving)
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert len(charges) == tabs
    assert sorted(c.customer or "" for c in charges) == sorted(
        o.payment.customer_id or "" for o in placed)
