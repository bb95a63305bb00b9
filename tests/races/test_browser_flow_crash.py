"""A server killed (SIGKILL, master and worker) while it creates an order's PaymentIntent
or Checkout Session, after the request reached Stripe and before its answer was
committed: reconcile repeats the create under the attempt's key and gets the same object
back — one intent or Session for the order at Stripe, never a second — and the buyer can
then pay: the browser that never got the answer gets the waiting intent back (it started
the order: its session's key) and pays it, while another browser must sign in; the
Session nobody saw is expired, and a new order gets its own."""

import contextlib
import threading
import time

import pytest
import requests

from app.models import AttemptStatus, OrderStatus, RequestState
from tests.helpers import confirm_intent, csrf_from, eventually, new_tab

EMAIL = "crash@example.com"
START = {"payment_intents": "payment-intent", "checkout": "checkout-session"}


def _the_same_browser(app, browser):
    """A test client of the app carrying the browser's cookies."""
    client = app.test_client()
    for cookie in browser.cookies:
        client.set_cookie(cookie.name, cookie.value)
    return client


def _press_again(app, browser, flow, client=None):
    """The buyer presses Pay (or Continue) again in the same browser, the store back."""
    app.config["PAYMENT_FLOW"] = flow
    try:
        client = client or _the_same_browser(app, browser)
        page = client.get("/courses/python-jumpstart").get_data(as_text=True)
        return client.post(f"/courses/python-jumpstart/{START[flow]}",
                           data={"csrf_token": csrf_from(page), "email": EMAIL})
    finally:
        app.config["PAYMENT_FLOW"] = "charges"


@pytest.mark.parametrize("flow", ["payment_intents", "checkout"])
def test_a_server_killed_while_creating_leaves_one_object_and_a_payable_order(
        flow, app, store_server, make_course, emulator, emulator_control, stripe_sdk,
        orders, cli):
    make_course()
    # The test app signs cookies with the same key: the same browser comes back to it.
    server = store_server(workers=1, PAYMENT_FLOW=flow, SECRET_KEY=app.config["SECRET_KEY"])
    browser = new_tab()
    page = browser.get(f"{server.url}/courses/python-jumpstart", timeout=30)
    form = {"csrf_token": csrf_from(page.text), "email": EMAIL}
    url = f"{server.url}/courses/python-jumpstart/{START[flow]}"
    emulator_control.set_latency(ms=2500)

    def press():
        with contextlib.suppress(requests.RequestException):  # the server dies under it
            browser.post(url, data=form, allow_redirects=False, timeout=60)

    buyer = threading.Thread(target=press)
    listed = (stripe_sdk.v1.payment_intents.list if flow == "payment_intents"
              else stripe_sdk.v1.checkout.sessions.list)
    try:
        buyer.start()
        assert eventually(lambda: orders() and orders()[0].payment.request, timeout=20)
        time.sleep(0.5)  # the create is at the emulator now
        server.kill()
        buyer.join(30)
        emulator_control.set_latency(ms=0)
        assert eventually(lambda: listed().data, timeout=20)  # Stripe finished it
    finally:
        emulator_control.set_latency(ms=0)
    [order] = orders()
    assert order.status == OrderStatus.PENDING
    assert order.payment.request_state == RequestState.WRITTEN  # nobody heard the answer
    assert (order.payment_intent_id or order.payment.checkout_session_id) is None
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    [made] = listed().data  # the key made it once
    [order] = orders()
    if flow == "payment_intents":
        assert order.payment_intent_id == made.id
        assert order.payment.status == AttemptStatus.REQUIRES_PAYMENT_METHOD
        # The browser never got its answer (nor the order in its cookie), but it is the
        # browser that started the order (its session's key, orders.browser_key): Pay
        # again gives it the intent reconcile found, and it pays it.
        answer = _press_again(app, browser, flow)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        secret = answer.get_json()["client_secret"]
        assert secret.startswith(made.id)
        # Another browser knowing the email may not take a payment its owner may be
        # typing a card into: it is asked to sign in.
        refused = _press_again(app, browser, flow, client=app.test_client())
        assert refused.status_code == 409 and "sign in" in refused.get_json()["error"]
        assert confirm_intent(emulator.url, secret)[0] == 200
        _the_same_browser(app, browser).get(answer.get_json()["return_url"])
        assert [o.status for o in orders()] == [OrderStatus.PAID]
        [charge] = stripe_sdk.v1.charges.list().data
        assert (charge.status, charge.payment_intent) == ("succeeded", made.id)
    else:
        # Its buyer never saw the Session's page: reconcile expired it, freeing the order.
        assert order.payment.checkout_session_id == made.id
        assert (made.status, order.status) == ("expired", OrderStatus.FAILED)
        answer = _press_again(app, browser, flow)
        assert answer.status_code == 303, answer.get_data(as_text=True)
        sessions = listed().data
        assert sorted(s.status for s in sessions) == ["expired", "open"]
        assert answer.headers["Location"] == next(s.url for s in sessions
                                                  if s.status == "open")
        assert stripe_sdk.v1.charges.list().data == []
