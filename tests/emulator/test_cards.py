"""Test cards and tokens from REFERENCE §1: brands, declines, invalid data, Radar, disputes."""
import pytest
import stripe

from .helpers import card_token, charge

SUCCESS_CARDS = [  # number, legacy brand, pm brand, funding, country
    ("4242424242424242", "Visa", "visa", "credit", "US"),
    ("4000056655665556", "Visa", "visa", "debit", "US"),
    ("5555555555554444", "MasterCard", "mastercard", "credit", "US"),
    ("2223003122003222", "MasterCard", "mastercard", "credit", "US"),
    ("5200828282828210", "MasterCard", "mastercard", "debit", "US"),
    ("5105105105105100", "MasterCard", "mastercard", "prepaid", "US"),
    ("378282246310005", "American Express", "amex", "credit", "US"),
    ("371449635398431", "American Express", "amex", "credit", "US"),
    ("6011111111111117", "Discover", "discover", "credit", "US"),
    ("6011000990139424", "Discover", "discover", "credit", "US"),
    ("6011981111111113", "Discover", "discover", "debit", "US"),
    ("3056930009020004", "Diners Club", "diners", "credit", "US"),
    ("36227206271667", "Diners Club", "diners", "credit", "US"),
    ("3566002020360505", "JCB", "jcb", "credit", "JP"),
    ("6200000000000005", "UnionPay", "unionpay", "credit", "CN"),
    ("6205500000000000004", "UnionPay", "unionpay", "credit", "CN"),
    ("4000008260000000", "Visa", "visa", "credit", "GB"),
]
MAGIC_TOKENS = [
    ("tok_visa", "Visa", "4242"), ("tok_visa_debit", "Visa", "5556"),
    ("tok_mastercard", "MasterCard", "4444"), ("tok_amex", "American Express", "0005"),
    ("tok_discover", "Discover", "1117"), ("tok_diners", "Diners Club", "0004"),
    ("tok_jcb", "JCB", "0505"), ("tok_unionpay", "UnionPay", "0005"),
]
DECLINES = [  # token, number, code, decline_code, message
    ("tok_chargeDeclined", "4000000000000002", "card_declined", "generic_decline",
     "Your card was declined."),
    ("tok_visa_chargeDeclined", "4000000000000002", "card_declined", "generic_decline",
     "Your card was declined."),
    ("tok_visa_chargeDeclinedInsufficientFunds", "4000000000009995", "card_declined",
     "insufficient_funds", "Your card has insufficient funds."),
    ("tok_visa_chargeDeclinedLostCard", "4000000000009987", "card_declined", "lost_card",
     "Your card was declined."),
    ("tok_visa_chargeDeclinedStolenCard", "4000000000009979", "card_declined", "stolen_card",
     "Your card was declined."),
    ("tok_chargeDeclinedExpiredCard", "4000000000000069", "expired_card", "expired_card",
     "Your card has expired."),
    ("tok_chargeDeclinedIncorrectCvc", "4000000000000127", "incorrect_cvc", "incorrect_cvc",
     "Your card's security code is incorrect."),
    ("tok_chargeDeclinedProcessingError", "4000000000000119", "processing_error",
     "processing_error",
     "An error occurred while processing your card. Try again in a little bit."),
    ("tok_visa_chargeDeclinedVelocityLimitExceeded", "4000000000006975", "card_declined",
     "card_velocity_exceeded", "Your card was declined for making repeated attempts too "
     "frequently or exceeding its amount limit."),
    ("tok_visa_chargeDeclinedFraudulent", None, "card_declined", "fraudulent",
     "Your card was declined."),
]
INVALID_DATA = [  # card fields, code, param, message
    ({"number": "4242424242424241"}, "incorrect_number", "number",
     "Your card number is incorrect."),
    ({"exp_month": 13}, "invalid_expiry_month", "exp_month",
     "Your card's expiration month is invalid."),
    ({"exp_year": 2020}, "invalid_expiry_year", "exp_year",
     "Your card's expiration year is invalid."),
    ({"cvc": "99"}, "invalid_cvc", "cvc", "Your card's security code is invalid."),
    ({"number": "378282246310005", "cvc": "123"}, "invalid_cvc", "cvc",
     "Your card's security code is invalid."),
]


