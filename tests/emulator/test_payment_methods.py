"""PaymentMethods (INTENTS §2) through stripe-python, and Stripe.js's publishable-key calls."""
import threading

import pytest
import requests
import stripe

from .helpers import API_KEY, PUBLISHABLE_KEY

CARD = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12",
        "card[exp_year]": "34", "card[cvc]": "123"}


def browser_pm(emu, number="4242424242424242", **extra):
    """Create a PaymentMethod the way Stripe.js does: card numbers with the publishable key."""
    data = {**CARD, "card[number]": number, "key": PUBLISHABLE_KEY,
            "payment_user_agent": "stripe.js/emulator", "guid": "g", "muid": "m", "sid": "s",
            **extra}
    return requests.post(f"{emu.url}/v1/payment_methods", data=data, timeout=10)


def test_stripejs_creates_a_payment_method_with_the_publishable_key(emu):
    """Stripe.js's POST with card numbers and key=pk_… makes a fully keyed PaymentMethod."""
    resp = browser_pm(emu, **{"billing_details[name]": "Jenny Rosen",
                              "billing_details[address][postal_code]": "94107"})
    assert resp.status_code == 200, resp.text
    pm = resp.json()
    assert pm["id"].startswith("pm_") and pm["object"] == "payment_method"
    assert (pm["type"], pm["customer"], pm["livemode"]) == ("card", None, False)
    card = pm["card"]
    assert (card["brand"], card["last4"], card["exp_month"], card["exp_year"]) == \
        ("visa", "4242", 12, 2034)
    assert card["checks"] == {"address_line1_check": None, "address_postal_code_check": "pass",
                              "cvc_check": "unchecked"}
    assert pm["billing_details"]["address"] == {
        "city": None, "country": None, "line1": None, "line2": None, "postal_code": "94107",
        "state": None}
    assert stripe.PaymentMethod.retrieve(pm["id"]).billing_details.name == "Jenny Rosen"


@pytest.mark.parametrize("number,status,code", [
    ("4242424242424241", 402, "incorrect_number"),
    ("4000000000000002", 200, None),  # decline cards are created; they fail when used
    ("4000002760003184", 200, None),
])
def test_card_numbers_are_checked_at_creation(emu, number, status, code):
    """A Luhn failure is a 402 at creation; decline and 3-D Secure cards are created."""
    resp = browser_pm(emu, number)
    assert resp.status_code == status
    if code:
        assert resp.json()["error"]["code"] == code
        assert resp.json()["error"]["type"] == "card_error"


CREATE_ERRORS = [
    ({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034}}, 400,
     "parameter_missing", "type", None),
    ({"type": "ideal"}, 400, None, "type", "not supported by the offline emulator"),
    ({"type": "card"}, 400, "parameter_missing", "card", None),
    ({"type": "card", "card": {"token": "tok_visa"}, "customer": "cus_x"}, 400, None,
     "customer", "You cannot attach a PaymentMethod to a Customer during PaymentMethod"),
    ({"type": "card", "card": {"token": "pm_card_visa"}}, 400, None, "token",
     "Invalid token id: pm_card_visa"),
    ({"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                               "exp_year": 2034}}, 402, None, "card",
     "Sending credit card numbers directly to the Stripe API is generally unsafe"),
    ({"type": "card", "card": {"token": "tok_nope"}}, 400, "resource_missing", "card[token]",
     "No such token"),
]


@pytest.mark.parametrize("params,status,code,param,message", CREATE_ERRORS)
def test_create_errors(params, status, code, param, message):
    """Every refusal of PaymentMethod.create, with Stripe's status, code, param and message."""
    with pytest.raises(stripe.StripeError) as info:
        stripe.PaymentMethod.create(**params)
    err = info.value
    assert err.http_status == status
    assert err.error.param == param
    if code:
        assert err.code == code
    if message:
        assert message in err.user_message


def test_from_a_token_and_the_token_is_spent():
    """card[token] makes a PaymentMethod from a token, which cannot be used again."""
    token = stripe.Token.create(card={"number": "5555555555554444", "exp_month": 1,
                                      "exp_year": 2035, "cvc": "123"})
    pm = stripe.PaymentMethod.create(type="card", card={"token": token.id},
                                     metadata={"order_id": "7"})
    assert (pm.card.brand, pm.card.last4, pm.metadata.order_id) == ("mastercard", "4444", "7")
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.create(type="card", card={"token": token.id})
    assert info.value.code == "token_already_used"


