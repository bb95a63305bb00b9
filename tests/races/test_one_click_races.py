"""One-click purchases raced against the store under gunicorn: a signed-in buyer's
concurrent confirmations (double click, two tabs) charge the saved card once."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import update

from app.extensions import db
from app.models import Buyer, OrderStatus
from tests.helpers import backfill_saved_cards, csrf_from, new_tab

EMAIL = "racer@example.com"


def _signed_in_session(app, server):
    """Sign in on the gunicorn server with a real one-time link (its SECRET_KEY)."""
    from app.access.links import mint_link

    with app.app_context():
        raw = mint_link(email=EMAIL, purpose="sign_in")
    session = new_tab()
    page = session.get(f"{server.url}/account/link/{raw}", timeout=30)
    assert page.status_code == 200, server.log()
    done = session.post(f"{server.url}/account/link/{raw}", allow_redirects=False,
                        data={"csrf_token": csrf_from(page.text)}, timeout=30)
    assert done.status_code == 302, server.log()
    return session


def test_concurrent_one_click_confirmations_charge_once(
        app, store_server, make_course, emulator_control, stripe_sdk, orders):
    make_course(slug="race-one-click", title="Race One Click")
    customer = stripe_sdk.v1.customers.create(params={"email": EMAIL, "source": "tok_visa"})
    with app.app_context():
        from app.access.services import ensure_buyer

        buyer = ensure_buyer(EMAIL)
        db.session.execute(update(Buyer).where(Buyer.id == buyer.id)
                           .values(stripe_customer_id_test=customer.id))
        db.session.commit()
    backfill_saved_cards(app)  # saved before the store kept cards
    # The server signs its cookies and links with the test app's key.
    server = store_server(workers=3, SECRET_KEY=app.config["SECRET_KEY"])
    browser = _signed_in_session(app, server)
    tabs = []
    for _ in range(8):  # eight tabs of one browser, each showing the confirmation
        tab = new_tab()
        tab.cookies.update(browser.cookies)
        confirm = tab.get(f"{server.url}/courses/race-one-click/one-click", timeout=30)
        assert confirm.status_code == 200, server.log()
        card_id = re.search(r'name="card_id" type="hidden" value="([^"]+)"', confirm.text)[1]
        tabs.append((tab, csrf_from(confirm.text), card_id))
    barrier = threading.Barrier(len(tabs))

    def confirm(tab):
        session, csrf, card_id = tab
        barrier.wait()
        return session.post(f"{server.url}/courses/race-one-click/one-click",
                            data={"csrf_token": csrf, "card_id": card_id},
                            allow_redirects=False, timeout=90)

    with ThreadPoolExecutor(len(tabs)) as pool:
        responses = list(pool.map(confirm, tabs))
    assert {r.status_code for r in responses} == {302}, server.log()
    receipts = [r for r in responses if r.headers["Location"].startswith("/orders/")]
    assert len(receipts) == 1  # the others are told nothing was charged again
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert len(charges) == 1 and charges[0].customer == customer.id
    assert charges[0].status == "succeeded"
    [order] = orders()
    assert order.status == OrderStatus.PAID and order.payment.saved_card
    assert order.charge_id == charges[0].id
