"""PaymentIntents' status machine, every test card's outcome and its events (INTENTS §3.4,
§3.5, §3.8, §7.2), through stripe-python and the emulator's test authentication page."""
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from .helpers import authenticate, event_types

RETURN_URL = "https://shop.example/orders/42/return?step=pay"
NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}


def create(pm=None, **params):
    """A PaymentIntent for $20.00 (confirmed when a PaymentMethod is given)."""
    params.setdefault("amount", 2000)
    params.setdefault("currency", "usd")
    if pm:
        params.setdefault("payment_method", pm)
        params.setdefault("confirm", True)
        if not params.get("off_session"):
            params.setdefault("return_url", RETURN_URL)
    return stripe.PaymentIntent.create(**params)


def test_statuses_before_confirmation():
    """New intents wait for a method, or for confirmation when given one; confirming pays."""
    bare = create()
    assert (bare.status, bare.payment_method, bare.latest_charge) == (
        "requires_payment_method", None, None)
    assert bare.client_secret.startswith(bare.id + "_secret_")
    assert bare.automatic_payment_methods.to_dict() == {"allow_redirects": "always",
                                                        "enabled": True}
    assert (bare.capture_method, bare.confirmation_method, bare.payment_method_types) == (
        "automatic_async", "automatic", ["card"])
    with_pm = create(payment_method="pm_card_visa")
    assert with_pm.status == "requires_confirmation"
    assert with_pm.payment_method.startswith("pm_") and with_pm.payment_method != "pm_card_visa"
    done = stripe.PaymentIntent.confirm(with_pm.id, return_url=RETURN_URL)
    assert (done.status, done.amount_received) == ("succeeded", 2000)
    assert event_types() == ["payment_intent.created", "payment_intent.created",
                             "charge.succeeded", "payment_intent.succeeded", "charge.updated"]


DECLINES = [  # (test PaymentMethod, code, decline_code)
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card"),
    ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
    ("pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"),
    ("pm_card_visa_chargeDeclinedVelocityLimitExceeded", "card_declined",
     "card_velocity_exceeded"),
    ("pm_card_chargeCustomerFail", "card_declined", "generic_decline"),
    ("pm_card_radarBlock", "card_declined", "fraudulent"),
]


@pytest.mark.parametrize("pm,code,decline_code", DECLINES)
def test_declines_are_402_with_the_intent_and_a_failed_charge(pm, code, decline_code):
    """Each decline card: a 402 carrying intent, PaymentMethod and failed charge; events."""
    with pytest.raises(stripe.CardError) as info:
        create(pm, metadata={"order_id": "9"})
    err = info.value.error
    assert info.value.http_status == 402
    assert (err.type, err.code, err.decline_code) == ("card_error", code, decline_code)
    assert err.doc_url == "https://stripe.com/docs/error-codes/" + code.replace("_", "-")
    pi = err.payment_intent
    assert (pi.status, pi.payment_method, pi.object) == ("requires_payment_method", None,
                                                         "payment_intent")
    assert pi.last_payment_error.code == code and pi.last_payment_error.charge == err.charge
    assert pi.last_payment_error.payment_method.id == err.payment_method.id
    assert "payment_intent" not in info.value.json_body["error"]["payment_intent"][
        "last_payment_error"]
    assert pi.latest_charge == err.charge
    failed = stripe.Charge.retrieve(err.charge)
    assert (failed.status, failed.payment_intent, failed.failure_code) == ("failed", pi.id, code)
    assert failed.metadata.order_id == "9" and failed.payment_method == err.payment_method.id
    assert event_types() == ["payment_intent.created", "charge.failed",
                             "payment_intent.payment_failed"]
    assert stripe.PaymentIntent.retrieve(pi.id).status == "requires_payment_method"


def test_a_declined_intent_is_paid_by_another_card_without_a_second_intent():
    """After a decline the same intent is confirmed with another card: one succeeded charge."""
    with pytest.raises(stripe.CardError) as info:
        create("pm_card_visa_chargeDeclined")
    pi_id = info.value.error.payment_intent.id
    paid = stripe.PaymentIntent.confirm(pi_id, payment_method="pm_card_visa",
                                        return_url=RETURN_URL)
    assert paid.status == "succeeded" and paid.last_payment_error is None
    charges = stripe.Charge.list(payment_intent=pi_id).data
    assert sorted(c.status for c in charges) == ["failed", "succeeded"]
    assert paid.latest_charge == [c.id for c in charges if c.status == "succeeded"][0]