@pytest.mark.parametrize("number,brand,pm_brand,funding,country", SUCCESS_CARDS)
def test_success_card_by_brand(number, brand, pm_brand, funding, country):
    """A tokenized success card charges with the brand, funding and country of §1.1."""
    cvc = "1234" if pm_brand == "amex" else "123"
    token = card_token(number, cvc=cvc)
    assert (token.card.brand, token.card.funding, token.card.country) == \
        (brand, funding, country)
    assert token.card.last4 == number[-4:] and token.used is False
    ch = charge(source=token.id)
    assert ch.status == "succeeded" and ch.paid and ch.captured
    details = ch.payment_method_details.card
    assert (details.brand, details.network, details.last4) == (pm_brand, pm_brand, number[-4:])
    assert details.fingerprint == token.card.fingerprint
    assert ch.source.brand == brand and ch.outcome.type == "authorized"


@pytest.mark.parametrize("token,brand,last4", MAGIC_TOKENS)
def test_magic_token_mints_fresh_card_each_use(token, brand, last4):
    """Magic tokens can be reused; each use mints a new card with a stable fingerprint."""
    first, second = charge(source=token), charge(source=token)
    assert first.source.brand == brand and first.source.last4 == last4
    assert first.source.id != second.source.id
    assert first.source.fingerprint == second.source.fingerprint


@pytest.mark.parametrize("token,number,code,decline_code,message", DECLINES)
def test_issuer_decline_stores_failed_charge(token, number, code, decline_code, message):
    """Declines answer 402 card_error and leave a failed charge and a charge.failed event."""
    with pytest.raises(stripe.CardError) as info:
        charge(source=token)
    err = info.value
    assert err.http_status == 402 and err.code == code
    assert err.error.decline_code == decline_code and err.user_message == message
    body = err.json_body["error"]
    assert body["type"] == "card_error"
    assert body["doc_url"] == f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    assert body["request_log_url"].startswith("https://dashboard.stripe.com/test/logs/req_")
    failed = stripe.Charge.retrieve(body["charge"])
    assert failed.status == "failed" and not failed.paid and not failed.captured
    assert (failed.failure_code, failed.failure_message) == (code, message)
    assert failed.outcome.type == "issuer_declined"
    assert failed.outcome.network_status == "declined_by_network"
    assert failed.outcome.reason == decline_code and failed.balance_transaction is None
    events = stripe.Event.list(type="charge.failed").data
    assert [e.data.object.id for e in events] == [failed.id]


@pytest.mark.parametrize("token,number,code,decline_code,message",
                         [d for d in DECLINES if d[1]])
def test_decline_card_number_tokenizes_then_declines(token, number, code, decline_code,
                                                     message):
    """The raw decline numbers tokenize fine; the decline happens at charge time."""
    tok = card_token(number)
    with pytest.raises(stripe.CardError) as info:
        charge(source=tok.id)
    assert info.value.code == code and info.value.error.decline_code == decline_code


def test_generic_and_specific_seller_messages():
    """Outcome seller_message differs for generic and specific decline codes."""
    ids = []
    for token in ("tok_chargeDeclined", "tok_visa_chargeDeclinedInsufficientFunds"):
        with pytest.raises(stripe.CardError) as info:
            charge(source=token)
        ids.append(info.value.json_body["error"]["charge"])
    generic, specific = (stripe.Charge.retrieve(i).outcome.seller_message for i in ids)
    assert generic == "The bank did not return any further details with this decline."
    assert specific == "The bank returned the decline code `insufficient_funds`."


@pytest.mark.parametrize("fields,code,param,message", INVALID_DATA)
def test_invalid_data_fails_at_tokenization(fields, code, param, message):
    """Luhn, expiry and CVC problems fail when tokenizing (402 card_error, §1.3)."""
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123",
            **fields}
    with pytest.raises(stripe.CardError) as info:
        stripe.Token.create(card=card)
    assert (info.value.code, info.value.param, info.value.user_message) == \
        (code, param, message)


def test_amex_accepts_four_digit_cvc_and_fifteen_digits():
    token = card_token("378282246310005", cvc="1234")
    assert token.card.brand == "American Express" and token.card.cvc_check == "unchecked"
    assert charge(source=token.id).payment_method_details.card.checks.cvc_check == "pass"


def test_radar_block_is_blocked():
    """4100000000000019 is blocked by Radar: fraudulent decline, outcome.type blocked."""
    for source in ("tok_radarBlock", card_token("4100000000000019").id):
        with pytest.raises(stripe.CardError) as info:
            charge(source=source)
        assert info.value.code == "card_declined"
        assert info.value.error.decline_code == "fraudulent"
        ch = stripe.Charge.retrieve(info.value.json_body["error"]["charge"])
        assert ch.status == "failed"
        assert (ch.outcome.type, ch.outcome.risk_level, ch.outcome.network_status) == \
            ("blocked", "highest", "not_sent_to_network")
        assert ch.outcome.seller_message == "Stripe blocked this payment as too risky."