def test_legacy_card_reads_as_a_payment_method():
    """dj-stripe reads a charge's card_… payment_method through GET /v1/payment_methods."""
    cus = stripe.Customer.create(source="tok_amex", email="legacy@example.com")
    pm = stripe.PaymentMethod.retrieve(cus.default_source)
    assert (pm.id, pm.object, pm.type, pm.customer) == (cus.default_source, "payment_method",
                                                        "card", cus.id)
    assert (pm.card.brand, pm.card.last4) == ("amex", "0005")
    ch = stripe.Charge.create(amount=2000, currency="usd", customer=cus.id)
    assert stripe.PaymentMethod.retrieve(ch.payment_method).id == cus.default_source


@pytest.mark.parametrize("pm_id", ["pm_nope", "card_nope", "pm_card_visa", "x"])
def test_unknown_ids_are_404(pm_id):
    """Unknown ids (and test ids, which are not stored objects) are Stripe's 404."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.retrieve(pm_id)
    assert info.value.http_status == 404 and info.value.code == "resource_missing"
    assert info.value.user_message == f"No such PaymentMethod: '{pm_id}'"


def test_test_ids_attach_a_fresh_copy_each_time():
    """Each attach of pm_card_visa makes a new pm_… and the customer lists both."""
    cus = stripe.Customer.create()
    first = stripe.PaymentMethod.attach("pm_card_visa", customer=cus.id)
    second = stripe.PaymentMethod.attach("pm_card_visa", customer=cus.id)
    assert first.id != second.id and first.id.startswith("pm_") and "card" not in first.id
    assert first.customer == second.customer == cus.id
    assert first.card.checks.cvc_check == "pass"
    listed = stripe.PaymentMethod.list(customer=cus.id, type="card")
    assert [p.id for p in listed.data] == [second.id, first.id]


TEST_IDS = [
    ("pm_card_visa", "visa", "4242"), ("pm_card_mastercard", "mastercard", "4444"),
    ("pm_card_amex", "amex", "0005"), ("pm_card_discover", "discover", "1117"),
    ("pm_card_visa_debit", "visa", "5556"), ("pm_card_chargeCustomerFail", "visa", "0341"),
    ("pm_card_threeDSecure2Required", "visa", "3220"),
    ("pm_card_authenticationRequired", "visa", "3184"),
    ("pm_card_authenticationRequiredOnSetup", "visa", "3155"),
    ("pm_card_authenticationRequiredSetupForOffSession", "visa", "0446"),
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "visa", "3178"),
    ("pm_card_threeDSecureRequiredChargeDeclined", "visa", "1629"),
]


@pytest.mark.parametrize("pm_id,brand,last4", TEST_IDS)
def test_test_ids_attach(pm_id, brand, last4):
    """Each test id attaches as a PaymentMethod with its card's brand and last 4."""
    cus = stripe.Customer.create()
    pm = stripe.PaymentMethod.attach(pm_id, customer=cus.id)
    assert (pm.card.brand, pm.card.last4, pm.customer) == (brand, last4, cus.id)