THREE_DS = ["pm_card_authenticationRequired", "pm_card_authenticationRequiredOnSetup",
            "pm_card_threeDSecure2Required",
            "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
            "pm_card_threeDSecureRequiredChargeDeclined",
            "pm_card_authenticationRequiredSetupForOffSession"]


@pytest.mark.parametrize("pm", THREE_DS)
def test_3ds_cards_require_action_on_session(pm):
    """Each 3-D Secure card stops in requires_action, pointing at the test page; no charge."""
    pi = create(pm)
    assert (pi.status, pi.latest_charge) == ("requires_action", None)
    action = pi.next_action
    assert action.type == "redirect_to_url"
    assert action.redirect_to_url.return_url == RETURN_URL
    assert "/3d_secure_2/hosted?" in action.redirect_to_url.url
    assert event_types() == ["payment_intent.created", "payment_intent.requires_action"]
    assert stripe.Charge.list().data == []


SUCCESSES = [("pm_card_visa", "visa"), ("pm_card_mastercard", "mastercard"),
             ("pm_card_amex", "amex"), ("pm_card_amex_threeDSecureNotSupported", "amex"),
             ("pm_card_riskLevelElevated", "visa"), ("pm_card_discover", "discover")]


@pytest.mark.parametrize("pm,brand", SUCCESSES)
def test_success_cards_pay_with_a_charge_carrying_the_intent(pm, brand):
    """Success cards pay; the charge carries the intent, description, receipt email, metadata."""
    pi = create(pm, description="Course", metadata={"order_id": "7"},
                receipt_email="buyer@example.com")
    assert (pi.status, pi.amount_received, pi.amount_capturable) == ("succeeded", 2000, 0)
    charge = stripe.Charge.retrieve(pi.latest_charge, expand=["balance_transaction"])
    assert (charge.payment_intent, charge.payment_method, charge.source) == (
        pi.id, pi.payment_method, None)
    assert (charge.description, charge.receipt_email, charge.metadata.order_id) == (
        "Course", "buyer@example.com", "7")
    assert charge.payment_method_details.card.brand == brand
    assert charge.balance_transaction.amount == 2000 and charge.captured
    assert charge.payment_method_details.card.three_d_secure is None


def test_async_capture_gives_the_balance_transaction_in_charge_updated():
    """2024-04-10's automatic_async: charge.succeeded carries no balance transaction yet."""
    pi = create("pm_card_visa")
    events = {e.type: e for e in stripe.Event.list().data}
    assert events["charge.succeeded"].data.object.balance_transaction is None
    updated = events["charge.updated"]
    assert updated.data.object.balance_transaction.startswith("txn_")
    assert updated.data.previous_attributes.balance_transaction is None
    assert stripe.Charge.retrieve(pi.latest_charge).balance_transaction == \
        updated.data.object.balance_transaction
    sync = create("pm_card_visa", capture_method="automatic")
    assert stripe.Charge.retrieve(sync.latest_charge).balance_transaction
    assert event_types()[-2:] == ["charge.succeeded", "payment_intent.succeeded"]


def test_dispute_cards_open_a_dispute_on_the_intent_charge():
    """A dispute card opens a dispute that names the intent."""
    pi = create("pm_card_createDispute")
    (dispute,) = stripe.Dispute.list(charge=pi.latest_charge).data
    assert (dispute.payment_intent, dispute.reason) == (pi.id, "fraudulent")
    assert stripe.Charge.retrieve(pi.latest_charge).disputed


AUTH_OUTCOMES = [  # (card, button, status, charge status, error code)
    ("pm_card_authenticationRequired", "complete", "succeeded", "succeeded", None),
    ("pm_card_threeDSecure2Required", "complete", "succeeded", "succeeded", None),
    ("pm_card_authenticationRequiredOnSetup", "complete", "succeeded", "succeeded", None),
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "complete",
     "requires_payment_method", "failed", "card_declined"),
    ("pm_card_threeDSecureRequiredChargeDeclined", "complete", "requires_payment_method",
     "failed", "card_declined"),
    ("pm_card_authenticationRequired", "fail", "requires_payment_method", None,
     "payment_intent_authentication_failure"),
    ("pm_card_threeDSecure2Required", "fail", "requires_payment_method", None,
     "payment_intent_authentication_failure"),
]


