"""The country and the consent in the other payment flows, through the real SDK and the
emulator: the Payment Element (payment_intents), hosted Checkout (checkout) and one click
with a saved card."""

import re

import pytest
import requests

from app.models import OrderStatus
from config import EMULATOR_PUBLISHABLE_KEY
from tests.consent.conftest import SLUG, Access, Consent, Order, lesson_status
from tests.helpers import csrf_from, sign_in_by_link

EMAIL = "flow@example.com"


def _form(client, **fields):
    page = client.get(f"/courses/{SLUG}")
    assert page.status_code == 200
    return {"csrf_token": csrf_from(page.text), "email": EMAIL, **fields}


# --- payment_intents ----------------------------------------------------------------

def _intent(client, **fields):
    response = client.post(f"/courses/{SLUG}/payment-intent", data=_form(client, **fields),
                           headers={"Accept": "application/json"})
    return response.status_code, response.get_json()


def _confirm(emulator, client_secret):
    intent_id = client_secret.split("_secret_")[0]
    response = requests.post(f"{emulator.url}/v1/payment_intents/{intent_id}/confirm",
                             data={"key": EMULATOR_PUBLISHABLE_KEY,
                                   "client_secret": client_secret,
                                   "payment_method": "pm_card_visa",
                                   "use_stripe_sdk": "true"}, timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("fields", "field"), [
    ({"country": "ZZ"}, "country"),
    ({"country": "FR", "immediate_access_consent": "true"}, "immediate_access_consent"),
])
def test_payment_element_refuses_forged_fields_as_json(client, course, flow, read, fields,
                                                       field):
    flow("payment_intents")
    status, body = _intent(client, **fields)
    assert status == 400 and body["field"] == field and body["error"]
    assert read(Order) == []


@pytest.mark.parametrize(("consent", "starts_later"), [(None, True), ("y", False)])
def test_payment_element_records_the_consent(app, client, course, flow, read, emulator,
                                             consent, starts_later):
    """The intent's order carries the answer; paid, access starts now or later."""
    flow("payment_intents")
    fields = {"country": "AT"}
    if consent:
        fields["immediate_access_consent"] = consent
    status, body = _intent(client, **fields)
    assert status == 200, body
    [order] = read(Order)
    assert order.consent_applies and order.buyer_country == "AT"
    _confirm(emulator, body["client_secret"])
    assert client.get(f"/orders/{order.public_id}/return").status_code == 302
    [order] = read(Order)
    assert order.status == OrderStatus.PAID
    [access] = read(Access)
    assert (access.starts_at is not None) is starts_later
    assert lesson_status(client) == (403 if starts_later else 200)
    assert [c.given for c in read(Consent)] == [not starts_later]


def test_payment_element_without_start_later_requires_the_tick(app, client, course, flow,
                                                               read):
    flow("payment_intents")
    app.config["CONSENT_OFFER_START_LATER"] = False
    try:
        status, body = _intent(client, country="SE")
    finally:
        app.config["CONSENT_OFFER_START_LATER"] = True
    assert status == 400 and body["field"] == "immediate_access_consent"
    assert "tick the box" in body["error"] and read(Order) == []


# --- checkout (hosted) --------------------------------------------------------------

def _pay_hosted(url):
    session = requests.Session()
    page = session.get(url, timeout=10)
    action = re.search(r'<form[^>]+action="([^"]+)"', page.text)
    target = requests.compat.urljoin(url, action.group(1).replace("&amp;", "&")) \
        if action else url
    return session.post(target, allow_redirects=False, timeout=10, data={
        "email": EMAIL, "cardNumber": "4242424242424242", "cardExpiry": "12 / 34",
        "cardCvc": "123", "billingName": "Ada Lovelace", "billingPostalCode": "12345"})


