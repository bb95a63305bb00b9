"""Every kind of object the emulator serves, validated against Stripe's OpenAPI schemas.

The schemas are a pinned extract of Stripe's published spec (``openapi/SOURCE.md``); each
answer is fetched through stripe-python's ``raw_request`` so the JSON is checked exactly as
served. Fields Stripe added after that spec are allowed only where ``NEWER_FIELDS`` names
them, each one present in stripe-node 23.1.0's 2026 types.
"""
import pytest
import stripe

from .helpers import PUBLISHABLE_KEY, card_token
from .openapi.validator import Spec

#: Fields newer than the pinned 2024-04-10 spec, each in stripe-node 23.1.0's 2026 types:
#: field -> the schema it is checked against (None: a scalar or null, not checked).
NULLABLE_STRING = {"type": "string", "nullable": True}
NEWER_FIELDS = {
    "api_errors": {"advice_code": {"type": "string"}},
    "billing_details": {"tax_id": NULLABLE_STRING},
    "card": {"allow_redisplay": NULLABLE_STRING, "regulated_status": NULLABLE_STRING},
    "charge": {"source": {"anyOf": [{"$ref": "#/components/schemas/card"}],
                          "nullable": True}},
    "charge_outcome": {"advice_code": NULLABLE_STRING, "network_advice_code": NULLABLE_STRING,
                       "network_decline_code": NULLABLE_STRING},
    "payment_method_details_card": {
        "authorization_code": NULLABLE_STRING, "electronic_commerce_indicator": NULLABLE_STRING,
        "network_transaction_id": NULLABLE_STRING, "regulated_status": NULLABLE_STRING,
        "transaction_link_id": NULLABLE_STRING},
    "balance_transaction": {"balance_type": {"type": "string"}},
    "dispute": {"enhanced_eligibility_types": {"type": "array", "items": {"type": "string"}},
                "intended_submission_method": NULLABLE_STRING,
                "network_reason_code": NULLABLE_STRING},
    "dispute_evidence": {"enhanced_evidence": {"type": "object"}},
    "dispute_evidence_details": {"enhanced_eligibility": {"type": "object"},
                                 "submission_method": {"type": "string"}},
    "dispute_payment_method_details_card": {"case_type": {"type": "string"},
                                            "network": {"type": "string"}},
    "refund": {"customer": NULLABLE_STRING, "customer_account": NULLABLE_STRING,
               "payment_method": NULLABLE_STRING},
    "payment_method": {"customer_account": NULLABLE_STRING},
    "payment_intent": {"customer_account": NULLABLE_STRING,
                       "excluded_payment_method_types": {
                           "type": "array", "items": {"type": "string"}, "nullable": True},
                       "managed_payments": {"type": "object", "nullable": True},
                       "source": NULLABLE_STRING},
    "setup_intent": {"excluded_payment_method_types": {
        "type": "array", "items": {"type": "string"}, "nullable": True}},
    "checkout.session": {"adaptive_pricing": {"type": "object", "nullable": True},
                         "collected_information": {"type": "object", "nullable": True},
                         "customer_account": NULLABLE_STRING,
                         "discounts": {"type": "array", "nullable": True},
                         "integration_identifier": NULLABLE_STRING,
                         "managed_payments": {"type": "object", "nullable": True},
                         "origin_context": NULLABLE_STRING,
                         "permissions": {"type": "object", "nullable": True},
                         "wallet_options": {"type": "object", "nullable": True}},
    "payment_pages_checkout_session_customer_details": {"business_name": NULLABLE_STRING,
                                                        "individual_name": NULLABLE_STRING},
    "payment_pages_checkout_session_automatic_tax": {"provider": NULLABLE_STRING},
    "item": {"adjustable_quantity": {"type": "object", "nullable": True},
             "metadata": {"type": "object", "nullable": True,
                          "additionalProperties": {"type": "string"}}},
    "payment_method_card": {"regulated_status": NULLABLE_STRING},
}
#: Enum values newer than the pinned spec, each in stripe-node 23.1.0's types: (schema,
#: field) -> the values added (2026-03-25.dahlia renamed Checkout's ui_mode values).
NEWER_VALUES = {("checkout.session", "ui_mode"): ["hosted_page", "embedded_page", "elements",
                                                  "form"]}
SPEC = Spec(newer_fields=NEWER_FIELDS)
for (_schema, _field), _values in NEWER_VALUES.items():
    SPEC.schemas[_schema]["properties"][_field]["enum"] += _values


def raw(client, method, path, **params):
    """``(status, JSON body)`` of one request made through stripe-python."""
    try:
        resp = client.raw_request(method, path, **params)
    except stripe.StripeError as exc:
        return exc.http_status, exc.json_body
    return resp.code, resp.data


def ok(client, method, path, **params):
    status, body = raw(client, method, path, **params)
    assert status == 200, body
    return body