@pytest.mark.parametrize("pm,button,status,charge_status,code", AUTH_OUTCOMES)
def test_authentication_page_outcomes_and_the_redirect(pm, button, status, charge_status,
                                                       code):
    """Complete or Fail: the intent's status, its charge, the events and the redirect back."""
    pi = create(pm)
    answer = authenticate(pi.next_action, button)
    assert answer.status_code == 303
    target = urlsplit(answer.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "shop.example",
                                                          "/orders/42/return")
    query = parse_qs(target.query)
    assert query["step"] == ["pay"] and query["payment_intent"] == [pi.id]
    assert query["payment_intent_client_secret"] == [pi.client_secret]
    assert query["redirect_status"] == ["succeeded" if status == "succeeded" else "failed"]
    after = stripe.PaymentIntent.retrieve(pi.id)
    assert after.status == status and after.next_action is None
    if charge_status:
        charge = stripe.Charge.retrieve(after.latest_charge)
        assert charge.status == charge_status
        secure = charge.payment_method_details.card.three_d_secure
        assert (secure.result, secure.authentication_flow) == ("authenticated", "challenge")
    else:
        assert after.latest_charge is None and stripe.Charge.list().data == []
    if code:
        assert after.last_payment_error.code == code
        assert after.payment_method is None
    else:
        assert after.last_payment_error is None
    expected = {"succeeded": ["charge.succeeded", "payment_intent.succeeded", "charge.updated"],
                "failed": ["charge.failed", "payment_intent.payment_failed"],
                None: ["payment_intent.payment_failed"]}[charge_status]
    assert event_types() == ["payment_intent.created", "payment_intent.requires_action",
                             *expected]
    again = authenticate_stale(pi)
    assert again == 404  # an attempt is answered once


def authenticate_stale(pi):
    """The page of an attempt already answered is a 404 (nothing pending)."""
    import requests

    return requests.get(pi.next_action.redirect_to_url.url, timeout=10).status_code


def test_authentication_failure_body_matches_stripes():
    """Fail leaves payment_intent_authentication_failure; another card then pays."""
    pi = create("pm_card_authenticationRequired")
    authenticate(pi.next_action, "fail")
    err = stripe.PaymentIntent.retrieve(pi.id).last_payment_error
    assert (err.type, err.code) == ("invalid_request_error",
                                    "payment_intent_authentication_failure")
    assert err.message.startswith("The provided PaymentMethod has failed authentication.")
    assert err.doc_url.endswith("/payment-intent-authentication-failure")
    assert err.payment_method.card.last4 == "3184"
    retry = stripe.PaymentIntent.confirm(pi.id, payment_method="pm_card_visa",
                                         return_url=RETURN_URL)
    assert retry.status == "succeeded" and len(stripe.Charge.list().data) == 1


def test_use_stripe_sdk_next_action_and_the_page_telling_stripejs():
    """use_stripe_sdk gives the modal's page, which posts its outcome to the parent window."""
    pi = create("pm_card_threeDSecure2Required", use_stripe_sdk=True)
    action = pi.next_action
    assert action.type == "use_stripe_sdk"
    assert action.use_stripe_sdk.type == "three_d_secure_redirect"
    answer = authenticate(action, "complete")
    assert answer.status_code == 200 and "postMessage" in answer.text
    assert "stripe-emulator-3ds" in answer.text
    assert "frame-ancestors *" in answer.headers["Content-Security-Policy"]
    assert stripe.PaymentIntent.retrieve(pi.id).status == "succeeded"


def test_without_return_url_the_next_action_is_use_stripe_sdk():
    """Without a return_url the next action is use_stripe_sdk."""
    pi = create("pm_card_authenticationRequired", return_url=None,
                automatic_payment_methods=NO_REDIRECTS)
    assert pi.next_action.type == "use_stripe_sdk"


