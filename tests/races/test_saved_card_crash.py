"""A killed server while a checkout saves its card: SIGKILL gunicorn during the customer
call or during the charge; reconcile finishes the order with one customer, one charge."""

import contextlib
import threading
import time

import pytest
import requests

from app.models import OrderStatus
from tests.helpers import csrf_from, sign_in_on_server

EMAIL = "crash@example.com"


def _wait(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("during", ["customer", "charge"])
def test_a_server_killed_mid_checkout_leaves_one_customer_and_one_charge(
        during, app, store_server, make_course, card_token, emulator_control, stripe_sdk,
        orders, cli):
    make_course()
    server = store_server(workers=1, SECRET_KEY=app.config["SECRET_KEY"])
    session = sign_in_on_server(app, server, EMAIL)  # saving a card needs a link sign-in
    page = session.get(f"{server.url}/courses/python-jumpstart", timeout=30)
    data = {"csrf_token": csrf_from(page.text), "stripeToken": card_token(),
            "stripeEmail": EMAIL, "save_card": "y"}
    emulator_control.set_latency(ms=2500)

    def post():
        with contextlib.suppress(requests.RequestException):  # the server dies under it
            session.post(f"{server.url}/courses/python-jumpstart/checkout", data=data,
                         timeout=60)

    buyer = threading.Thread(target=post)
    try:
        buyer.start()
        if during == "customer":
            assert _wait(lambda: orders() and orders()[0].payment.setup_request)
        else:
            assert _wait(lambda: orders() and orders()[0].payment.request)
        time.sleep(0.5)  # the request is at the emulator now
        server.kill()
        buyer.join(30)
        emulator_control.set_latency(ms=0)
        # The emulator finishes the request the dead worker had sent.
        expected = (lambda: stripe_sdk.v1.customers.list(params={"email": EMAIL}).data) \
            if during == "customer" else (lambda: stripe_sdk.v1.charges.list().data)
        assert _wait(expected)
        time.sleep(0.3)
    finally:
        emulator_control.set_latency(ms=0)
    [order] = orders()
    assert order.status == OrderStatus.PENDING
    assert (order.payment.request is None) == (during == "customer")
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    [order] = orders()
    assert order.status == OrderStatus.PAID, result.output
    [customer] = stripe_sdk.v1.customers.list(params={"email": EMAIL}).data
    [charge] = stripe_sdk.v1.charges.list(params={"limit": 10}).data
    assert charge.customer == customer.id == order.payment.customer_id
    assert order.charge_id == charge.id