def _charges(client):
    visa = ok(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa",
              description="Course", metadata={"order_id": "1"}, receipt_email="a@b.co",
              statement_descriptor_suffix="COURSE")
    cus = ok(client, "post", "/v1/customers", source="tok_mastercard", email="c@d.co")
    samples = [("POST /v1/charges", visa)]
    samples.append(("POST /v1/charges", ok(
        client, "post", "/v1/charges", amount=700, currency="usd", source="tok_visa",
        transfer_group="order-1", radar_options={"session": "rse_1"},
        shipping={"name": "Jenny Rosen", "carrier": "UPS", "tracking_number": "1Z",
                  "phone": "+15555550100",
                  "address": {"line1": "1 Main St", "city": "SF", "country": "US"}})))
    samples.append(("POST /v1/charges", ok(client, "post", "/v1/charges", amount=1000,
                                           currency="jpy", customer=cus["id"],
                                           expand=["customer", "balance_transaction"])))
    held = ok(client, "post", "/v1/charges", amount=500, currency="eur",
              source="tok_amex", capture="false")
    samples.append(("POST /v1/charges", held))
    samples.append(("POST /v1/charges/{charge}/capture",
                    ok(client, "post", f"/v1/charges/{held['id']}/capture", amount=400)))
    for token in ("tok_chargeDeclined", "tok_radarBlock", "tok_cvcCheckFail"):
        status, body = raw(client, "post", "/v1/charges", amount=2000, currency="usd",
                           source=token)
        failed = body["id"] if status == 200 else body["error"]["charge"]
        samples.append(("GET /v1/charges/{charge}",
                        ok(client, "get", f"/v1/charges/{failed}")))
    for token in ("tok_riskLevelElevated", "tok_riskLevelHighest", "tok_createDispute",
                  "tok_createDisputeInquiry", "tok_chargeCustomerFail"):
        status, body = raw(client, "post", "/v1/charges", amount=2000, currency="usd",
                           source=token)
        samples.append(("POST /v1/charges", body) if status == 200 else ("error", body))
    samples.append(("POST /v1/charges/{charge}", ok(
        client, "post", f"/v1/charges/{visa['id']}", metadata={"order_id": "2"},
        description="Renamed", fraud_details={"user_report": "safe"},
        shipping={"name": "N", "address": {"line1": "2 Side St"}})))
    ok(client, "post", "/v1/refunds", charge=visa["id"], amount=100)
    samples.append(("POST /v1/charges/{charge}/refund",
                    ok(client, "post", f"/v1/charges/{visa['id']}/refund")))
    samples.append(("GET /v1/charges/{charge}", ok(
        client, "get", f"/v1/charges/{visa['id']}",
        expand=["refunds", "balance_transaction"])))
    return samples


def _tokens(client):
    token = card_token("4242424242424242", name="Jenny Rosen", address_zip="94107",
                       address_line1="1 Main St", address_country="US")
    samples = [("POST /v1/tokens", ok(client, "post", "/v1/tokens", card={
        "number": "378282246310005", "exp_month": 1, "exp_year": 2035, "cvc": "1234"})),
        ("GET /v1/tokens/{token}", ok(client, "get", f"/v1/tokens/{token.id}")),
        ("GET /v1/tokens/{token}", ok(client, "get", "/v1/tokens/tok_visa"))]
    ok(client, "post", "/v1/charges", amount=2000, currency="usd", source=token.id)
    samples.append(("GET /v1/tokens/{token}", ok(client, "get", f"/v1/tokens/{token.id}")))
    return samples


def _customers(client):
    plain = ok(client, "post", "/v1/customers", email="p@q.co", name="P", phone="+1555",
               description="d", metadata={"k": "v"}, balance=-500, invoice_prefix="ABC123",
               next_invoice_sequence=7, preferred_locales=["en", "fr"], tax_exempt="exempt",
               address={"line1": "1 Main St", "postal_code": "94107", "country": "US"},
               shipping={"name": "P", "phone": "+1555", "address": {"line1": "1 Main St"}},
               invoice_settings={"footer": "Thanks", "custom_fields": [
                   {"name": "VAT", "value": "GB1"}],
                   "rendering_options": {"amount_tax_display": "exclude_tax"}})
    with_card = ok(client, "post", "/v1/customers", source="tok_visa",
                   expand=["sources", "default_source"])
    gone = ok(client, "post", "/v1/customers")
    return [
        ("POST /v1/customers", plain), ("POST /v1/customers", with_card),
        ("POST /v1/customers/{customer}", ok(client, "post", f"/v1/customers/{plain['id']}",
                                             source="tok_amex", metadata={"k": ""})),
        ("POST /v1/customers/{customer}", ok(client, "post", f"/v1/customers/{plain['id']}",
                                             address="", shipping="", invoice_settings={
                                                 "custom_fields": "", "footer": "",
                                                 "rendering_options": ""})),
        ("GET /v1/customers/{customer}", ok(client, "get", f"/v1/customers/{plain['id']}",
                                            expand=["sources"])),
        ("DELETE /v1/customers/{customer}", ok(client, "delete",
                                               f"/v1/customers/{gone['id']}")),
        ("GET /v1/customers/{customer}", ok(client, "get", f"/v1/customers/{gone['id']}")),
    ]


