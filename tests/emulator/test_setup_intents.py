"""SetupIntents as saving cards needs them (INTENTS §4): outcomes per test card, 3-D
Secure on the test page, events, errors, Stripe.js's publishable-key calls."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import stripe

from .helpers import API_KEY, PUBLISHABLE_KEY, authenticate, event_types

RETURN_URL = "https://shop.example/account/card?saved=1"
NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}


def setup(pm=None, **params):
    """A SetupIntent for a new customer (confirmed when a PaymentMethod is given)."""
    if "customer" not in params:
        params["customer"] = stripe.Customer.create(email="save@example.com").id
    if pm:
        params.update(payment_method=pm, confirm=True)
        params.setdefault("return_url", RETURN_URL)
    return stripe.SetupIntent.create(**params)


def test_statuses_and_object():
    """New SetupIntents wait for a method; usage defaults to off_session."""
    si = setup()
    assert (si.status, si.usage, si.payment_method, si.latest_attempt) == (
        "requires_payment_method", "off_session", None, None)
    assert si.client_secret.startswith(si.id + "_secret_") and si.id.startswith("seti_")
    pending = setup(payment_method="pm_card_visa", usage="on_session")
    assert (pending.status, pending.usage) == ("requires_confirmation", "on_session")
    done = stripe.SetupIntent.confirm(pending.id, return_url=RETURN_URL)
    assert done.status == "succeeded" and done.latest_attempt.startswith("setatt_")


def test_success_attaches_to_the_customer_with_events_in_order():
    """payment_method.attached, then setup_intent.succeeded (INTENTS §7.2)."""
    si = setup("pm_card_visa")
    assert si.status == "succeeded"
    pm = stripe.PaymentMethod.retrieve(si.payment_method)
    assert pm.customer == si.customer and pm.card.checks.cvc_check == "pass"
    assert event_types()[-3:] == ["setup_intent.created", "payment_method.attached",
                                  "setup_intent.succeeded"]


@pytest.mark.parametrize("pm,decline_code", [
    ("pm_card_visa_chargeDeclined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc"),
])
def test_decline_cards_fail_with_the_intent_in_the_402(pm, decline_code):
    """Decline cards: 402 card_error carrying the SetupIntent; nothing attached."""
    with pytest.raises(stripe.CardError) as info:
        setup(pm)
    err = info.value.error
    assert err.decline_code == decline_code
    si = err.setup_intent
    assert (si.status, si.payment_method) == ("requires_payment_method", None)
    assert si.last_setup_error.decline_code == decline_code
    assert stripe.PaymentMethod.list(customer=si.customer).data == []
    assert event_types()[-2:] == ["setup_intent.created", "setup_intent.setup_failed"]


def test_customer_fail_card_sets_up_and_fails_when_charged():
    """0341 attaches fine; the off-session payment later declines."""
    si = setup("pm_card_chargeCustomerFail")
    assert si.status == "succeeded"
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentIntent.create(amount=500, currency="usd", customer=si.customer,
                                    payment_method=si.payment_method, confirm=True,
                                    off_session=True)
    assert info.value.code == "card_declined"


@pytest.mark.parametrize("pm,button,status,off_session", [
    ("pm_card_authenticationRequiredOnSetup", "complete", "succeeded", "succeeded"),
    ("pm_card_authenticationRequired", "complete", "succeeded", "authentication_required"),
    ("pm_card_threeDSecure2Required", "complete", "succeeded", "authentication_required"),
    ("pm_card_authenticationRequiredOnSetup", "fail", "requires_payment_method", None),
])
def test_3ds_cards_on_the_test_page_and_the_later_off_session_payment(pm, button, status,
                                                                      off_session):
    """3155 set up with authentication pays off-session; 3184 keeps asking (§1.6)."""
    si = setup(pm)
    assert si.status == "requires_action" and si.next_action.type == "redirect_to_url"
    answer = authenticate(si.next_action, button)
    assert answer.status_code == 303
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["setup_intent"] == [si.id] and back["saved"] == ["1"]
    assert back["setup_intent_client_secret"] == [si.client_secret]
    assert back["redirect_status"] == ["succeeded" if status == "succeeded" else "failed"]
    after = stripe.SetupIntent.retrieve(si.id)
    assert after.status == status
    if status != "succeeded":
        assert after.last_setup_error.code == "setup_intent_authentication_failure"
        assert event_types()[-1] == "setup_intent.setup_failed"
        return
    assert event_types()[-3:] == ["setup_intent.requires_action", "payment_method.attached",
                                  "setup_intent.succeeded"]
    params = dict(amount=1500, currency="usd", customer=si.customer,
                  payment_method=after.payment_method, confirm=True, off_session=True)
    if off_session == "succeeded":
        assert stripe.PaymentIntent.create(**params).status == "succeeded"
    else:
        with pytest.raises(stripe.CardError) as info:
            stripe.PaymentIntent.create(**params)
        assert info.value.code == off_session


def test_on_session_usage_does_not_set_the_card_up_for_off_session():
    """usage=on_session: 3155 still needs authentication off-session."""
    si = setup("pm_card_authenticationRequiredOnSetup", usage="on_session")
    authenticate(si.next_action)
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentIntent.create(amount=1500, currency="usd", customer=si.customer,
                                    payment_method=si.payment_method, confirm=True,
                                    off_session=True)
    assert info.value.code == "authentication_required"


@pytest.mark.parametrize("params,code,message", [
    ({"confirm": True, "return_url": RETURN_URL}, "setup_intent_unexpected_state",
     "You cannot confirm this SetupIntent because it's missing a payment method."),
    ({"confirm": True, "payment_method": "pm_card_visa"}, None,
     "This SetupIntent is configured to accept payment methods"),
    ({"usage": "sometimes"}, None, "Invalid usage: must be one of off_session or on_session"),
    ({"payment_method_types": ["card"]}, "payment_method_types_no_longer_supported", None),
    ({"return_url": RETURN_URL}, None, "You can only pass `return_url`"),
    ({"customer": "cus_nope"}, "resource_missing", "No such customer: 'cus_nope'"),
])
def test_create_errors(params, code, message):
    """Refusals of SetupIntent.create, each with Stripe's code or message."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.SetupIntent.create(**params)
    assert info.value.code == code
    if message:
        assert info.value.user_message.startswith(message), info.value.user_message
    assert stripe.SetupIntent.list().data == []


