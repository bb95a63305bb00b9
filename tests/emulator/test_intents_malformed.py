"""Malformed input to every new endpoint and page never gets a 5xx (the project's rule:
no input, however malformed, gets a 500): each is answered with a 4xx that says why."""
import itertools

import pytest
import requests

from .helpers import API_KEY, PUBLISHABLE_KEY

#: Values that break naive handlers: wrong shapes (a hash, an array), empty, huge, unicode.
NASTY = [{"x": "1"}, ["a", "b"], "", "-1", "0", "99999999999999999999999", "1e3", "✓",
         "pm_card_visa", "tok_visa", "true", "null", "\x00", "a" * 5000]
FIELDS = {
    "POST /v1/payment_methods": ["type", "card", "card[number]", "card[token]",
                                 "billing_details", "billing_details[address]", "metadata",
                                 "allow_redisplay"],
    "POST /v1/payment_methods/{pm}": ["metadata", "billing_details",
                                      "billing_details[address]", "card", "card[exp_month]",
                                      "allow_redisplay"],
    "POST /v1/payment_methods/{pm}/attach": ["customer"],
    "GET /v1/payment_methods": ["customer", "type", "limit", "starting_after"],
    "POST /v1/payment_intents": ["amount", "currency", "payment_method", "payment_method_data",
                                 "payment_method_data[card]", "confirm", "off_session",
                                 "automatic_payment_methods", "payment_method_options",
                                 "payment_method_options[card]", "return_url", "capture_method",
                                 "allowed_payment_method_types", "setup_future_usage",
                                 "customer", "metadata", "shipping", "shipping[address]",
                                 "transfer_group", "payment_method_configuration",
                                 "payment_method_options[card][capture_method]",
                                 "payment_method_options[card][network]",
                                 "payment_method_options[card][setup_future_usage]"],
    "POST /v1/payment_intents/{pi}": ["amount", "currency", "payment_method", "metadata",
                                      "payment_method_options", "customer",
                                      "excluded_payment_method_types", "shipping",
                                      "transfer_group", "payment_method_configuration"],
    "POST /v1/payment_intents/{pi}/confirm": ["payment_method", "payment_method_data",
                                              "return_url", "off_session", "client_secret",
                                              "payment_method_options[card]", "shipping"],
    "POST /v1/payment_intents/{pi}/capture": ["amount_to_capture", "metadata"],
    "POST /v1/payment_intents/{pi}/cancel": ["cancellation_reason"],
    "GET /v1/payment_intents/search": ["query", "limit", "page"],
    "GET /v1/payment_intents": ["customer", "created", "limit"],
    "POST /v1/setup_intents": ["customer", "usage", "payment_method", "confirm",
                               "payment_method_data", "return_url", "automatic_payment_methods",
                               "payment_method_options[card]",
                               "payment_method_configuration"],
    "POST /v1/setup_intents/{si}": ["payment_method_options", "payment_method_options[card]",
                                    "payment_method_configuration"],
    "POST /v1/setup_intents/{si}/confirm": ["payment_method", "return_url", "client_secret"],
    "POST /v1/checkout/sessions": ["mode", "line_items", "line_items[0]",
                                   "line_items[0][price_data]", "line_items[0][quantity]",
                                   "line_items[0][price_data][unit_amount]",
                                   "line_items[0][price_data][product_data]",
                                   "success_url", "cancel_url", "expires_at", "customer",
                                   "customer_email", "payment_intent_data", "automatic_tax",
                                   "ui_mode", "metadata", "customer_creation", "currency",
                                   "custom_fields", "custom_fields[0]", "custom_fields[0][key]",
                                   "custom_fields[0][dropdown]", "custom_text",
                                   "custom_text[submit]", "consent_collection",
                                   "consent_collection[payment_method_reuse_agreement]",
                                   "customer_update", "invoice_creation",
                                   "invoice_creation[invoice_data]",
                                   "invoice_creation[invoice_data][custom_fields]",
                                   "line_items[0][adjustable_quantity]", "after_expiration",
                                   "after_expiration[recovery]", "automatic_tax[liability]",
                                   "payment_method_options[card]", "payment_method_data",
                                   "phone_number_collection", "saved_payment_method_options",
                                   "shipping_address_collection",
                                   "shipping_address_collection[allowed_countries]",
                                   "tax_id_collection", "allow_promotion_codes",
                                   "redirect_on_completion", "payment_method_configuration",
                                   "payment_intent_data[shipping]", "discounts",
                                   "setup_intent_data"],
    "GET /v1/checkout/sessions": ["payment_intent", "customer_details", "status", "limit"],
    "GET /v1/checkout/sessions/{cs}/line_items": ["limit", "starting_after"],
    "POST /v1/refunds": ["payment_intent", "amount"],
}
BASE = {  # parameters that make each request otherwise valid, so the nasty one is reached
    "POST /v1/payment_methods": {"type": "card", "card[token]": "tok_visa"},
    "POST /v1/payment_intents": {"amount": "2000", "currency": "usd"},
    "POST /v1/checkout/sessions": {
        "mode": "payment", "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "2000",
        "line_items[0][price_data][product_data][name]": "A", "line_items[0][quantity]": "1"},
}