def _cards(client):
    cus = ok(client, "post", "/v1/customers", source="tok_visa")
    added = ok(client, "post", f"/v1/customers/{cus['id']}/sources", source="tok_mastercard",
               metadata={"label": "work"})
    return [
        ("POST /v1/customers/{customer}/sources", added),
        ("GET /v1/customers/{customer}/sources/{id}", ok(
            client, "get", f"/v1/customers/{cus['id']}/sources/{added['id']}")),
        ("DELETE /v1/customers/{customer}/sources/{id}", ok(
            client, "delete", f"/v1/customers/{cus['id']}/sources/{added['id']}")),
        ("card", ok(client, "get", f"/v1/customers/{cus['id']}",
                    expand=["default_source"])["default_source"]),
        ("card", ok(client, "post", "/v1/charges", amount=999, currency="usd",
                    source=card_token("4000056655665556").id)["source"]),
    ]


def _refunds(client):
    ch = ok(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa")
    held = ok(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa",
              capture="false")
    first = ok(client, "post", "/v1/refunds", charge=ch["id"], amount=500,
               reason="requested_by_customer", metadata={"order_id": "1"})
    return [
        ("POST /v1/refunds", first),
        ("POST /v1/charges/{charge}/refunds", ok(client, "post",
                                                 f"/v1/charges/{ch['id']}/refunds")),
        ("POST /v1/refunds", ok(client, "post", "/v1/refunds", charge=held["id"])),
        ("POST /v1/refunds/{refund}", ok(client, "post", f"/v1/refunds/{first['id']}",
                                         metadata={"note": "x"})),
        ("GET /v1/refunds/{refund}", ok(client, "get", f"/v1/refunds/{first['id']}",
                                        expand=["charge", "balance_transaction"])),
    ]


def _disputes(client):
    samples = []
    for token in ("tok_createDispute", "tok_createDisputeProductNotReceived",
                  "tok_createDisputeInquiry"):
        ch = ok(client, "post", "/v1/charges", amount=2000, currency="usd", source=token)
        listed = ok(client, "get", "/v1/disputes", charge=ch["id"])
        samples.append(("GET /v1/disputes/{dispute}", ok(
            client, "get", f"/v1/disputes/{listed['data'][0]['id']}", expand=["charge"])))
    return samples


def _balance_transactions(client):
    ch = ok(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa")
    refund = ok(client, "post", "/v1/refunds", charge=ch["id"], amount=300)
    return [
        ("GET /v1/balance_transactions/{id}", ok(
            client, "get", f"/v1/balance_transactions/{ch['balance_transaction']}",
            expand=["source"])),
        ("GET /v1/balance/history/{id}", ok(
            client, "get", f"/v1/balance/history/{refund['balance_transaction']}")),
        ("GET /v1/balance", ok(client, "get", "/v1/balance")),
    ]


def _payment_methods(client):
    """PaymentMethods: made by Stripe.js (publishable key), from a token, from test ids,
    attached, updated, listed, detached, and a legacy card read as one."""
    import requests

    browser = requests.post(f"{stripe.api_base}/v1/payment_methods",
                            data={"type": "card", "card[number]": "4000000000000036",
                                  "card[exp_month]": "12", "card[exp_year]": "34",
                                  "card[cvc]": "123", "key": PUBLISHABLE_KEY,
                                  "billing_details[name]": "Jenny Rosen",
                                  "billing_details[address][postal_code]": "94107",
                                  "billing_details[address][line1]": "1 Main St"},
                            timeout=10).json()
    cus = ok(client, "post", "/v1/customers", email="pm@example.com", source="tok_visa")
    from_token = ok(client, "post", "/v1/payment_methods", type="card",
                    card={"token": "tok_mastercard"}, metadata={"k": "v"})
    attached = ok(client, "post", f"/v1/payment_methods/{browser['id']}/attach",
                  customer=cus["id"])
    samples = [
        ("POST /v1/payment_methods", browser), ("POST /v1/payment_methods", from_token),
        ("POST /v1/payment_methods/{payment_method}/attach", attached),
        ("POST /v1/payment_methods/{payment_method}/attach", ok(
            client, "post", "/v1/payment_methods/pm_card_amex/attach", customer=cus["id"],
            expand=["customer"])),
        ("POST /v1/payment_methods/{payment_method}", ok(
            client, "post", f"/v1/payment_methods/{browser['id']}", metadata={"a": "b"},
            billing_details={"email": "j@example.com"})),
        ("GET /v1/payment_methods/{payment_method}", ok(
            client, "get", f"/v1/payment_methods/{cus['default_source']}")),
        ("GET /v1/payment_methods", ok(client, "get", "/v1/payment_methods",
                                       customer=cus["id"], type="card")),
        ("GET /v1/payment_methods", ok(client, "get", "/v1/payment_methods", limit=2)),
        ("GET /v1/customers/{customer}/payment_methods", ok(
            client, "get", f"/v1/customers/{cus['id']}/payment_methods")),
        ("GET /v1/customers/{customer}/payment_methods/{payment_method}", ok(
            client, "get", f"/v1/customers/{cus['id']}/payment_methods/{browser['id']}")),
        ("POST /v1/payment_methods/{payment_method}/detach", ok(
            client, "post", f"/v1/payment_methods/{browser['id']}/detach")),
    ]
    status, declined = raw(client, "post", "/v1/payment_methods/pm_card_chargeDeclined/attach",
                           customer=cus["id"])
    assert status == 402
    samples.append(("error", declined))
    return samples


def _payment_intents(client):
    """PaymentIntents in every status, through every endpoint, and their 402/400 bodies."""
    import requests

    ret = "https://shop.example/return"
    cus = ok(client, "post", "/v1/customers", email="pi@example.com")
    bare = ok(client, "post", "/v1/payment_intents", amount=2000, currency="usd",
              customer=cus["id"], metadata={"order_id": "1"}, description="Course",
              receipt_email="pi@example.com", statement_descriptor_suffix="COURSE")
    paid = ok(client, "post", "/v1/payment_intents", amount=2000, currency="eur",
              payment_method="pm_card_visa", confirm=True, return_url=ret,
              customer=cus["id"], setup_future_usage="off_session",
              expand=["latest_charge", "payment_method"])
    action = ok(client, "post", "/v1/payment_intents", amount=2000, currency="usd",
                payment_method="pm_card_authenticationRequired", confirm=True,
                return_url=ret)
    sdk = ok(client, "post", "/v1/payment_intents", amount=2000, currency="usd",
             payment_method="pm_card_threeDSecure2Required", confirm=True,
             use_stripe_sdk=True, allowed_payment_method_types=["card"])
    held = ok(client, "post", "/v1/payment_intents", amount=2000, currency="usd",
              payment_method="pm_card_visa", confirm=True, return_url=ret,
              capture_method="manual")
    options = ok(client, "post", "/v1/payment_intents", amount=2000, currency="usd",
                 payment_method="pm_card_visa", confirm=True, return_url=ret,
                 shipping={"name": "J R", "address": {"line1": "1 Main St"}},
                 transfer_group="order-1", payment_method_configuration=paid[
                     "payment_method_configuration_details"]["id"],
                 payment_method_options={"card": {"capture_method": "manual",
                                                  "setup_future_usage": "none",
                                                  "network": "visa"}},
                 expand=["latest_charge"])
    samples = [("POST /v1/payment_intents", x) for x in (bare, paid, action, sdk, held,
                                                         options)]
    samples += [
        ("POST /v1/payment_intents/{intent}", ok(
            client, "post", f"/v1/payment_intents/{bare['id']}", amount=2500,
            payment_method="pm_card_mastercard", metadata={"k": "v"})),
        ("POST /v1/payment_intents/{intent}/confirm", ok(
            client, "post", f"/v1/payment_intents/{bare['id']}/confirm", return_url=ret)),
        ("POST /v1/payment_intents/{intent}/capture", ok(
            client, "post", f"/v1/payment_intents/{held['id']}/capture",
            amount_to_capture=1000, expand=["latest_charge.balance_transaction"])),
        ("POST /v1/payment_intents/{intent}/cancel", ok(
            client, "post", f"/v1/payment_intents/{action['id']}/cancel",
            cancellation_reason="abandoned")),
        ("GET /v1/payment_intents/{intent}", ok(
            client, "get", f"/v1/payment_intents/{paid['id']}", expand=["customer"])),
        ("GET /v1/payment_intents", ok(client, "get", "/v1/payment_intents",
                                       customer=cus["id"])),
        ("GET /v1/payment_intents/search", ok(client, "get", "/v1/payment_intents/search",
                                              query="metadata['order_id']:'1'")),
    ]
    browser = requests.get(f"{stripe.api_base}/v1/payment_intents/{sdk['id']}", timeout=10,
                           params={"key": PUBLISHABLE_KEY,
                                   "client_secret": sdk["client_secret"]}).json()
    samples.append(("GET /v1/payment_intents/{intent}", browser))
    failed_auth = ok(client, "post", "/v1/payment_intents", amount=2000, currency="usd",
                     payment_method="pm_card_authenticationRequired", confirm=True,
                     return_url=ret)
    page = requests.get(failed_auth["next_action"]["redirect_to_url"]["url"], timeout=10).text
    import re

    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page))
    requests.post(f"{stripe.api_base}/3d_secure_2/authenticate", timeout=10,
                  data={**fields, "outcome": "fail"}, allow_redirects=False)
    samples.append(("GET /v1/payment_intents/{intent}",
                    ok(client, "get", f"/v1/payment_intents/{failed_auth['id']}")))
    for pm in ("pm_card_visa_chargeDeclinedInsufficientFunds", "pm_card_radarBlock"):
        status, body = raw(client, "post", "/v1/payment_intents", amount=2000, currency="usd",
                           payment_method=pm, confirm=True, return_url=ret)
        assert status == 402
        samples.append(("error", body))
    saved = ok(client, "post", "/v1/payment_methods/pm_card_authenticationRequired/attach",
               customer=cus["id"])
    status, body = raw(client, "post", "/v1/payment_intents", amount=2000, currency="usd",
                       payment_method=saved["id"], customer=cus["id"], confirm=True,
                       off_session=True)
    assert status == 402
    samples.append(("error", body))
    status, body = raw(client, "post", f"/v1/payment_intents/{paid['id']}/cancel")
    assert status == 400
    samples.append(("error", body))
    samples.append(("POST /v1/refunds", ok(client, "post", "/v1/refunds",
                                           payment_intent=paid["id"], amount=100)))
    return samples