def test_error_on_requires_action_fails_instead():
    """error_on_requires_action turns requires_action into a 402 authentication_required."""
    with pytest.raises(stripe.CardError) as info:
        create("pm_card_authenticationRequired", error_on_requires_action=True)
    assert info.value.code == "authentication_required"
    assert info.value.error.payment_intent.status == "requires_payment_method"


def test_request_three_d_secure_any_challenges_a_plain_card():
    """request_three_d_secure=any challenges 4242, but not a card without 3-D Secure."""
    pi = create("pm_card_visa", payment_method_options={"card": {
        "request_three_d_secure": "any"}})
    assert pi.status == "requires_action"
    authenticate(pi.next_action)
    assert stripe.PaymentIntent.retrieve(pi.id).status == "succeeded"
    amex = create("pm_card_amex_threeDSecureNotSupported",
                  payment_method_options={"card": {"request_three_d_secure": "any"}})
    assert amex.status == "succeeded"


def _saved(pm_id):
    """A customer with ``pm_id`` attached (the way a saved card is)."""
    cus = stripe.Customer.create(email="saved@example.com")
    return cus, stripe.PaymentMethod.attach(pm_id, customer=cus.id)


OFF_SESSION = [  # (card, status or the 402's code)
    ("pm_card_visa", "succeeded"),
    ("pm_card_authenticationRequired", "authentication_required"),
    ("pm_card_authenticationRequiredOnSetup", "authentication_required"),
    ("pm_card_threeDSecure2Required", "authentication_required"),
    ("pm_card_authenticationRequiredSetupForOffSession", "succeeded"),
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
     "authentication_required"),
    ("pm_card_chargeCustomerFail", "card_declined"),
]


@pytest.mark.parametrize("pm,outcome", OFF_SESSION)
def test_off_session_outcomes(pm, outcome):
    """Off-session with each saved card: paid, authentication_required (no charge) or declined."""
    cus, saved = _saved(pm)
    params = dict(customer=cus.id, off_session=True)
    if outcome == "succeeded":
        pi = create(saved.id, **params)
        assert pi.status == "succeeded" and pi.payment_method == saved.id
        return
    with pytest.raises(stripe.CardError) as info:
        create(saved.id, **params)
    err = info.value.error
    assert info.value.http_status == 402 and err.code == outcome
    assert err.payment_intent.status == "requires_payment_method"
    assert err.payment_method.id == saved.id
    if outcome == "authentication_required":
        assert err.decline_code == "authentication_required"
        assert err.message == ("Your card was declined. This transaction requires "
                               "authentication.")
        assert "charge" not in info.value.json_body["error"]
        assert stripe.Charge.list().data == []
        assert event_types()[-2:] == ["payment_intent.created", "payment_intent.payment_failed"]


def test_off_session_authentication_required_brings_the_buyer_back():
    """The sample's recovery: confirm the same intent on-session with the saved card."""
    cus, saved = _saved("pm_card_authenticationRequired")
    with pytest.raises(stripe.CardError) as info:
        create(saved.id, customer=cus.id, off_session=True)
    pi = info.value.error.payment_intent
    again = stripe.PaymentIntent.confirm(pi.id, payment_method=info.value.error.payment_method.id,
                                         return_url=RETURN_URL)
    assert again.status == "requires_action"
    authenticate(again.next_action)
    paid = stripe.PaymentIntent.retrieve(pi.id)
    assert paid.status == "succeeded" and paid.payment_method == saved.id


def test_setup_future_usage_attaches_and_sets_the_card_up_for_off_session():
    """3155 needs authentication once on-session; saved that way it pays off-session."""
    cus = stripe.Customer.create()
    first = create("pm_card_authenticationRequiredOnSetup", customer=cus.id,
                   setup_future_usage="off_session")
    authenticate(first.next_action)
    first = stripe.PaymentIntent.retrieve(first.id)
    assert first.status == "succeeded" and first.setup_future_usage == "off_session"
    saved = stripe.PaymentMethod.retrieve(first.payment_method)
    assert saved.customer == cus.id
    types = event_types()
    assert types.index("payment_method.attached") < types.index("charge.succeeded")
    later = create(saved.id, customer=cus.id, off_session=True)
    assert later.status == "succeeded"


