"""Checkout Sessions (INTENTS §6): create and its errors, the API-version rules, retrieve with
expand, list, line_items, expire (by the API, by time, by the control API), and the hosted
page driven over HTTP as a browser posts it (its Chromium tests are in
test_checkout_browser.py)."""
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import stripe

from .helpers import API_KEY, authenticate, event_types

SUCCESS = "https://shop.example/orders/42/paid?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "https://shop.example/courses/python-jumpstart"
CARD = {"cardExpiry": "12 / 34", "cardCvc": "123", "billingName": "Jenny Rosen",
        "billingPostalCode": "94107"}


def session(**params):
    """A payment-mode Session for one course at $69.00."""
    params.setdefault("mode", "payment")
    params.setdefault("line_items", [{"price_data": {
        "currency": "usd", "unit_amount": 6900, "product_data": {"name": "Python Jumpstart"}},
        "quantity": 1}])
    params.setdefault("success_url", SUCCESS)
    params.setdefault("cancel_url", CANCEL)
    return stripe.checkout.Session.create(**params)


def pay(cs, number, email="buyer@example.com", **fields):
    """Press Pay on the hosted page with a card (a form POST, as the browser sends it)."""
    data = {"email": email, "cardNumber": number, **CARD, **fields}
    return requests.post(cs.url, data=data, timeout=10, allow_redirects=False)


def alert(page):
    """The message the hosted page shows in its alert (HTML entities decoded)."""
    import html

    return html.unescape(re.search(r'role="alert">([^<]*)<', page.text).group(1))


def test_create_and_retrieve():
    """The Session as created: open, unpaid, no PaymentIntent yet, its page's url."""
    cs = session(client_reference_id="order-42", metadata={"order_id": "42"},
                 customer_email="buyer@example.com")
    assert cs.id.startswith("cs_test_a1") and len(cs.id) > 60
    assert (cs.status, cs.payment_status, cs.payment_intent, cs.mode) == (
        "open", "unpaid", None, "payment")
    assert (cs.amount_total, cs.amount_subtotal, cs.currency) == (6900, 6900, "usd")
    assert cs.url == f"{stripe.api_base}/c/pay/{cs.id}" and cs.ui_mode == "hosted_page"
    assert cs.success_url == SUCCESS  # the template is kept as given
    assert cs.expires_at - cs.created == 24 * 3600
    assert cs.automatic_tax.enabled is False and cs.payment_method_types == ["card"]
    assert "line_items" not in cs
    got = stripe.checkout.Session.retrieve(cs.id, expand=["line_items"])
    (item,) = got.line_items.data
    assert (item.object, item.description, item.quantity, item.amount_total) == (
        "item", "Python Jumpstart", 1, 6900)
    assert (item.price.unit_amount, item.price.currency, item.price.type) == (
        6900, "usd", "one_time")
    assert got.client_reference_id == "order-42" and got.metadata.order_id == "42"
    assert event_types() == []  # no event until something happens