@pytest.mark.parametrize("pm_id,decline_code", [
    ("pm_card_visa_chargeDeclined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ("pm_card_visa_chargeDeclinedLostCard", "lost_card"),
    ("pm_card_visa_chargeDeclinedStolenCard", "stolen_card"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc"),
    ("pm_card_chargeDeclinedProcessingError", "processing_error"),
])
def test_decline_cards_cannot_be_attached(pm_id, decline_code):
    """Decline cards are refused at attach with their 402 and leave nothing attached."""
    cus = stripe.Customer.create()
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentMethod.attach(pm_id, customer=cus.id)
    assert info.value.http_status == 402 and info.value.error.decline_code == decline_code
    assert stripe.PaymentMethod.list(customer=cus.id).data == []
    assert [e.type for e in stripe.Event.list().data] == ["customer.created"]


def test_attach_rules_and_events(emu):
    """§2.5: same customer again is a no-op, another customer or a detached one is refused."""
    pm_id = browser_pm(emu).json()["id"]
    cus, other = stripe.Customer.create(), stripe.Customer.create()
    attached = stripe.PaymentMethod.attach(pm_id, customer=cus.id)
    assert attached.customer == cus.id and attached.card.checks.cvc_check == "pass"
    again = stripe.PaymentMethod.attach(pm_id, customer=cus.id)
    assert again.customer == cus.id
    types = [e.type for e in stripe.Event.list().data]
    assert types.count("payment_method.attached") == 1
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.attach(pm_id, customer=other.id)
    assert "already been attached to a customer" in info.value.user_message

    detached = stripe.PaymentMethod.detach(pm_id)
    assert detached.customer is None
    event = stripe.Event.list(type="payment_method.detached").data[0]
    assert event.data.object.id == pm_id
    assert event.data.previous_attributes.customer == cus.id
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.attach(pm_id, customer=cus.id)
    assert info.value.user_message.startswith("This PaymentMethod was previously used")
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.detach(pm_id)
    assert "not attached to a customer so detachment is impossible" in info.value.user_message


@pytest.mark.parametrize("params,status,message", [
    ({}, 400, "Must provide customer or customer_account."),
    ({"customer": "cus_nope"}, 400, "No such customer: 'cus_nope'"),
])
def test_attach_errors(emu, params, status, message):
    """attach without a customer or with an unknown one is a 400 naming it."""
    pm_id = browser_pm(emu).json()["id"]
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.attach(pm_id, **params)
    assert (info.value.http_status, info.value.user_message) == (status, message)


def test_update_needs_a_customer_and_merges(emu):
    """Updating needs an attached one; metadata merges; the event has previous_attributes."""
    pm_id = browser_pm(emu).json()["id"]
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.modify(pm_id, metadata={"a": "1"})
    assert "save this PaymentMethod to a customer" in info.value.user_message
    cus = stripe.Customer.create()
    stripe.PaymentMethod.attach(pm_id, customer=cus.id)
    stripe.PaymentMethod.modify(pm_id, metadata={"a": "1", "b": "2"})
    pm = stripe.PaymentMethod.modify(pm_id, metadata={"a": ""},
                                     billing_details={"name": "Jo", "address": {"city": "Oz"}},
                                     card={"exp_month": 3, "exp_year": 2036})
    assert pm.metadata.to_dict() == {"b": "2"}
    assert (pm.billing_details.name, pm.billing_details.address.city) == ("Jo", "Oz")
    assert (pm.card.exp_month, pm.card.exp_year) == (3, 2036)
    event = stripe.Event.list(type="payment_method.updated").data[0]
    assert event.data.previous_attributes.metadata.to_dict() == {"a": "1", "b": "2"}


def test_the_preferred_network_is_stored_at_creation_and_changed_by_update(emu):
    """card[networks][preferred] is kept (from Stripe.js, or the token's own) and updated."""
    pm = browser_pm(emu, **{"card[networks][preferred]": "visa"}).json()
    assert pm["card"]["networks"] == {"available": ["visa"], "preferred": "visa"}
    token = stripe.Token.create(card={"number": "5555555555554444", "exp_month": 1,
                                      "exp_year": 2035, "networks": {"preferred": "mastercard"}})
    from_token = stripe.PaymentMethod.create(type="card", card={"token": token.id})
    assert from_token.card.networks.preferred == "mastercard"
    cus = stripe.Customer.create()
    stripe.PaymentMethod.attach(pm["id"], customer=cus.id)
    updated = stripe.PaymentMethod.modify(pm["id"], card={"networks": {"preferred": ""}})
    assert updated.card.networks.preferred is None
    event = stripe.Event.list(type="payment_method.updated").data[0]
    assert event.data.previous_attributes.card.networks.preferred == "visa"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.modify(pm["id"], metadata={"a": "1"},
                                    card={"networks": {"preferred": "discover"}})
    assert info.value.param == "card[networks][preferred]"
    assert stripe.PaymentMethod.retrieve(pm["id"]).metadata.to_dict() == {}


@pytest.mark.parametrize("params,param", [
    ({"type": "sepa_debit", "sepa_debit": {"iban": "DE89370400440532013000"}}, "sepa_debit"),
    ({"type": "card", "card": {"token": "tok_visa"}, "radar_options": {"session": "rse_1"}},
     "radar_options"),
    ({"type": "card", "card": {"token": "tok_visa"}, "payment_method": "pm_123"},
     "payment_method"),
])
def test_other_types_radar_and_connect_are_refused_as_not_emulated(params, param):
    """Stripe knows these: the answer says the emulator does not, never "unknown"."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentMethod.create(**params)
    assert (info.value.code, info.value.param) == ("parameter_not_supported_by_emulator", param)
    assert "not supported by the offline emulator" in info.value.user_message


def test_customer_lists_include_legacy_cards_newest_first():
    """A customer's PaymentMethods include its legacy cards, newest first, paginated."""
    cus = stripe.Customer.create(source="tok_visa")
    pm = stripe.PaymentMethod.attach("pm_card_mastercard", customer=cus.id)
    ids = [p.id for p in stripe.Customer.list_payment_methods(cus.id).data]
    assert set(ids) == {pm.id, cus.default_source} and len(ids) == 2
    page = stripe.PaymentMethod.list(customer=cus.id, limit=1)
    assert page.has_more and len(page.data) == 1
    rest = stripe.PaymentMethod.list(customer=cus.id, limit=1, starting_after=page.data[0].id)
    assert {page.data[0].id, rest.data[0].id} == set(ids) and not rest.has_more
    assert stripe.PaymentMethod.list(customer=cus.id, type="sepa_debit").data == []
    assert stripe.Customer.retrieve_payment_method(cus.id, pm.id).id == pm.id
    other = stripe.Customer.create()
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Customer.retrieve_payment_method(other.id, pm.id)
    assert info.value.http_status == 404


def test_detaching_the_default_payment_method_clears_it(emu):
    """Detaching the customer's default PaymentMethod clears it from invoice_settings."""
    pm_id = browser_pm(emu).json()["id"]
    cus = stripe.Customer.create()
    stripe.PaymentMethod.attach(pm_id, customer=cus.id)
    emu_state = emu.state
    with emu_state.transaction():
        emu_state.customers[cus.id]["invoice_settings"]["default_payment_method"] = pm_id
    stripe.PaymentMethod.detach(pm_id)
    assert stripe.Customer.retrieve(cus.id).invoice_settings.default_payment_method is None


def test_publishable_key_reaches_only_stripejs_endpoints(emu):
    """A publishable key may create PaymentMethods, never list, attach or read them."""
    pm_id = browser_pm(emu).json()["id"]
    for method, path in (("get", f"/v1/payment_methods/{pm_id}"),
                         ("get", "/v1/payment_methods"),
                         ("post", f"/v1/payment_methods/{pm_id}/attach")):
        resp = requests.request(method, f"{emu.url}{path}", timeout=10,
                                headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"})
        assert resp.status_code == 401, path
        assert "publishable API key" in resp.json()["error"]["message"]


def test_attach_with_one_idempotency_key_from_many_threads(emu):
    """Ten concurrent attaches of a test id with one key make one PaymentMethod."""
    cus = stripe.Customer.create()
    client = stripe.StripeClient(API_KEY, base_addresses={"api": emu.url},
                                 max_network_retries=5)
    barrier, ids = threading.Barrier(10), []

    def worker():
        """One of the concurrent attaches."""
        barrier.wait()
        pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": cus.id},
                                              options={"idempotency_key": "k-attach"})
        ids.append(pm.id)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 10 and len(set(ids)) == 1
    assert [p.id for p in stripe.PaymentMethod.list(customer=cus.id).data] == ids[:1]
    assert len(stripe.Event.list(type="payment_method.attached").data) == 1


def test_faults_apply_to_payment_methods(ctl, emu):
    """Injected 500s and dropped answers apply to the PaymentMethod endpoints; a key replays."""
    ctl.inject_fault(status=500, count=1, path="/v1/payment_methods", method="POST")
    resp = browser_pm(emu)
    assert resp.status_code == 500 and resp.json()["error"]["type"] == "api_error"
    assert stripe.PaymentMethod.list().data == []
    ctl.inject_fault(mode="drop_response", count=1, path="/v1/payment_methods")
    cus = stripe.Customer.create()
    with pytest.raises(stripe.APIConnectionError):
        stripe.PaymentMethod.attach("pm_card_visa", customer=cus.id, idempotency_key="k-d")
    again = stripe.PaymentMethod.attach("pm_card_visa", customer=cus.id, idempotency_key="k-d")
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert [p.id for p in stripe.PaymentMethod.list(customer=cus.id).data] == [again.id]


def test_customer_created_with_a_payment_method_as_its_default():
    """Customer.create(payment_method=…, invoice_settings=…) attaches it and makes it the
    default that an intent confirmed without a method uses (INTENTS §2.1, §3.2)."""
    cus = stripe.Customer.create(payment_method="pm_card_visa", email="d@example.com")
    (pm,) = stripe.PaymentMethod.list(customer=cus.id).data
    assert pm.customer == cus.id
    assert [e.type for e in stripe.Event.list().data][::-1] == [
        "customer.created", "payment_method.attached"]
    updated = stripe.Customer.modify(cus.id, invoice_settings={"default_payment_method": pm.id})
    assert updated.invoice_settings.default_payment_method == pm.id
    pi = stripe.PaymentIntent.create(amount=2000, currency="usd", customer=cus.id,
                                     confirm=True, off_session=True)
    assert pi.status == "succeeded" and pi.payment_method == pm.id
    other = stripe.PaymentMethod.attach("pm_card_visa", customer=stripe.Customer.create().id)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Customer.modify(cus.id, invoice_settings={"default_payment_method": other.id})
    assert "The customer does not have a payment method with the ID" in info.value.user_message
    with pytest.raises(stripe.CardError):
        stripe.Customer.create(payment_method="pm_card_visa_chargeDeclined")
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Customer.create(payment_method="pm_card_mastercard",
                               invoice_settings={"default_payment_method": other.id})
    both = stripe.Customer.create(payment_method="pm_card_amex",
                                  invoice_settings={"default_payment_method": "pm_card_amex"})
    (made,) = stripe.PaymentMethod.list(customer=both.id).data
    assert both.invoice_settings.default_payment_method == made.id
    assert stripe.Customer.list().data[0].id == both.id and len(stripe.Customer.list().data) == 3