def _setup_intents(client):
    """SetupIntents in each status through each endpoint, and their 402 and 400 bodies."""
    import requests

    ret = "https://shop.example/saved"
    cus = ok(client, "post", "/v1/customers", email="si@example.com")
    bare = ok(client, "post", "/v1/setup_intents", customer=cus["id"], usage="on_session",
              metadata={"k": "v"}, description="Save a card")
    done = ok(client, "post", "/v1/setup_intents", customer=cus["id"], confirm=True,
              payment_method="pm_card_visa", return_url=ret, expand=["payment_method"])
    action = ok(client, "post", "/v1/setup_intents", customer=cus["id"], confirm=True,
                payment_method="pm_card_authenticationRequiredOnSetup", return_url=ret)
    sdk = ok(client, "post", "/v1/setup_intents", customer=cus["id"], confirm=True,
             payment_method="pm_card_threeDSecure2Required", use_stripe_sdk=True,
             allowed_payment_method_types=["card"])
    options = ok(client, "post", "/v1/setup_intents", customer=cus["id"],
                 payment_method_options={"card": {"network": "visa",
                                                  "request_three_d_secure": "any"}},
                 payment_method_configuration=done[
                     "payment_method_configuration_details"]["id"])
    samples = [("POST /v1/setup_intents", x) for x in (bare, done, action, sdk, options)]
    samples += [
        ("POST /v1/setup_intents/{intent}", ok(client, "post", f"/v1/setup_intents/{bare['id']}",
                                               payment_method="pm_card_mastercard")),
        ("POST /v1/setup_intents/{intent}/confirm", ok(
            client, "post", f"/v1/setup_intents/{bare['id']}/confirm", return_url=ret)),
        ("POST /v1/setup_intents/{intent}/cancel", ok(
            client, "post", f"/v1/setup_intents/{action['id']}/cancel",
            cancellation_reason="requested_by_customer")),
        ("GET /v1/setup_intents/{intent}", ok(client, "get", f"/v1/setup_intents/{done['id']}",
                                              expand=["customer"])),
        ("GET /v1/setup_intents", ok(client, "get", "/v1/setup_intents", customer=cus["id"])),
        ("GET /v1/setup_intents/{intent}", requests.get(
            f"{stripe.api_base}/v1/setup_intents/{sdk['id']}", timeout=10,
            params={"key": PUBLISHABLE_KEY, "client_secret": sdk["client_secret"]}).json()),
    ]
    status, body = raw(client, "post", "/v1/setup_intents", customer=cus["id"], confirm=True,
                       payment_method="pm_card_chargeDeclined", return_url=ret)
    assert status == 402
    samples.append(("error", body))
    status, body = raw(client, "post", f"/v1/setup_intents/{done['id']}/confirm",
                       return_url=ret)
    assert status == 400
    samples.append(("error", body))
    return samples