NOT_SUPPORTED = "parameter_not_supported_by_emulator"
CREATE_ERRORS = [  # (params changed, code, param, message start)
    ({"mode": None}, "parameter_missing", "mode", "Missing required param: mode."),
    ({"mode": "setup"}, NOT_SUPPORTED, "mode", "mode=setup"),
    ({"line_items": None}, "parameter_missing", "line_items", "Missing required param"),
    ({"line_items": [{"price": "price_123", "quantity": 1}]}, NOT_SUPPORTED,
     "line_items[0][price]", "Prices (price_…) is not supported by the offline emulator"),
    ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100,
                                     "product_data": {"name": "A"}}}]},
     "parameter_missing", "line_items[0][quantity]", "Missing required param"),
    ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100,
                                     "product_data": {"name": "A"}}, "quantity": 0}]},
     None, "line_items[0][quantity]", "This value must be greater than or equal to 1."),
    ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100,
                                     "product_data": {}}, "quantity": 1}]},
     "parameter_missing", "line_items[0][price_data][product_data][name]", "Missing"),
    ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 10,
                                     "product_data": {"name": "A"}}, "quantity": 1}]},
     "amount_too_small", "line_items", "The Checkout Session's total amount due must add up "
     "to at least $0.50 usd"),
    ({"line_items": [
        {"price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "A"}},
         "quantity": 1},
        {"price_data": {"currency": "eur", "unit_amount": 100, "product_data": {"name": "B"}},
         "quantity": 1}]}, None, "line_items[1][price_data][currency]",
     "All line items must use the same currency."),
    ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100,
                                     "product_data": {"name": "A"}}, "quantity": 1,
                      "colour": "red"}]}, "parameter_unknown", "line_items[0][colour]",
     "Received unknown parameter: line_items[0][colour]"),
    ({"customer": "cus_nope"}, "resource_missing", "customer", "No such customer"),
    ({"customer_email": "a@b.co", "customer": "cus_x"}, None, None,
     "You may only specify one of these parameters: customer, customer_email."),
    ({"success_url": "shop/ok"}, "url_invalid", "success_url", "Not a valid URL"),
    ({"cancel_url": "javascript:alert(1)"}, "url_invalid", "cancel_url", "Not a valid URL"),
    ({"expires_at": 60}, None, "expires_at", "The `expires_at` timestamp must be at least "
     "30 minutes"),
    ({"automatic_tax": {"enabled": True}}, None, "line_items[0][price_data][tax_behavior]",
     "Automatic tax requires every price to have a tax_behavior"),
    ({"ui_mode": "hosted"}, None, "ui_mode", "Invalid ui_mode: must be one of hosted_page, "
     "embedded_page, elements, or form"),
    ({"ui_mode": "embedded_page"}, NOT_SUPPORTED, "ui_mode",
     "ui_mode=embedded_page (only the hosted page is served)"),
    ({"payment_method_types": ["card"]}, "payment_method_types_no_longer_supported",
     "payment_method_types", "The `payment_method_types` parameter is no longer supported"),
    ({"payment_intent_data": {"setup_future_usage": "forever"}}, None,
     "payment_intent_data[setup_future_usage]",
     "Invalid payment_intent_data[setup_future_usage]"),
    ({"return_url": "https://shop.example/r"}, None, "return_url", "You can only set"),
]


@pytest.mark.parametrize("change,code,param,message", CREATE_ERRORS)
def test_create_errors(change, code, param, message):
    """Each refusal, with Stripe's code, param and message (or the emulator's honest one)."""
    params = {"mode": "payment", "success_url": SUCCESS, "line_items": [{"price_data": {
        "currency": "usd", "unit_amount": 6900, "product_data": {"name": "A"}},
        "quantity": 1}]}
    params.update(change)
    params = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.checkout.Session.create(**params)
    assert info.value.code == code and info.value.error.param == param
    assert info.value.user_message.startswith(message), info.value.user_message
    assert stripe.checkout.Session.list().data == []


def test_expires_at_bounds_and_automatic_tax_off():
    """expires_at from 30 minutes to 24 hours; automatic_tax[enabled]=false is accepted."""
    import time

    now = int(time.time())
    assert session(expires_at=now + 1800 + 5).expires_at == now + 1805
    with pytest.raises(stripe.InvalidRequestError) as info:
        session(expires_at=now + 90000)
    assert "less than 24 hours" in info.value.user_message
    assert session(automatic_tax={"enabled": False}).automatic_tax.enabled is False