def test_setup_future_usage_without_a_customer_leaves_the_card_unattached():
    """setup_future_usage without a customer attaches nothing."""
    pi = create("pm_card_visa", setup_future_usage="on_session")
    assert stripe.PaymentMethod.retrieve(pi.payment_method).customer is None
    assert "payment_method.attached" not in event_types()


def test_manual_capture_then_capture_and_cancel():
    """capture_method=manual holds; capture takes part; cancel releases the hold by a refund."""
    held = create("pm_card_visa", capture_method="manual")
    assert (held.status, held.amount_capturable, held.amount_received) == (
        "requires_capture", 2000, 0)
    charge = stripe.Charge.retrieve(held.latest_charge)
    assert (charge.captured, charge.status) == (False, "succeeded")
    assert event_types()[-2:] == ["charge.succeeded", "payment_intent.amount_capturable_updated"]
    captured = stripe.PaymentIntent.capture(held.id, amount_to_capture=1500)
    assert (captured.status, captured.amount_received, captured.amount_capturable) == (
        "succeeded", 1500, 0)
    assert stripe.Charge.retrieve(held.latest_charge).amount_captured == 1500
    assert event_types()[-2:] == ["charge.captured", "payment_intent.succeeded"]

    other = create("pm_card_visa", capture_method="manual")
    canceled = stripe.PaymentIntent.cancel(other.id, cancellation_reason="requested_by_customer")
    assert (canceled.status, canceled.cancellation_reason) == ("canceled",
                                                              "requested_by_customer")
    assert canceled.canceled_at and canceled.amount_capturable == 0
    released = stripe.Charge.retrieve(other.latest_charge)
    assert released.refunded and not released.captured
    assert event_types()[-3:] == ["charge.refunded", "refund.created", "payment_intent.canceled"]


def test_manual_confirmation_after_authentication_needs_the_server_to_confirm():
    """confirmation_method=manual: after 3DS, requires_confirmation until the server confirms."""
    pi = create("pm_card_authenticationRequired", confirmation_method="manual",
                allowed_payment_method_types=["card"], return_url=None)
    assert pi.status == "requires_action" and pi.next_action.type == "use_stripe_sdk"
    authenticate(pi.next_action)
    pending = stripe.PaymentIntent.retrieve(pi.id)
    assert (pending.status, pending.latest_charge) == ("requires_confirmation", None)
    done = stripe.PaymentIntent.confirm(pi.id)
    assert done.status == "succeeded"
    charge = stripe.Charge.retrieve(done.latest_charge)
    assert charge.payment_method_details.card.three_d_secure.result == "authenticated"


@pytest.mark.parametrize("make", ["requires_payment_method", "requires_confirmation",
                                  "requires_action"])
def test_cancel_from_each_open_status(make):
    """Each open status can be canceled; a canceled intent cannot be confirmed."""
    pi = {"requires_payment_method": lambda: create(),
          "requires_confirmation": lambda: create(payment_method="pm_card_visa"),
          "requires_action": lambda: create("pm_card_authenticationRequired")}[make]()
    assert pi.status == make
    canceled = stripe.PaymentIntent.cancel(pi.id, cancellation_reason="abandoned")
    assert canceled.status == "canceled" and canceled.next_action is None
    assert event_types()[-1] == "payment_intent.canceled"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.confirm(pi.id, payment_method="pm_card_visa", return_url=RETURN_URL)
    assert info.value.code == "payment_intent_unexpected_state"


def test_a_legacy_card_of_the_customer_pays_an_intent():
    """Cards saved by the token flow (card_… on a Customer) keep working in one click."""
    cus = stripe.Customer.create(source="tok_visa")
    pi = create(cus.default_source, customer=cus.id, off_session=True)
    assert pi.status == "succeeded" and pi.payment_method == cus.default_source
    charge = stripe.Charge.retrieve(pi.latest_charge)
    assert (charge.payment_method, charge.source.id) == (cus.default_source,
                                                         cus.default_source)
    default = create(customer=cus.id, confirm=True, off_session=True)
    assert default.status == "succeeded" and default.payment_method == cus.default_source