def test_no_return_url_needed_without_redirects_or_from_stripejs(emu):
    """allow_redirects=never (or Stripe.js's use_stripe_sdk) needs no return_url."""
    si = setup("pm_card_visa", return_url=None, automatic_payment_methods=NO_REDIRECTS)
    assert si.status == "succeeded"
    sdk = setup("pm_card_authenticationRequired", return_url=None, use_stripe_sdk=True)
    assert sdk.next_action.type == "use_stripe_sdk"
    assert authenticate(sdk.next_action).status_code == 200


def test_cancel_list_update():
    """Cancel an open one (not a succeeded one); list by customer and PaymentMethod."""
    open_si = setup(metadata={"k": "v"})
    updated = stripe.SetupIntent.modify(open_si.id, metadata={"k2": "v2"},
                                        description="Saving a card")
    assert updated.metadata.to_dict() == {"k": "v", "k2": "v2"}
    canceled = stripe.SetupIntent.cancel(open_si.id, cancellation_reason="abandoned")
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    assert event_types()[-1] == "setup_intent.canceled"
    done = setup("pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.SetupIntent.cancel(done.id)
    assert info.value.code == "setup_intent_unexpected_state"
    assert [s.id for s in stripe.SetupIntent.list(customer=done.customer).data] == [done.id]
    listed = stripe.SetupIntent.list(payment_method=done.payment_method).data
    assert [s.id for s in listed] == [done.id]
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.SetupIntent.retrieve("seti_nope")
    assert info.value.http_status == 404


def test_stripejs_confirms_with_card_numbers_and_retrieves_a_subset(emu):
    """confirmCardSetup's POST: payment_method_data with the publishable key and secret."""
    si = setup()
    resp = requests.post(f"{emu.url}/v1/setup_intents/{si.id}/confirm", timeout=10, data={
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": "4000002500003155",
        "payment_method_data[card][exp_month]": "12",
        "payment_method_data[card][exp_year]": "34",
        "payment_method_data[card][cvc]": "123", "use_stripe_sdk": "true",
        "key": PUBLISHABLE_KEY, "client_secret": si.client_secret})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "requires_action" and "customer" not in body
    assert body["next_action"]["type"] == "use_stripe_sdk"
    authenticate(body["next_action"])
    got = requests.get(f"{emu.url}/v1/setup_intents/{si.id}", timeout=10,
                       params={"key": PUBLISHABLE_KEY, "client_secret": si.client_secret})
    assert got.json()["status"] == "succeeded" and "metadata" not in got.json()
    wrong = requests.get(f"{emu.url}/v1/setup_intents/{si.id}", timeout=10,
                         params={"key": PUBLISHABLE_KEY, "client_secret": "seti_x_secret_y"})
    assert wrong.status_code == 400
    listing = requests.get(f"{emu.url}/v1/setup_intents", timeout=10,
                           headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"})
    assert listing.status_code == 401


def test_idempotent_create_and_confirm(emu):
    """A replayed create-and-confirm returns the same SetupIntent and attaches once."""
    cus = stripe.Customer.create()
    params = dict(customer=cus.id, payment_method="pm_card_visa", confirm=True,
                  return_url=RETURN_URL)
    first = stripe.SetupIntent.create(**params, idempotency_key="k-seti")
    again = stripe.SetupIntent.create(**params, idempotency_key="k-seti")
    assert first.id == again.id and again.last_response.headers["Idempotent-Replayed"]
    assert len(stripe.PaymentMethod.list(customer=cus.id).data) == 1


def test_faults_apply_to_setup_intents(ctl, emu):
    """Injected 500s answer without performing; dropped answers perform."""
    ctl.inject_fault(status=500, count=1, path="/v1/setup_intents")
    client = stripe.StripeClient(API_KEY, base_addresses={"api": emu.url})
    with pytest.raises(stripe.APIError):
        client.v1.setup_intents.create()
    assert stripe.SetupIntent.list().data == []
    ctl.inject_fault(mode="drop_response", count=1, path="/v1/setup_intents")
    with pytest.raises(stripe.APIConnectionError):
        client.v1.setup_intents.create(options={"idempotency_key": "k-drop-seti"})
    (made,) = stripe.SetupIntent.list().data
    assert client.v1.setup_intents.create(options={"idempotency_key": "k-drop-seti"}).id == \
        made.id