@pytest.mark.parametrize("version,default,refused", [
    ("2025-09-30.clover", "hosted", "hosted_page"),
    ("2026-03-25.dahlia", "hosted_page", "hosted"),
    ("2026-10-28.endive", "hosted_page", "embedded"),
])
def test_ui_mode_was_renamed_on_dahlia(emu, version, default, refused):
    """§1: hosted → hosted_page on 2026-03-25.dahlia; the old names fail from then on."""
    headers = {"Authorization": f"Bearer {API_KEY}", "Stripe-Version": version}
    data = {"mode": "payment", "line_items[0][price_data][currency]": "usd",
            "line_items[0][price_data][unit_amount]": "6900",
            "line_items[0][price_data][product_data][name]": "A",
            "line_items[0][quantity]": "1", "success_url": "https://shop.example/ok"}
    made = requests.post(f"{emu.url}/v1/checkout/sessions", data=data, headers=headers,
                         timeout=10)
    assert made.status_code == 200 and made.json()["ui_mode"] == default
    bad = requests.post(f"{emu.url}/v1/checkout/sessions", data={**data, "ui_mode": refused},
                        headers=headers, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "ui_mode"
    assert bad.json()["error"]["message"].startswith("Invalid ui_mode: must be one of")
    old_types = requests.post(f"{emu.url}/v1/checkout/sessions", timeout=10, headers={
        **headers, "Stripe-Version": "2025-09-30.clover"},
        data={**data, "payment_method_types[0]": "card"})
    assert old_types.status_code == 200


def test_hosted_page_shows_the_order_and_locks_the_email():
    """The page: line items, total, the email locked, Stripe's field names, the banner."""
    cs = session(customer_email="buyer@example.com", line_items=[
        {"price_data": {"currency": "usd", "unit_amount": 4900,
                        "product_data": {"name": "Flask Basics"}}, "quantity": 2}])
    page = requests.get(cs.url, timeout=10)
    assert page.status_code == 200 and "TEST MODE" in page.text
    assert "Flask Basics × 2" in page.text and "$98.00 USD" in page.text
    for name in ("email", "cardNumber", "cardExpiry", "cardCvc", "billingName",
                 "billingPostalCode"):
        assert f'name="{name}"' in page.text, name
    assert re.search(r'name="email"[^>]*value="buyer@example.com" readonly', page.text)
    assert f'href="{CANCEL}"' in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]


def test_paying_completes_the_session_and_redirects_with_its_id():
    """4242: success_url with the id, the Session complete and paid, the intent and the
    charge behind it carrying payment_intent_data's metadata, events in Stripe's order."""
    cs = session(metadata={"order_id": "42"}, client_reference_id="42",
                 payment_intent_data={"metadata": {"order_id": "42"}, "description": "Course",
                                      "receipt_email": "buyer@example.com"})
    answer = pay(cs, "4242 4242 4242 4242")
    assert answer.status_code == 303
    assert answer.headers["Location"] == SUCCESS.replace("{CHECKOUT_SESSION_ID}", cs.id)
    done = stripe.checkout.Session.retrieve(cs.id, expand=["payment_intent.latest_charge"])
    assert (done.status, done.payment_status, done.url) == ("complete", "paid", None)
    assert done.customer_details.email == "buyer@example.com"
    assert done.customer_details.name == "Jenny Rosen"
    assert done.customer_details.address.postal_code == "94107"
    pi = done.payment_intent
    assert (pi.status, pi.amount, pi.description, pi.metadata.order_id) == (
        "succeeded", 6900, "Course", "42")
    charge = pi.latest_charge
    assert (charge.payment_intent, charge.metadata.order_id, charge.receipt_email) == (
        pi.id, "42", "buyer@example.com")
    assert event_types() == ["payment_intent.created", "charge.succeeded",
                             "payment_intent.succeeded", "checkout.session.completed",
                             "charge.updated"]
    completed = stripe.Event.list(type="checkout.session.completed").data[0].data.object
    assert (completed.status, completed.payment_status, completed.payment_intent,
            completed.client_reference_id) == ("complete", "paid", pi.id, "42")
    assert "line_items" not in completed
    assert [s.id for s in stripe.checkout.Session.list(payment_intent=pi.id).data] == [cs.id]
    again = pay(cs, "4242 4242 4242 4242")  # a second press: no second charge
    assert again.status_code == 303 and len(stripe.Charge.list().data) == 1
    assert requests.get(cs.url, timeout=10, allow_redirects=False).status_code == 303


def test_session_metadata_is_not_copied_to_the_intent():
    """INTENTS §6.1: only payment_intent_data.metadata reaches the PaymentIntent."""
    cs = session(metadata={"order_id": "7"})
    pay(cs, "4242424242424242")
    pi = stripe.PaymentIntent.retrieve(stripe.checkout.Session.retrieve(cs.id).payment_intent)
    assert pi.metadata.to_dict() == {}


@pytest.mark.parametrize("number,message", [
    ("4000000000009995", "Your card has insufficient funds."),
    ("4000000000000002", "Your card was declined."),
    ("4000000000000069", "Your card has expired."),
    ("4242424242424241", "Your card number is incorrect."),
])
def test_declines_are_shown_on_the_page_and_another_card_pays(number, message):
    """A decline stays on the page (the Session open); the next card pays the same intent."""
    cs = session()
    answer = pay(cs, number)
    assert answer.status_code in (400, 402) and alert(answer) == message
    assert 'value="4' in answer.text  # what was typed is kept (never the CVC)
    assert stripe.checkout.Session.retrieve(cs.id).status == "open"
    assert pay(cs, "4242424242424242").status_code == 303
    done = stripe.checkout.Session.retrieve(cs.id)
    assert done.payment_status == "paid"
    charges = stripe.Charge.list(payment_intent=done.payment_intent).data
    assert [c.status for c in charges].count("succeeded") == 1


