"""Amount/currency validation (§6), auth errors (§2.3), wire format, unknown URLs, CORS."""
import base64

import pytest
import requests
import stripe

from .helpers import API_KEY, PUBLISHABLE_KEY, charge

NO_KEY = ("You did not provide an API key. You need to provide your API key in the "
          "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
          "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or "
          "we can help at https://support.stripe.com/.")


@pytest.mark.parametrize("params,code,param,message", [
    ({"amount": None}, "parameter_missing", "amount", "Missing required param: amount."),
    ({"currency": None}, "parameter_missing", "currency", "Missing required param: currency."),
    ({"amount": 20.0}, "parameter_invalid_integer", "amount", "Invalid integer: 20.0"),
    ({"amount": 49}, "amount_too_small", "amount", "Amount must be at least $0.50 usd"),
    ({"amount": 100_000_000}, "amount_too_large", "amount",
     "Amount must be no more than $999,999.99"),
    ({"amount": 29, "currency": "gbp"}, "amount_too_small", "amount",
     "Amount must be at least £0.30 gbp"),
    ({"amount": 49, "currency": "jpy"}, "amount_too_small", "amount",
     "Amount must be at least ¥50 jpy"),
    ({"amount": 5125, "currency": "kwd"}, "invalid_amount", "amount", None),
])
def test_amount_validation(params, code, param, message):
    """Bad amounts answer 400 invalid_request_error with Stripe's code and message."""
    full = {"amount": 2000, "currency": "usd", "source": "tok_visa", **params}
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.create(**{k: v for k, v in full.items() if v is not None})
    assert (info.value.http_status, info.value.code, info.value.param) == (400, code, param)
    if message:
        assert info.value.user_message == message
    assert stripe.Charge.list().data == []


def test_unknown_currency():
    with pytest.raises(stripe.InvalidRequestError) as info:
        charge(currency="xxx", source="tok_visa")
    assert info.value.param == "currency"
    assert info.value.user_message.startswith(
        "Invalid currency: xxx. Stripe currently supports these currencies: usd, aed,")


@pytest.mark.parametrize("currency,amount,fee", [
    ("jpy", 50, 1), ("jpy", 5000, 145), ("usd", 50, 31), ("eur", 1000, 59), ("kwd", 5120, 448),
])
def test_zero_and_three_decimal_currencies(currency, amount, fee):
    """JPY is zero-decimal (minimum ¥50), KWD three-decimal; fee is 2.9% + fixed."""
    ch = charge(amount=amount, currency=currency.upper(), source="tok_visa")
    assert ch.currency == currency and ch.amount == amount
    txn = stripe.BalanceTransaction.retrieve(ch.balance_transaction)
    assert txn.fee == fee and txn.net == amount - fee


def test_missing_source_and_customer():
    with pytest.raises(stripe.InvalidRequestError) as info:
        charge()
    assert info.value.user_message == "Must provide source or customer."
    assert info.value.code == "parameter_missing"


@pytest.mark.parametrize("key,message", [
    ("sk_test_abcdefghijklmnopqrstuvwx1234!", None),
    ("sk_live_" + "abcdefghijklmnopqrstuvwx1234",
     "Invalid API Key provided: sk_live_" + "*" * 24 + "1234"),
    ("garbage-key-5678", "Invalid API Key provided: " + "*" * 12 + "5678"),
    (PUBLISHABLE_KEY, "This API call cannot be made with a publishable API key. Please use a "
     "secret API key. You can find a list of your API keys at "
     "https://dashboard.stripe.com/account/apikeys."),
])
def test_bad_keys_get_401(key, message):
    with pytest.raises(stripe.AuthenticationError) as info:
        stripe.Charge.list(api_key=key)
    assert info.value.http_status == 401
    body = info.value.json_body["error"]
    assert set(body) == {"type", "message"} and body["type"] == "invalid_request_error"
    if message:
        assert body["message"] == message
    assert info.value.request_id.startswith("req_")


def test_no_key_message(emu):
    resp = requests.get(f"{emu.url}/v1/charges", timeout=5)
    assert resp.status_code == 401 and resp.json()["error"]["message"] == NO_KEY
    assert resp.headers["Request-Id"].startswith("req_")


def test_basic_auth_and_percent_encoded_query(emu):
    """Basic auth (curl -u sk_test_x:) and a percent-encoded GET query both work."""
    charge(source="tok_visa", metadata={"order_id": "6735"})
    auth = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
    resp = requests.get(f"{emu.url}/v1/charges/search?query=metadata%5B%27order_id%27%5D"
                        "%3A%276735%27&limit=1", headers={"Authorization": auth}, timeout=5)
    assert resp.status_code == 200 and len(resp.json()["data"]) == 1


def test_stripejs_style_token_with_publishable_key_and_cors(emu):
    """/v1/tokens accepts key=pk_test_… in the body, strips Stripe.js fields, allows CORS."""
    pre = requests.options(f"{emu.url}/v1/tokens", headers={
        "Origin": "http://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=5)
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    resp = requests.post(f"{emu.url}/v1/tokens", data={
        "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "34",
        "card[cvc]": "123", "key": PUBLISHABLE_KEY, "guid": "g", "muid": "m", "sid": "s",
        "payment_user_agent": "stripe.js/x", "time_on_page": "10", "referrer": "r",
        "pasted_fields": "number"}, headers={"Origin": "http://shop.example"}, timeout=5)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.json()["card"]["brand"] == "Visa"


def test_publishable_key_cannot_charge(emu):
    resp = requests.post(f"{emu.url}/v1/charges", data={"key": PUBLISHABLE_KEY,
                                                         "amount": "2000"}, timeout=5)
    assert resp.status_code == 401


def test_unknown_url_is_404():
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.StripeClient(API_KEY, base_addresses={"api": stripe.api_base}).raw_request(
            "get", "/v1/x")
    assert info.value.http_status == 404
    assert info.value.user_message.startswith("Unrecognized request URL (GET: /v1/x).")


@pytest.mark.parametrize("enabled", [True, False])
def test_card_token_end_of_life_policy(ctl, enabled):
    """With the policy on, tok_ sources on Charges and Customers get the 400 refusal."""
    ctl.set_policy(card_tokens_end_of_life=enabled)
    if not enabled:
        assert charge(source="tok_visa").status == "succeeded"
        return
    for call in (lambda: charge(source="tok_visa"),
                 lambda: stripe.Customer.create(source="tok_visa")):
        with pytest.raises(stripe.InvalidRequestError) as info:
            call()
        assert info.value.http_status == 400
        assert info.value.user_message.startswith(
            "Card Token usage on the Customers API and Charges API has reached end of life.")
        assert "https://dashboard.stripe.com/settings/developers/api-policies" in \
            info.value.user_message
    # Tokens themselves can still be created, and customers' saved cards still charge.
    assert stripe.Token.create(card={"number": "4242424242424242", "exp_month": 1,
                                     "exp_year": 2040}).id.startswith("tok_")


def test_raw_card_number_source_refused():
    with pytest.raises(stripe.CardError) as info:
        charge(source={"object": "card", "number": "4242424242424242", "exp_month": 12,
                       "exp_year": 2034})
    assert "Sending credit card numbers directly" in info.value.user_message