def _encode(name, value):
    """Form fields for ``name=value`` (a hash or an array spelled as the SDKs spell them)."""
    if isinstance(value, dict):
        return [(f"{name}[{k}]", v) for k, v in value.items()]
    if isinstance(value, list):
        return [(f"{name}[{i}]", v) for i, v in enumerate(value)]
    return [(name, value)]


@pytest.fixture
def objects(emu):
    """One of each object the paths name."""
    import stripe

    cus = stripe.Customer.create()
    pm = stripe.PaymentMethod.attach("pm_card_visa", customer=cus.id)
    pi = stripe.PaymentIntent.create(amount=2000, currency="usd")
    si = stripe.SetupIntent.create()
    cs = stripe.checkout.Session.create(mode="payment", line_items=[{"price_data": {
        "currency": "usd", "unit_amount": 2000, "product_data": {"name": "A"}},
        "quantity": 1}])
    return {"pm": pm.id, "pi": pi.id, "si": si.id, "cs": cs.id}


@pytest.mark.parametrize("route", FIELDS)
def test_no_5xx_for_malformed_parameters(emu, objects, route):
    """Every field of every new endpoint, with every nasty value: a 4xx or a 200."""
    method, path = route.split(" ")
    url = emu.url + path.format(**objects)
    statuses = set()
    for field, value in itertools.product(FIELDS[route], NASTY):
        form = [(k, v) for k, v in BASE.get(route, {}).items()
                if not k.startswith(field)] + _encode(field, value)
        headers = {"Authorization": f"Bearer {API_KEY}"}
        if method == "GET":
            resp = requests.get(url, params=form, headers=headers, timeout=10)
        else:
            resp = requests.post(url, data=form, headers=headers, timeout=10)
        assert resp.status_code < 500, (field, value, resp.text[:300])
        assert "error" in resp.json() or resp.status_code == 200
        statuses.add(resp.status_code)
    assert statuses & {400, 402, 404}  # the nasty values really were refused


@pytest.mark.parametrize("path", ["/c/pay/{cs}", "/c/pay/{cs}/return", "/3d_secure_2/hosted",
                                  "/3d_secure_2/authenticate", "/c/pay/cs_test_%00",
                                  "/c/pay/{cs}/nope"])
def test_pages_never_5xx(emu, objects, path):
    """The browser pages with nasty query strings and bodies: never a 5xx."""
    url = emu.url + path.format(**objects)
    for value in NASTY:
        fields = [f for name in ("email", "cardNumber", "cardExpiry", "cardCvc",
                                 "billingName", "billingPostalCode", "payment_intent",
                                 "payment_intent_client_secret", "source", "outcome",
                                 "setup_intent")
                  for f in _encode(name, value)]
        for resp in (requests.get(url, params=fields, timeout=10),
                     requests.post(url, data=fields, timeout=10)):
            assert resp.status_code < 500, (path, value, resp.text[:200])
    raw = requests.post(url, data=b"\xff\xfe%%%=&&==", timeout=10,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert raw.status_code < 500


def test_publishable_key_with_nasty_secrets(emu, objects):
    """Stripe.js's endpoints with wrong or malformed client secrets: 4xx, never 5xx."""
    for secret in NASTY:
        for method, path in (("GET", "/v1/payment_intents/{pi}"),
                             ("POST", "/v1/payment_intents/{pi}/confirm"),
                             ("GET", "/v1/setup_intents/{si}"),
                             ("POST", "/v1/setup_intents/{si}/confirm")):
            form = [("key", PUBLISHABLE_KEY)] + _encode("client_secret", secret)
            url = emu.url + path.format(**objects)
            resp = (requests.get(url, params=form, timeout=10) if method == "GET"
                    else requests.post(url, data=form, timeout=10))
            assert 400 <= resp.status_code < 500, (path, secret, resp.text[:200])


def test_the_pages_extra_fields_never_5xx(emu):
    """A Session asking for everything the page can collect, every field nasty."""
    import stripe

    line = {"price_data": {"currency": "usd", "unit_amount": 2000,
                           "product_data": {"name": "A"}}, "quantity": 1,
            "adjustable_quantity": {"enabled": True, "maximum": 5}}
    cs = stripe.checkout.Session.create(
        mode="payment", line_items=[line], phone_number_collection={"enabled": True},
        shipping_address_collection={"allowed_countries": ["US"]},
        tax_id_collection={"enabled": True},
        consent_collection={"terms_of_service": "required", "promotions": "auto"},
        custom_fields=[{"key": "k", "type": "numeric",
                        "label": {"type": "custom", "custom": "K"}}])
    names = ("quantity-0", "phone", "shippingName", "shippingAddressLine1",
             "shippingLocality", "shippingPostalCode", "shippingCountry", "custom-k",
             "taxIdType", "taxId", "promotionsConsent", "termsOfServiceConsent")
    good = {"email": "a@b.co", "cardNumber": "4242424242424242", "cardExpiry": "12/34",
            "cardCvc": "123", "billingName": "A", "billingPostalCode": "1"}
    for name, value in itertools.product(names, [*NASTY, "²", "٣"]):
        form = list(good.items()) + _encode(name, value)
        resp = requests.post(cs.url, data=form, timeout=10, allow_redirects=False)
        assert resp.status_code < 500, (name, value, resp.text[:200])