def _checkout_sessions(client):
    """Checkout Sessions open, paid on the hosted page, expired; their line items; errors."""
    import requests

    items = [{"price_data": {"currency": "usd", "unit_amount": 3450,
                             "product_data": {"name": "Course", "metadata": {"k": "v"}}},
              "quantity": 2, "metadata": {"line": "1"}}]
    cus = ok(client, "post", "/v1/customers", email="cs@example.com")
    open_ = ok(client, "post", "/v1/checkout/sessions", mode="payment", line_items=items,
               success_url="https://shop.example/ok?s={CHECKOUT_SESSION_ID}",
               cancel_url="https://shop.example/back", client_reference_id="1",
               metadata={"order_id": "1"}, customer_email="cs@example.com",
               payment_intent_data={"metadata": {"order_id": "1"}, "description": "Course"},
               automatic_tax={"enabled": False})
    paid = ok(client, "post", "/v1/checkout/sessions", mode="payment", line_items=items,
              customer=cus["id"], payment_intent_data={"setup_future_usage": "off_session"})
    requests.post(paid["url"], timeout=10, allow_redirects=False, data={
        "email": "cs@example.com", "cardNumber": "4242424242424242", "cardExpiry": "12/34",
        "cardCvc": "123", "billingName": "C S", "billingPostalCode": "94107"})
    gone = ok(client, "post", "/v1/checkout/sessions", mode="payment", line_items=items,
              customer_creation="always")
    settings = ok(
        client, "post", "/v1/checkout/sessions", mode="payment", customer=cus["id"],
        line_items=[{**items[0], "adjustable_quantity": {"enabled": True, "maximum": 5}}],
        currency="usd", allow_promotion_codes=True, payment_method_collection="always",
        after_expiration={"recovery": {"enabled": False}},
        automatic_tax={"enabled": False, "liability": {"type": "self"}},
        consent_collection={"terms_of_service": "required", "promotions": "auto",
                            "payment_method_reuse_agreement": {"position": "hidden"}},
        custom_fields=[{"key": "school", "label": {"type": "custom", "custom": "School"},
                        "type": "dropdown", "dropdown": {"options": [
                            {"label": "North", "value": "north"}]}},
                       {"key": "seat", "label": {"type": "custom", "custom": "Seat"},
                        "type": "numeric", "optional": True,
                        "numeric": {"maximum_length": 3}},
                       {"key": "note", "label": {"type": "custom", "custom": "Note"},
                        "type": "text", "optional": True}],
        custom_text={"submit": {"message": "Thanks"}, "after_submit": ""},
        customer_update={"name": "auto", "address": "auto", "shipping": "auto"},
        invoice_creation={"enabled": False, "invoice_data": {
            "description": "Course", "footer": "f", "metadata": {"k": "v"},
            "custom_fields": [{"name": "PO", "value": "1"}],
            "rendering_options": {"amount_tax_display": "exclude_tax"}}},
        payment_intent_data={"shipping": {"name": "J R", "address": {"line1": "1 Main"}},
                             "transfer_group": "order-1"},
        payment_method_configuration="pmc_1EmulatorDefaultConfiguration",
        payment_method_data={"allow_redisplay": "limited"},
        payment_method_options={"card": {"request_three_d_secure": "any",
                                         "setup_future_usage": "on_session"}},
        phone_number_collection={"enabled": True}, tax_id_collection={"enabled": True},
        saved_payment_method_options={"allow_redisplay_filters": ["always"],
                                      "payment_method_save": "enabled"},
        shipping_address_collection={"allowed_countries": ["US", "CA"]})
    taxed_items = [{"quantity": 1, "price_data": {
        "currency": "eur", "unit_amount": 6900, "tax_behavior": "exclusive",
        "product_data": {"name": "Course", "tax_code": "txcd_10000000"}}}]
    taxed = ok(client, "post", "/v1/checkout/sessions", mode="payment",
               line_items=taxed_items, automatic_tax={"enabled": True},
               success_url="https://shop.example/ok")
    card = {"email": "cs@example.com", "cardNumber": "4242424242424242",
            "cardExpiry": "12/34", "cardCvc": "123", "billingName": "C S",
            "billingPostalCode": "10115", "billingCountry": "DE"}
    for shown in ("6900", "8211"):  # the page shows the taxed total, then charges it
        requests.post(taxed["url"], timeout=10, allow_redirects=False,
                      data={**card, "shownTotal": shown})
    samples = [
        ("POST /v1/checkout/sessions", taxed),
        ("GET /v1/checkout/sessions/{session}", ok(
            client, "get", f"/v1/checkout/sessions/{taxed['id']}",
            expand=["line_items", "total_details.breakdown"])),
        ("POST /v1/checkout/sessions", open_), ("POST /v1/checkout/sessions", gone),
        ("POST /v1/checkout/sessions", settings),
        ("GET /v1/checkout/sessions/{session}/line_items", ok(
            client, "get", f"/v1/checkout/sessions/{settings['id']}/line_items")),
        ("GET /v1/checkout/sessions/{session}", ok(
            client, "get", f"/v1/checkout/sessions/{paid['id']}",
            expand=["line_items", "payment_intent.latest_charge", "customer"])),
        ("GET /v1/checkout/sessions/{session}", ok(
            client, "get", f"/v1/checkout/sessions/{open_['id']}")),
        ("POST /v1/checkout/sessions/{session}/expire", ok(
            client, "post", f"/v1/checkout/sessions/{gone['id']}/expire")),
        ("GET /v1/checkout/sessions", ok(client, "get", "/v1/checkout/sessions")),
        ("GET /v1/checkout/sessions/{session}/line_items", ok(
            client, "get", f"/v1/checkout/sessions/{open_['id']}/line_items")),
    ]
    for bad in ({"mode": "payment"}, {"mode": "payment", "line_items": items,
                                      "automatic_tax": {"enabled": True}}):
        status, body = raw(client, "post", "/v1/checkout/sessions", **bad)
        assert status == 400
        samples.append(("error", body))
    status, body = raw(client, "post", f"/v1/checkout/sessions/{gone['id']}/expire")
    assert status == 400
    samples.append(("error", body))
    return samples