def test_hosted_checkout_records_the_consent_and_the_card_country(client, course, flow,
                                                                  read):
    """A Belgian declaration, ticked, paid with a US card: access now, mismatch noted."""
    flow("checkout")
    response = client.post(f"/courses/{SLUG}/checkout-session",
                           data=_form(client, country="BE", immediate_access_consent="y"))
    assert response.status_code == 303, response.text
    paid = _pay_hosted(response.headers["Location"])
    assert paid.status_code in (302, 303)
    success = paid.headers["Location"]
    assert client.get(success[success.index("/orders/"):]).status_code == 302
    [order] = read(Order)
    assert order.status == OrderStatus.PAID and order.immediate_access_at is not None
    assert order.country_mismatch is True
    assert lesson_status(client) == 200


def test_hosted_checkout_refuses_a_forged_country_on_the_page(client, course, flow, read):
    flow("checkout")
    response = client.post(f"/courses/{SLUG}/checkout-session",
                           data=_form(client, country="EU"))
    assert response.status_code == 400
    assert "Choose the country you live in from the list." in response.text
    assert read(Order) == []


# --- one click ----------------------------------------------------------------------

@pytest.fixture
def saved_card_buyer(app, client, course, card_token, make_course):
    """A buyer signed in by link who bought the course saving the card; a second course
    to buy in one click."""
    sign_in_by_link(client, app, EMAIL)
    page = client.get(f"/courses/{SLUG}")
    response = client.post(f"/courses/{SLUG}/checkout", data={
        "csrf_token": csrf_from(page.text), "stripeToken": card_token(),
        "stripeEmail": EMAIL, "save_card": "y", "country": "US"})
    assert response.status_code == 302
    make_course(slug="second-course", title="Second Course")
    return EMAIL


def _one_click(client, **fields):
    confirm = client.get("/courses/second-course/one-click")
    assert confirm.status_code == 200
    html = confirm.text
    assert 'name="country"' in html and 'name="immediate_access_consent"' in html
    card_id = html.split('name="card_id" type="hidden" value="')[1].split('"')[0]
    return client.post("/courses/second-course/one-click",
                       data={"csrf_token": csrf_from(html), "card_id": card_id, **fields})


def test_one_click_records_the_consent(client, saved_card_buyer, read):
    response = _one_click(client, country="PT")
    assert response.status_code == 302
    order = read(Order)[-1]
    assert order.status == OrderStatus.PAID and order.consent_applies
    assert order.immediate_access_at is None
    assert client.get("/courses/second-course/lessons/1").status_code in (403, 404)
    assert 'data-testid="waiting-order"' in client.get("/account").text


@pytest.mark.parametrize("fields", [{"country": "QQ"},
                                    {"country": "PT", "immediate_access_consent": "1"}])
def test_one_click_refuses_forged_fields_on_its_page(client, saved_card_buyer, read,
                                                     fields):
    response = _one_click(client, **fields)
    assert response.status_code == 400
    assert ("Choose the country" in response.text
            or "can only be ticked or left empty" in response.text)
    assert len(read(Order)) == 1


def test_one_click_without_start_later_requires_the_tick(app, client, saved_card_buyer,
                                                         read):
    app.config["CONSENT_OFFER_START_LATER"] = False
    try:
        refused = _one_click(client, country="PT")
        assert refused.status_code == 400 and "you need to tick the box" in refused.text
        assert len(read(Order)) == 1
        assert _one_click(client, country="PT",
                          immediate_access_consent="y").status_code == 302
    finally:
        app.config["CONSENT_OFFER_START_LATER"] = True
    assert read(Order)[-1].immediate_access_at is not None


def test_paying_again_on_the_same_intent_takes_the_new_answer(client, course, flow, read,
                                                              emulator):
    """Pay pressed unticked, then again ticked (after a decline, say): the same order
    and intent, now with immediate access; both answers are on record."""
    flow("payment_intents")
    status, first = _intent(client, country="IT")
    assert status == 200
    status, second = _intent(client, country="IT", immediate_access_consent="y")
    assert status == 200 and second["client_secret"] == first["client_secret"]
    [order] = read(Order)
    assert order.immediate_access_at is not None
    assert [(c.source, c.given) for c in read(Consent)] == [("checkout", False),
                                                           ("checkout", True)]
    _confirm(emulator, second["client_secret"])
    client.get(f"/orders/{order.public_id}/return")
    assert lesson_status(client) == 200