@pytest.mark.parametrize("fields,message", [
    ({"email": ""}, "Your email is incomplete."),
    ({"email": "not-an-email"}, "Your email is invalid."),
    ({"billingName": ""}, "Enter the name on your card."),
    ({"cardExpiry": "12"}, "Your card's expiration date is incomplete."),
    ({"cardExpiry": "12 / 19"}, "Your card's expiration year is invalid."),
    ({"cardCvc": ""}, "Your card's security code is incomplete."),
    ({"billingPostalCode": ""}, "Your postal code is incomplete."),
])
def test_form_problems_are_shown_without_a_payment_attempt(fields, message):
    """Missing or malformed fields: a 400 page naming the problem; no intent is made."""
    cs = session()
    data = {"email": "buyer@example.com", "cardNumber": "4242424242424242", **CARD, **fields}
    answer = requests.post(cs.url, data=data, timeout=10, allow_redirects=False)
    assert answer.status_code == 400 and alert(answer) == message
    assert stripe.checkout.Session.retrieve(cs.id).payment_intent is None


@pytest.mark.parametrize("button,paid", [("complete", True), ("fail", False)])
def test_3ds_card_goes_to_the_test_page_and_back(button, paid):
    """3184: the page redirects to the test authentication page, which returns to the
    hosted page, which redirects to success_url (or shows why it failed)."""
    cs = session()
    answer = pay(cs, "4000002760003184")
    assert answer.status_code == 303 and "/3d_secure_2/hosted?" in answer.headers["Location"]
    action = {"type": "redirect_to_url",
              "redirect_to_url": {"url": answer.headers["Location"]}}
    back = authenticate(action, button)
    assert back.status_code == 303
    target = urlsplit(back.headers["Location"])
    assert target.path == f"/c/pay/{cs.id}/return"
    assert parse_qs(target.query)["redirect_status"] == ["succeeded" if paid else "failed"]
    page = requests.get(back.headers["Location"], timeout=10, allow_redirects=False)
    done = stripe.checkout.Session.retrieve(cs.id)
    if paid:
        assert page.status_code == 303 and cs.id in page.headers["Location"]
        assert (done.status, done.payment_status) == ("complete", "paid")
        assert event_types()[-3:] == ["payment_intent.succeeded", "checkout.session.completed",
                                      "charge.updated"]
    else:
        assert page.status_code == 200 and alert(page).startswith(
            "We are unable to authenticate your payment method.")
        assert done.status == "open"
        assert pay(cs, "4242424242424242").status_code == 303


def test_closing_the_tab_after_authenticating_still_completes_the_session():
    """The Session completes when its intent is paid, whether the browser comes back."""
    cs = session()
    answer = pay(cs, "4000002760003184")
    authenticate({"type": "redirect_to_url",
                  "redirect_to_url": {"url": answer.headers["Location"]}}, "complete")
    assert stripe.checkout.Session.retrieve(cs.id).status == "complete"
    assert "checkout.session.completed" in event_types()


def test_customer_and_saving_the_card():
    """A Session for a customer: its email locked, setup_future_usage attaches the card."""
    cus = stripe.Customer.create(email="known@example.com")
    cs = session(customer=cus.id, payment_intent_data={"setup_future_usage": "off_session"})
    assert cs.customer == cus.id and cs.customer_creation is None
    assert 'value="known@example.com" readonly' in requests.get(cs.url, timeout=10).text
    pay(cs, "4242424242424242", email="typed@example.com")
    done = stripe.checkout.Session.retrieve(cs.id, expand=["customer"])
    assert done.customer.id == cus.id and done.customer_details.email == "known@example.com"
    (saved,) = stripe.PaymentMethod.list(customer=cus.id).data
    later = stripe.PaymentIntent.create(amount=6900, currency="usd", customer=cus.id,
                                        payment_method=saved.id, confirm=True, off_session=True)
    assert later.status == "succeeded"
    assert [s.id for s in stripe.checkout.Session.list(customer=cus.id).data] == [cs.id]