def _events(client):
    """One event of every type the emulator emits, and its ``data.object``."""
    _charges(client)
    _refunds(client)
    cus = ok(client, "post", "/v1/customers", source="tok_visa")
    ok(client, "post", f"/v1/customers/{cus['id']}/sources", source="tok_amex")
    ok(client, "delete", f"/v1/customers/{cus['id']}/sources/{cus['default_source']}")
    ok(client, "post", f"/v1/customers/{cus['id']}", email="new@example.com")
    ok(client, "delete", f"/v1/customers/{cus['id']}")
    _payment_methods(client)
    _payment_intents(client)
    _setup_intents(client)
    _checkout_sessions(client)
    events = [e for page in _pages(client, "/v1/events") for e in page]
    seen = {e["type"] for e in events}
    assert seen >= {"charge.succeeded", "charge.failed", "charge.captured", "charge.updated",
                    "charge.refunded", "refund.created", "charge.dispute.created",
                    "customer.created", "customer.updated", "customer.deleted",
                    "customer.source.created", "customer.source.deleted",
                    "payment_method.attached", "payment_method.updated",
                    "payment_method.detached", "payment_intent.created",
                    "payment_intent.succeeded", "payment_intent.requires_action",
                    "payment_intent.payment_failed", "payment_intent.canceled",
                    "payment_intent.amount_capturable_updated", "setup_intent.created",
                    "setup_intent.succeeded", "setup_intent.requires_action",
                    "setup_intent.setup_failed", "setup_intent.canceled",
                    "checkout.session.completed", "checkout.session.expired"}, seen
    samples = []
    for event in events:
        samples.append(("GET /v1/events/{id}", ok(client, "get", f"/v1/events/{event['id']}")))
        samples.append((event["data"]["object"]["object"], event["data"]["object"]))
    return samples