@pytest.mark.parametrize("token,level,kind", [
    ("tok_riskLevelElevated", "elevated", "manual_review"),
    ("tok_riskLevelHighest", "highest", "authorized"),
])
def test_risk_levels_succeed_with_risk_level(token, level, kind):
    ch = charge(source=token)
    assert ch.status == "succeeded" and ch.outcome.risk_level == level
    assert ch.outcome.type == kind


@pytest.mark.parametrize("token,check,value", [
    ("tok_cvcCheckFail", "cvc_check", "fail"),
    ("tok_avsZipFail", "address_postal_code_check", None),
])
def test_check_failure_cards(token, check, value):
    ch = charge(source=token)
    assert getattr(ch.payment_method_details.card.checks, check) == value


def test_zip_check_fails_when_zip_given():
    token = card_token("4000000000000036", address_zip="12345")
    ch = charge(source=token.id)
    assert ch.payment_method_details.card.checks.address_postal_code_check == "fail"
    assert ch.billing_details.address.postal_code == "12345"


@pytest.mark.parametrize("token,decline_code", [
    ("tok_chargeCustomerFail", "generic_decline"),
    ("tok_visa_chargeCustomerFailLostCard", "lost_card"),
])
def test_attach_ok_then_charge_fails(token, decline_code):
    """0341 attaches to a customer, then charging the customer fails (§1.2)."""
    cus = stripe.Customer.create(source=token)
    assert cus.default_source.startswith("card_")
    with pytest.raises(stripe.CardError) as info:
        charge(customer=cus.id)
    assert info.value.error.decline_code == decline_code
    failed = stripe.Charge.retrieve(info.value.json_body["error"]["charge"])
    assert failed.customer == cus.id and failed.status == "failed"


def test_dispute_card_succeeds_then_dispute_event():
    ch = charge(source="tok_createDispute")
    assert ch.status == "succeeded"
    assert stripe.Charge.retrieve(ch.id).disputed is True
    (event,) = stripe.Event.list(type="charge.dispute.created").data
    dispute = event.data.object
    assert dispute.object == "dispute" and dispute.id.startswith("dp_")
    assert (dispute.charge, dispute.reason, dispute.amount) == (ch.id, "fraudulent", 2000)


def test_real_token_is_single_use():
    token = card_token("4242424242424242")
    charge(source=token.id)
    assert stripe.Token.retrieve(token.id).used is True
    with pytest.raises(stripe.InvalidRequestError) as info:
        charge(source=token.id)
    assert info.value.http_status == 400 and info.value.code == "token_already_used"
    assert info.value.user_message == \
        f"You cannot use a Stripe token more than once: {token.id}."


@pytest.mark.parametrize("call,status,message", [
    (lambda: charge(source="tok_doesnotexist"), 400, "No such token: 'tok_doesnotexist'"),
    (lambda: stripe.Charge.retrieve("ch_nope"), 404, "No such charge: 'ch_nope'"),
    (lambda: stripe.Customer.retrieve("cus_nope"), 404, "No such customer: 'cus_nope'"),
    (lambda: stripe.Refund.retrieve("re_nope"), 404, "No such refund: 're_nope'"),
    (lambda: stripe.Token.retrieve("tok_nope"), 404, "No such token: 'tok_nope'"),
    (lambda: stripe.Event.retrieve("evt_nope"), 404, "No such event: 'evt_nope'"),
    (lambda: charge(customer="cus_nope"), 400, "No such customer: 'cus_nope'"),
])
def test_unknown_ids_are_resource_missing(call, status, message):
    with pytest.raises(stripe.InvalidRequestError) as info:
        call()
    assert info.value.http_status == status and info.value.code == "resource_missing"
    assert info.value.user_message == message


def test_token_retrieve_and_card_fields(client):
    token = client.v1.tokens.create(params={"card": {
        "number": "4242 4242 4242 4242", "exp_month": "8", "exp_year": "34", "cvc": "123",
        "name": "Jenny Rosen", "address_zip": "94107"}})
    again = client.v1.tokens.retrieve(token.id)
    assert again.card.exp_year == 2034 and again.card.name == "Jenny Rosen"
    assert again.card.address_zip_check == "pass" and again.type == "card"