def test_customer_creation_always_makes_a_customer():
    """customer_creation=always: a Customer with the buyer's email is made and named."""
    cs = session(customer_creation="always")
    pay(cs, "4242424242424242", email="new@example.com")
    done = stripe.checkout.Session.retrieve(cs.id)
    customer = stripe.Customer.retrieve(done.customer)
    assert (customer.email, customer.name) == ("new@example.com", "Jenny Rosen")
    assert event_types()[0] == "customer.created"


def test_expire_by_the_api():
    """expire: the Session and its page end, its intent is canceled, and only once."""
    cs = session()
    pay(cs, "4000000000009995")
    expired = stripe.checkout.Session.expire(cs.id)
    assert (expired.status, expired.url, expired.payment_status) == ("expired", None, "unpaid")
    assert stripe.PaymentIntent.retrieve(expired.payment_intent).status == "canceled"
    assert event_types()[-2:] == ["payment_intent.canceled", "checkout.session.expired"]
    page = requests.get(cs.url, timeout=10)
    assert "This Checkout Session has expired" in page.text
    refused = pay(cs, "4242424242424242")
    assert "expired" in refused.text and len(stripe.Charge.list().data) == 1
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.checkout.Session.expire(cs.id)
    assert 'has a status of "expired"' in info.value.user_message
    paid = session()
    pay(paid, "4242424242424242")
    with pytest.raises(stripe.InvalidRequestError):
        stripe.checkout.Session.expire(paid.id)


def test_expire_by_time_through_the_control_api(ctl):
    """The control API lets time pass: the Session expires as at its expires_at."""
    cs = session()
    expired = ctl.expire_checkout_session(cs.id)
    assert expired["status"] == "expired" and expired["url"] is None
    assert event_types() == ["checkout.session.expired"]
    assert stripe.checkout.Session.retrieve(cs.id).status == "expired"
    with pytest.raises(requests.HTTPError) as info:
        ctl.expire_checkout_session(cs.id)
    assert info.value.response.status_code == 400
    with pytest.raises(requests.HTTPError) as info:
        ctl.expire_checkout_session("cs_test_nope")
    assert info.value.response.status_code == 404


def _age(srv, session_id, seconds=24 * 3600):
    """Move a Session's expires_at into the past, as if ``seconds`` went by."""
    with srv.state.transaction():
        srv.state.checkout_sessions[session_id]["expires_at"] -= seconds


def test_due_sessions_expire_on_the_next_read_or_by_the_control_api():
    """Without the sweeper: a read of a due Session, or expire_due, expires it."""
    from stripe_emulator.control import EmulatorControl
    from stripe_emulator.server import EmulatorServer

    with EmulatorServer(sweep_interval=None) as srv:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": srv.url})
        params = {"mode": "payment", "line_items": [{"price_data": {
            "currency": "usd", "unit_amount": 6900, "product_data": {"name": "A"}},
            "quantity": 1}]}
        read, swept = (client.v1.checkout.sessions.create(params=params) for _ in range(2))
        _age(srv, read.id)
        assert client.v1.checkout.sessions.retrieve(read.id).status == "expired"
        _age(srv, swept.id)
        with EmulatorControl(srv.url) as ctl:
            assert ctl.expire_due_checkout_sessions() == [swept.id]
            assert ctl.expire_due_checkout_sessions() == []
        types = [e.type for e in client.v1.events.list().data]
        assert types == ["checkout.session.expired"] * 2


def test_the_sweeper_expires_sessions_without_requests():
    """With the emulator's clock running, a due Session expires by itself and its event is
    delivered (no request needed, as Stripe expires Sessions on time)."""
    import time

    from stripe_emulator.server import EmulatorServer

    with EmulatorServer(sweep_interval=0.05) as srv:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": srv.url})
        cs = client.v1.checkout.sessions.create(params={
            "mode": "payment", "line_items": [{"price_data": {
                "currency": "usd", "unit_amount": 6900, "product_data": {"name": "A"}},
                "quantity": 1}]})
        _age(srv, cs.id)
        deadline = time.monotonic() + 10
        while srv.state.events.ids("type", "checkout.session.expired") == [] and \
                time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.v1.checkout.sessions.retrieve(cs.id).status == "expired"
        event = client.v1.events.list(params={"type": "checkout.session.expired"}).data[0]
        assert event.data.object.id == cs.id and event.request.id is None