def _pages(client, path):
    """Every page of a list, 100 at a time."""
    after = None
    while True:
        page = ok(client, "get", path, limit=100, **({"starting_after": after} if after
                                                     else {}))
        yield page["data"]
        if not page["has_more"]:
            return
        after = page["data"][-1]["id"]


def _lists(client):
    _charges(client)
    ch = ok(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa",
            metadata={"order_id": "42"})
    ok(client, "post", "/v1/refunds", charge=ch["id"], amount=10)
    cus = ok(client, "post", "/v1/customers", source="tok_visa", email="l@m.co")
    return [
        ("GET /v1/charges", ok(client, "get", "/v1/charges", limit=3,
                               expand=["data.customer"])),
        ("GET /v1/charges/{charge}/refunds", ok(client, "get",
                                                f"/v1/charges/{ch['id']}/refunds")),
        ("GET /v1/customers", ok(client, "get", "/v1/customers")),
        ("GET /v1/customers/{customer}/sources", ok(
            client, "get", f"/v1/customers/{cus['id']}/sources")),
        ("GET /v1/refunds", ok(client, "get", "/v1/refunds", charge=ch["id"])),
        ("GET /v1/disputes", ok(client, "get", "/v1/disputes")),
        ("GET /v1/events", ok(client, "get", "/v1/events", limit=5)),
        ("GET /v1/balance_transactions", ok(client, "get", "/v1/balance_transactions")),
        ("GET /v1/balance/history", ok(client, "get", "/v1/balance/history", type="refund")),
        ("GET /v1/events", ok(client, "get", "/v1/events", type="nothing.matches")),
    ]


def _search_results(client):
    _charges(client)
    ok(client, "post", "/v1/customers", email="s@t.co", name="Search Me")
    page = ok(client, "get", "/v1/charges/search", query="status:'succeeded'", limit=1)
    assert page["has_more"] and page["next_page"]
    return [
        ("GET /v1/charges/search", page),
        ("GET /v1/charges/search", ok(client, "get", "/v1/charges/search",
                                      query="status:'succeeded'", page=page["next_page"],
                                      expand=["data.customer"])),
        ("GET /v1/charges/search", ok(client, "get", "/v1/charges/search",
                                      query="metadata['none']:'x'")),
        ("GET /v1/customers/search", ok(client, "get", "/v1/customers/search",
                                        query="name~'Search'")),
    ]


def _errors(client, emu):
    cases = [
        raw(client, "post", "/v1/charges", amount=2000, currency="usd",
            source="tok_chargeDeclinedInsufficientFunds"),
        raw(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa",
            colour="red"),
        raw(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa",
            on_behalf_of="acct_1"),
        raw(client, "post", "/v1/charges", currency="usd", source="tok_visa"),
        raw(client, "get", "/v1/charges/ch_nope"),
        raw(client, "post", "/v1/tokens", card={"number": "4242424242424241",
                                                 "exp_month": 1, "exp_year": 2035}),
        raw(client, "get", "/v1/charges", stripe_version="2019-2-19"),
        raw(client, "get", "/v1/charges/search", query="nonsense"),
        raw(client, "get", "/v1/nowhere"),
        raw(stripe.StripeClient("sk_live_nope", base_addresses={"api": emu.url}),
            "get", "/v1/charges"),
    ]
    ok(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa",
       idempotency_key="k1")
    cases.append(raw(client, "post", "/v1/charges", amount=2001, currency="usd",
                     source="tok_visa", idempotency_key="k1"))
    statuses = sorted({status for status, _ in cases})
    assert statuses == [400, 401, 402, 404], statuses
    return [("error", body) for _, body in cases]


def _account(client):
    own = ok(client, "get", "/v1/account")
    return [("GET /v1/account", own),
            ("GET /v1/accounts/{account}", ok(client, "get", f"/v1/accounts/{own['id']}")),
            ("GET /v1/accounts", ok(client, "get", "/v1/accounts"))]


def _webhook_endpoints(client):
    created = ok(client, "post", "/v1/webhook_endpoints", url="https://127.0.0.1:9/hook",
                 enabled_events=["charge.succeeded"], description="d", metadata={"k": "v"},
                 api_version="2024-04-10")
    plain = ok(client, "post", "/v1/webhook_endpoints", url="http://127.0.0.1:9/x",
               enabled_events=["*"])
    return [
        ("POST /v1/webhook_endpoints", created), ("POST /v1/webhook_endpoints", plain),
        ("GET /v1/webhook_endpoints/{webhook_endpoint}", ok(
            client, "get", f"/v1/webhook_endpoints/{created['id']}")),
        ("POST /v1/webhook_endpoints/{webhook_endpoint}", ok(
            client, "post", f"/v1/webhook_endpoints/{created['id']}", disabled=True,
            description="", enabled_events=["charge.refunded", "refund.created"])),
        ("GET /v1/webhook_endpoints", ok(client, "get", "/v1/webhook_endpoints", limit=1)),
        ("DELETE /v1/webhook_endpoints/{webhook_endpoint}", ok(
            client, "delete", f"/v1/webhook_endpoints/{plain['id']}")),
    ]


KINDS = {
    "charge": _charges, "token": _tokens, "customer": _customers, "card source": _cards,
    "refund": _refunds, "dispute": _disputes, "balance transaction": _balance_transactions,
    "event": _events, "list object": _lists, "search result": _search_results,
    "error": _errors, "payment method": _payment_methods, "payment intent": _payment_intents,
    "setup intent": _setup_intents, "checkout session": _checkout_sessions,
    "account": _account, "webhook endpoint": _webhook_endpoints,
}


def _violations(samples):
    found = []
    for target, body in samples:
        if target.startswith(("GET ", "POST ", "DELETE ")):
            errors = SPEC.check_operation(body, target)
        else:
            errors = SPEC.check(body, target)
        found += [f"{target} {body.get('id', '')}: {e}" for e in errors]
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_served_objects_match_stripes_openapi_schemas(kind, client, emu):
    make = KINDS[kind]
    samples = make(client, emu) if kind == "error" else make(client)
    assert samples
    violations = _violations(samples)
    assert violations == [], "\n".join(violations[:40])


def test_every_pinned_operation_is_exercised(client, emu):
    seen = set()
    for kind, make in KINDS.items():
        samples = make(client, emu) if kind == "error" else make(client)
        seen |= {target for target, _ in samples}
    assert set(SPEC.operations) - seen == set()


def test_pinned_schemas_are_the_published_spec():
    assert SPEC.version == "2024-04-10"
    for name in ("charge", "token", "card", "customer", "deleted_customer", "refund",
                 "dispute", "balance_transaction", "event", "error", "balance",
                 "payment_method", "payment_intent", "setup_intent", "checkout.session",
                 "item"):
        assert SPEC.schemas[name]["properties"], name


def _set(obj, dotted, value):
    *head, last = dotted.split(".")
    for part in head:
        obj = obj[part]
    if value is _DELETE:
        del obj[last]
    else:
        obj[last] = value


_DELETE = object()
# (schema, dotted field, value to plant, expected violation) — the defects of issue 11 and
# the validator's own rules: each must be caught.
MUTATIONS = [
    ("charge", "outcome.rule", None, "$.outcome.rule: null is not allowed"),
    ("charge", "source.wallet", None, "$.source.wallet: not a field of card"),
    ("charge", "customer", {"id": "cus_1", "object": "customer", "_sources": []},
     "$.customer._sources: not a field of"),
    ("charge", "amount", "2000", "$.amount: expected integer"),
    ("charge", "paid", 1, "$.paid: expected boolean"),
    ("charge", "status", "done", "$.status: 'done' is not one of"),
    ("charge", "id", _DELETE, "$: required field 'id' is missing"),
    ("charge", "application", {"id": "ca_1"}, "$.application: an expanded application"),
    ("charge", "metadata", {"k": 1}, "$.metadata.k: expected string"),
    ("charge", "payment_method_details.card.checks.cvc_check", 3,
     "$.payment_method_details.card.checks.cvc_check: expected string"),
    ("charge", "secret_field", "x", "$.secret_field: not a field of charge"),
    ("refund", "destination_details.card.reference", None,
     "$.destination_details.card.reference: null is not allowed"),
    ("refund", "charge", 42, "$.charge: expected"),
]


@pytest.mark.parametrize("schema,field,value,expected", MUTATIONS,
                         ids=[f"{s}-{f}" for s, f, _, _ in MUTATIONS])
def test_validator_catches(client, schema, field, value, expected):
    ch = ok(client, "post", "/v1/charges", amount=2000, currency="usd", source="tok_visa",
            metadata={"order_id": "1"})
    obj = ok(client, "post", "/v1/refunds", charge=ch["id"]) if schema == "refund" else ch
    assert SPEC.check(obj, schema) == []
    _set(obj, field, value)
    errors = SPEC.check(obj, schema)
    assert any(e.startswith(expected) for e in errors), errors