def test_checkout_intents_cannot_be_confirmed_or_canceled_directly():
    """§3.4: a Session's PaymentIntent is driven by the Session only."""
    cs = session()
    pay(cs, "4000000000009995")
    pi_id = stripe.checkout.Session.retrieve(cs.id).payment_intent
    for action in (lambda: stripe.PaymentIntent.confirm(pi_id, payment_method="pm_card_visa"),
                   lambda: stripe.PaymentIntent.cancel(pi_id)):
        with pytest.raises(stripe.InvalidRequestError) as info:
            action()
        assert "Checkout Session" in info.value.user_message


def test_refund_a_checkout_payment():
    """The intent behind a paid Session refunds like any other."""
    cs = session()
    pay(cs, "4242424242424242")
    pi_id = stripe.checkout.Session.retrieve(cs.id).payment_intent
    refund = stripe.Refund.create(payment_intent=pi_id)
    assert refund.amount == 6900 and refund.payment_intent == pi_id


def test_line_items_endpoint_and_list_filters():
    """line_items is paginated; lists filter by status and customer_details[email]."""
    cs = session(line_items=[
        {"price_data": {"currency": "eur", "unit_amount": 1000 + i,
                        "product_data": {"name": f"Lesson {i}"}}, "quantity": 1}
        for i in range(3)])
    page = stripe.checkout.Session.list_line_items(cs.id, limit=2)
    assert [i.description for i in page.data] == ["Lesson 0", "Lesson 1"] and page.has_more
    assert page.url == f"/v1/checkout/sessions/{cs.id}/line_items"
    other = session()
    pay(other, "4242424242424242", email="list@example.com")
    assert [s.id for s in stripe.checkout.Session.list(status="open").data] == [cs.id]
    found = stripe.checkout.Session.list(customer_details={"email": "list@example.com"})
    assert [s.id for s in found.data] == [other.id]
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.checkout.Session.retrieve("cs_test_nope")
    assert info.value.http_status == 404


def test_unknown_page_and_wrong_methods(emu):
    """An unknown Session's page is a 404 page; a GET never pays."""
    assert requests.get(f"{emu.url}/c/pay/cs_test_nope", timeout=10).status_code == 404
    cs = session()
    requests.get(cs.url, params={"cardNumber": "4242424242424242"}, timeout=10)
    assert stripe.checkout.Session.retrieve(cs.id).payment_intent is None


def test_idempotent_create_and_faults(ctl, emu):
    """A replayed create returns the same Session; concurrent ones make one; faults apply."""
    params = dict(mode="payment", success_url=SUCCESS, line_items=[{"price_data": {
        "currency": "usd", "unit_amount": 6900, "product_data": {"name": "A"}},
        "quantity": 1}])
    first = stripe.checkout.Session.create(**params, idempotency_key="k-cs")
    again = stripe.checkout.Session.create(**params, idempotency_key="k-cs")
    assert first.id == again.id and again.last_response.headers["Idempotent-Replayed"]
    client = stripe.StripeClient(API_KEY, base_addresses={"api": emu.url},
                                 max_network_retries=6)
    ids, barrier = [], threading.Barrier(8)

    def worker():
        """One of eight concurrent creates with one key."""
        barrier.wait()
        ids.append(client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": "k-cs-threads"}).id)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and len(stripe.checkout.Session.list().data) == 2
    ctl.inject_fault(status=500, count=1, path="/v1/checkout/sessions")
    with pytest.raises(stripe.APIError):
        stripe.checkout.Session.create(**params)
    ctl.inject_fault(mode="drop_response", count=1, path="/v1/checkout/sessions")
    with pytest.raises(stripe.APIConnectionError):
        stripe.checkout.Session.create(**params, idempotency_key="k-cs-lost")
    kept = stripe.checkout.Session.create(**params, idempotency_key="k-cs-lost")
    assert kept.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stripe.checkout.Session.list().data) == 3
    ctl.inject_fault(status=429, count=1, path="/v1/checkout/sessions", method="POST")
    with pytest.raises(stripe.RateLimitError):
        stripe.checkout.Session.expire(first.id)
