"""Parameters of PaymentIntents, SetupIntents and Checkout Sessions that Stripe's spec
defines and the emulator implements: stored, returned, passed on to what they govern
(the charge, the saved card, the Session's PaymentIntent) and checked as Stripe checks
them; the ones it does not model are refused as not supported by it, never as unknown
(``test_parameters.py`` holds every parameter to that)."""
import pytest
import stripe

from .helpers import event_types
from .test_checkout_sessions import alert, pay, session
from .test_payment_intents import RETURN_URL, create
from .test_payment_intents_api import raw
from .test_stored_parameters import ADDRESS, SHIPPING

NOT_SUPPORTED = "parameter_not_supported_by_emulator"
CONFIGURATION = "pmc_1EmulatorDefaultConfiguration"


def refused(call, *args, **params):
    """The InvalidRequestError ``call(*args, **params)`` raises."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(*args, **params)
    return info.value


# --- PaymentIntents -----------------------------------------------------------------------
def test_shipping_and_transfer_group_are_stored_and_reach_the_charge():
    pi = create("pm_card_visa", shipping=SHIPPING, transfer_group="order-7")
    assert pi.shipping.to_dict() == {**SHIPPING, "address": ADDRESS}
    assert pi.transfer_group == "order-7"
    charge = stripe.Charge.retrieve(pi.latest_charge)
    assert charge.shipping.to_dict() == {**SHIPPING, "address": ADDRESS}
    assert charge.transfer_group == "order-7"


def test_shipping_is_changed_by_update_and_confirm_and_unset_with_an_empty_value():
    pi = create()
    assert pi.shipping is None
    moved = {**SHIPPING, "name": "Jo Rosen"}
    assert stripe.PaymentIntent.modify(pi.id, shipping=moved).shipping.name == "Jo Rosen"
    assert stripe.PaymentIntent.modify(pi.id, shipping="", transfer_group="g").shipping is None
    paid = stripe.PaymentIntent.confirm(pi.id, payment_method="pm_card_visa",
                                        return_url=RETURN_URL, shipping=SHIPPING)
    assert paid.shipping.name == "Jenny Rosen" and paid.transfer_group == "g"
    assert stripe.Charge.retrieve(paid.latest_charge).shipping.name == "Jenny Rosen"


@pytest.mark.parametrize("missing", ["name", "address"])
def test_shipping_needs_a_name_and_an_address(missing):
    err = refused(create, shipping={k: v for k, v in SHIPPING.items() if k != missing})
    assert (err.code, err.param) == ("parameter_missing", f"shipping[{missing}]")
    assert stripe.PaymentIntent.list().data == []


def test_card_capture_method_option_holds_the_payment():
    """payment_method_options[card][capture_method]=manual overrides the intent's own."""
    pi = create("pm_card_visa", payment_method_options={"card": {"capture_method": "manual"}})
    assert (pi.status, pi.capture_method) == ("requires_capture", "automatic_async")
    assert pi.payment_method_options.card.capture_method == "manual"
    assert stripe.Charge.retrieve(pi.latest_charge).captured is False
    assert stripe.PaymentIntent.capture(pi.id).status == "succeeded"


def test_card_setup_future_usage_option_saves_the_card_or_turns_saving_off():
    cus = stripe.Customer.create()
    saved = create("pm_card_visa", customer=cus.id,
                   payment_method_options={"card": {"setup_future_usage": "off_session"}})
    assert stripe.PaymentMethod.retrieve(saved.payment_method).customer == cus.id
    not_saved = create("pm_card_visa", customer=cus.id, setup_future_usage="off_session",
                       payment_method_options={"card": {"setup_future_usage": "none"}})
    assert stripe.PaymentMethod.retrieve(not_saved.payment_method).customer is None
    assert not_saved.payment_method_options.card.setup_future_usage == "none"


def test_card_options_are_kept_from_creation_and_changed_by_update():
    pi = create(payment_method_options={"card": {"network": "visa",
                                                 "request_three_d_secure": "any"}})
    card = pi.payment_method_options.card
    assert (card.network, card.request_three_d_secure) == ("visa", "any")
    updated = stripe.PaymentIntent.modify(pi.id, payment_method_options={
        "card": {"network": "", "capture_method": "manual"}})
    card = updated.payment_method_options.card
    assert (card.network, card.request_three_d_secure, card.capture_method) == \
        (None, "any", "manual")


@pytest.mark.parametrize("name,value", [("network", "maestro"), ("capture_method", "automatic"),
                                        ("setup_future_usage", "always"),
                                        ("request_three_d_secure", "never")])
def test_card_options_take_stripes_values(name, value):
    pi = create()
    err = refused(stripe.PaymentIntent.modify, pi.id,
                  payment_method_options={"card": {name: value}}, description="changed")
    assert err.param == f"payment_method_options[card][{name}]"
    assert err.user_message.startswith(f"Invalid payment_method_options[card][{name}]: must be")
    assert stripe.PaymentIntent.retrieve(pi.id).description is None


def test_the_emulators_payment_method_configuration_is_the_only_one():
    pi = create(payment_method_configuration=CONFIGURATION)
    assert pi.payment_method_configuration_details.id == CONFIGURATION
    err = refused(create, payment_method_configuration="pmc_other")
    assert (err.code, err.param) == ("resource_missing", "payment_method_configuration")
    err = refused(create, payment_method_configuration=CONFIGURATION,
                  allowed_payment_method_types=["card"])
    assert err.user_message == ("You may only specify one of these parameters: "
                                "allowed_payment_method_types, payment_method_configuration.")


def test_the_configuration_turns_automatic_payment_methods_on_before_they_were_default(emu):
    """On 2023-08-15 an intent has none by default; naming the configuration enables them."""
    data = {"amount": 2000, "currency": "usd"}
    old = raw(emu, "post", "/v1/payment_intents", data, version="2023-08-15").json()
    assert old["automatic_payment_methods"] is None
    assert old["payment_method_configuration_details"] is None
    pi = raw(emu, "post", "/v1/payment_intents", {
        **data, "payment_method_configuration": CONFIGURATION}, version="2023-08-15").json()
    assert pi["automatic_payment_methods"] == {"allow_redirects": "always", "enabled": True}
    assert pi["payment_method_configuration_details"]["id"] == CONFIGURATION
    updated = raw(emu, "post", f"/v1/payment_intents/{old['id']}", {
        "payment_method_configuration": CONFIGURATION}, version="2023-08-15").json()
    assert updated["automatic_payment_methods"]["enabled"] is True
    assert updated["payment_method_configuration_details"]["id"] == CONFIGURATION


@pytest.mark.parametrize("params,param", [
    ({"application_fee_amount": 100}, "application_fee_amount"),
    ({"transfer_data": {"destination": "acct_1"}}, "transfer_data"),
    ({"on_behalf_of": "acct_1"}, "on_behalf_of"),
    ({"confirmation_token": "ctoken_1"}, "confirmation_token"),
    ({"mandate_data": {"customer_acceptance": {"type": "offline"}}}, "mandate_data"),
    ({"radar_options": {"session": "rse_1"}}, "radar_options"),
    ({"payment_method_options": {"card": {"installments": {"enabled": True}}}},
     "payment_method_options[card][installments]"),
    ({"payment_method_options": {"sepa_debit": {"setup_future_usage": "none"}}},
     "payment_method_options[sepa_debit]"),
    ({"payment_method_data": {"type": "ideal", "ideal": {"bank": "abn_amro"}}},
     "payment_method_data[ideal]"),
])
def test_what_the_emulator_does_not_model_is_refused_as_such(params, param):
    err = refused(create, **params)
    assert (err.code, err.param) == (NOT_SUPPORTED, param)
    assert "not supported by the offline emulator" in err.user_message


# --- SetupIntents ------------------------------------------------------------------------
def test_setup_intent_card_options_are_kept_changed_and_used():
    cus = stripe.Customer.create()
    si = stripe.SetupIntent.create(customer=cus.id, payment_method_options={
        "card": {"network": "visa"}}, payment_method_configuration=CONFIGURATION)
    assert si.payment_method_options.card.network == "visa"
    assert si.payment_method_configuration_details.id == CONFIGURATION
    updated = stripe.SetupIntent.modify(si.id, payment_method_options={
        "card": {"request_three_d_secure": "any", "network": ""}})
    card = updated.payment_method_options.card
    assert (card.network, card.request_three_d_secure) == (None, "any")
    confirmed = stripe.SetupIntent.confirm(si.id, payment_method="pm_card_visa",
                                           return_url=RETURN_URL)
    assert confirmed.status == "requires_action"  # request_three_d_secure=any asks


def test_setup_intent_options_are_checked_before_anything_changes():
    si = stripe.SetupIntent.create()
    err = refused(stripe.SetupIntent.modify, si.id, description="x",
                  payment_method_options={"card": {"network": "maestro"}})
    assert err.param == "payment_method_options[card][network]"
    assert stripe.SetupIntent.retrieve(si.id).description is None
    err = refused(stripe.SetupIntent.create, payment_method_configuration="pmc_other")
    assert (err.code, err.param) == ("resource_missing", "payment_method_configuration")


@pytest.mark.parametrize("params,param", [
    ({"attach_to_self": True}, "attach_to_self"),
    ({"flow_directions": ["inbound"]}, "flow_directions"),
    ({"on_behalf_of": "acct_1"}, "on_behalf_of"),
    ({"single_use": {"amount": 100, "currency": "usd"}}, "single_use"),
    ({"confirmation_token": "ctoken_1"}, "confirmation_token"),
    ({"mandate_data": {"customer_acceptance": {"type": "offline"}}}, "mandate_data"),
    ({"payment_method_options": {"card": {"mandate_options": {"amount": 1}}}},
     "payment_method_options[card][mandate_options]"),
    ({"payment_method_options": {"us_bank_account": {"verification_method": "instant"}}},
     "payment_method_options[us_bank_account]"),
])
def test_what_setup_intents_do_not_model_is_refused_as_such(params, param):
    err = refused(stripe.SetupIntent.create, **params)
    assert (err.code, err.param) == (NOT_SUPPORTED, param)
    assert "not supported by the offline emulator" in err.user_message
    assert stripe.SetupIntent.list().data == []


# --- Checkout Sessions: the Session's fields ------------------------------------------------
FIELDS = [{"key": "school", "label": {"type": "custom", "custom": "School"},
           "type": "dropdown", "dropdown": {"options": [{"label": "North", "value": "north"},
                                                        {"label": "South", "value": "south"}]}},
          {"key": "seat", "label": {"type": "custom", "custom": "Seat"}, "type": "numeric",
           "optional": True, "numeric": {"maximum_length": 3}}]


def test_session_settings_are_stored_and_returned():
    cs = session(
        currency="usd", allow_promotion_codes=True, payment_method_collection="always",
        after_expiration={"recovery": {"enabled": False, "allow_promotion_codes": True}},
        automatic_tax={"enabled": False, "liability": {"type": "self"}},
        consent_collection={"terms_of_service": "required", "promotions": "auto"},
        custom_fields=FIELDS, custom_text={"submit": {"message": "Lifetime access."}},
        invoice_creation={"enabled": False, "invoice_data": {"description": "Course",
                                                             "metadata": {"k": "v"}}},
        payment_method_configuration=CONFIGURATION,
        payment_method_options={"card": {"request_three_d_secure": "any",
                                         "setup_future_usage": "on_session"}},
        phone_number_collection={"enabled": True}, tax_id_collection={"enabled": True},
        shipping_address_collection={"allowed_countries": ["US", "CA"]})
    got = stripe.checkout.Session.retrieve(cs.id).to_dict()
    assert (got["allow_promotion_codes"], got["payment_method_collection"]) == (True, "always")
    assert got["after_expiration"]["recovery"] == {"allow_promotion_codes": True,
                                                   "enabled": False, "expires_at": None,
                                                   "url": None}
    assert got["automatic_tax"]["liability"] == {"type": "self"}
    assert got["consent_collection"] == {"payment_method_reuse_agreement": None,
                                         "promotions": "auto", "terms_of_service": "required"}
    assert [f["key"] for f in got["custom_fields"]] == ["school", "seat"]
    assert got["custom_fields"][0]["dropdown"]["value"] is None
    assert got["custom_fields"][1]["numeric"] == {"maximum_length": 3, "minimum_length": None,
                                                  "value": None}
    assert got["custom_text"]["submit"] == {"message": "Lifetime access."}
    assert got["invoice_creation"]["invoice_data"]["description"] == "Course"
    assert got["payment_method_configuration_details"]["id"] == CONFIGURATION
    assert got["payment_method_options"]["card"] == {"request_three_d_secure": "any",
                                                     "setup_future_usage": "on_session"}
    assert got["phone_number_collection"] == {"enabled": True}
    assert got["tax_id_collection"] == {"enabled": True}
    assert got["shipping_address_collection"] == {"allowed_countries": ["US", "CA"]}


CHECKOUT_ERRORS = [  # (params, code, param)
    ({"currency": "eur"}, None, "currency"),
    ({"setup_intent_data": {"description": "x"}}, None, "setup_intent_data"),
    ({"redirect_on_completion": "never"}, None, "redirect_on_completion"),
    ({"customer_update": {"name": "auto"}}, None, "customer_update"),
    ({"consent_collection": {"terms_of_service": "maybe"}}, None,
     "consent_collection[terms_of_service]"),
    ({"custom_fields": [{"key": "a-b", "label": {"type": "custom", "custom": "A"},
                         "type": "text"}]}, None, "custom_fields[0][key]"),
    ({"custom_fields": [{"key": "a", "label": {"type": "custom", "custom": "A"},
                         "type": "dropdown"}]}, "parameter_missing",
     "custom_fields[0][dropdown][options]"),
    ({"shipping_address_collection": {"allowed_countries": ["usa"]}}, None,
     "shipping_address_collection[allowed_countries]"),
    ({"phone_number_collection": {"enabled": "yes"}}, None, "phone_number_collection[enabled]"),
    ({"tax_id_collection": {"enabled": ""}}, "parameter_missing", "tax_id_collection[enabled]"),
    ({"automatic_tax": {"liability": {"type": "self"}}}, "parameter_missing",
     "automatic_tax[enabled]"),
    ({"payment_method_data": {"allow_redisplay": "never"}}, None,
     "payment_method_data[allow_redisplay]"),
    ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 6900,
                                     "product_data": {"name": "A"}}, "quantity": 9,
                      "adjustable_quantity": {"enabled": True, "maximum": 5}}]}, None,
     "line_items[0][quantity]"),
    ({"saved_payment_method_options": {"payment_method_save": "enabled"}}, None,
     "saved_payment_method_options[payment_method_save]"),
    ({"payment_method_configuration": "pmc_other"}, "resource_missing",
     "payment_method_configuration"),
    # what the emulator does not model
    ({"invoice_creation": {"enabled": True}}, NOT_SUPPORTED, "invoice_creation[enabled]"),
    ({"after_expiration": {"recovery": {"enabled": True}}}, NOT_SUPPORTED,
     "after_expiration[recovery][enabled]"),
    ({"automatic_tax": {"enabled": False, "liability": {"type": "account"}}}, NOT_SUPPORTED,
     "automatic_tax[liability][type]"),
    ({"discounts": [{"coupon": "SPRING"}]}, NOT_SUPPORTED, "discounts[0][coupon]"),
    ({"shipping_options": [{"shipping_rate": "shr_1"}]}, NOT_SUPPORTED,
     "shipping_options[0][shipping_rate]"),
    ({"subscription_data": {"trial_period_days": 7}}, NOT_SUPPORTED, "subscription_data"),
    ({"payment_intent_data": {"application_fee_amount": 100}}, NOT_SUPPORTED,
     "payment_intent_data[application_fee_amount]"),
    ({"payment_method_options": {"card": {"installments": {"enabled": True}}}},
     NOT_SUPPORTED, "payment_method_options[card][installments]"),
]


@pytest.mark.parametrize("params,code,param", CHECKOUT_ERRORS,
                         ids=[p for _, _, p in CHECKOUT_ERRORS])
def test_session_settings_are_checked_as_stripe_checks_them(params, code, param):
    err = refused(session, **params)
    assert (err.code, err.param) == (code, param)
    if code == NOT_SUPPORTED:
        assert "not supported by the offline emulator" in err.user_message
    assert stripe.checkout.Session.list().data == []


@pytest.mark.parametrize("version,name", [("2026-02-25.clover", "embedded"),
                                          ("2026-03-25.dahlia", "embedded_page")])
def test_embedded_only_settings_name_the_ui_mode_of_the_api_version(emu, version, name):
    for param, value in (("redirect_on_completion", "never"),
                         ("return_url", "https://shop.example/back")):
        resp = raw(emu, "post", "/v1/checkout/sessions", {
            "mode": "payment", "line_items[0][price_data][currency]": "usd",
            "line_items[0][price_data][unit_amount]": "6900",
            "line_items[0][price_data][product_data][name]": "A",
            "line_items[0][quantity]": "1", param: value}, version=version)
        error = resp.json()["error"]
        assert resp.status_code == 400 and error["param"] == param
        assert f"when `ui_mode` is `{name}`" in error["message"]


def test_the_list_filters_stripe_has_for_links_and_subscriptions_are_not_emulated():
    for name in ("payment_link", "subscription"):
        err = refused(stripe.checkout.Session.list, **{name: "x_1"})
        assert (err.code, err.param) == (NOT_SUPPORTED, name)


def test_payment_intent_data_shipping_and_card_options_reach_the_sessions_intent():
    cs = session(payment_intent_data={"shipping": SHIPPING, "transfer_group": "order-9"},
                 payment_method_options={"card": {"request_three_d_secure": "any"}})
    page = pay(cs, "4242424242424242")
    assert page.status_code == 303 and "3d_secure_2" in page.headers["Location"]
    pi = stripe.PaymentIntent.retrieve(stripe.checkout.Session.retrieve(cs.id).payment_intent)
    assert pi.shipping.name == "Jenny Rosen" and pi.transfer_group == "order-9"
    assert pi.payment_method_options.card.request_three_d_secure == "any"


# --- Checkout Sessions: what the hosted page collects for them ----------------------------
SHIP_FORM = {"shippingName": "Jo Rosen", "shippingAddressLine1": "1 Main St",
             "shippingLocality": "Toronto", "shippingPostalCode": "M5V 2T6",
             "shippingCountry": "CA"}


def full_session(**params):
    """A Session asking the buyer for everything the page can collect."""
    return session(phone_number_collection={"enabled": True}, custom_fields=FIELDS,
                   shipping_address_collection={"allowed_countries": ["US", "CA"]},
                   tax_id_collection={"enabled": True},
                   consent_collection={"terms_of_service": "required", "promotions": "auto"},
                   custom_text={"terms_of_service_acceptance": {"message": "I accept."},
                                "submit": {"message": "Lifetime access."},
                                "shipping_address": {"message": "For the printed book."}},
                   **params)


def test_the_page_asks_for_what_the_session_collects(emu):
    page = requests_get(full_session().url)
    for name in ("phone", "shippingName", "shippingAddressLine1", "shippingLocality",
                 "shippingPostalCode", "shippingCountry", "custom-school", "custom-seat",
                 "taxIdType", "taxId", "promotionsConsent", "termsOfServiceConsent"):
        assert f'name="{name}"' in page, name
    assert "I accept." in page and "Lifetime access." in page
    assert "For the printed book." in page and "Seat (optional)" in page
    plain = requests_get(session().url)
    assert 'name="phone"' not in plain and 'name="termsOfServiceConsent"' not in plain


FORM_PROBLEMS = [
    ({"phone": ""}, "Your phone number is incomplete."),
    ({"phone": "call me"}, "Your phone number is invalid."),
    ({"shippingLocality": ""}, "Your shipping address is incomplete."),
    ({"shippingCountry": "FR"}, "Shipping to FR is not available."),
    ({"custom-school": ""}, "School is required."),
    ({"custom-school": "east"}, "Choose one of the options for School."),
    ({"custom-seat": "12a"}, "Seat must be a number."),
    ({"custom-seat": "1234"}, "Seat must be 1 to 3 characters long."),
    ({"taxIdType": ""}, "Choose the type of your tax ID."),
    ({"termsOfServiceConsent": ""}, "Agree to the Terms of Service to continue."),
]
GOOD_FORM = {"phone": "+1 416 555 0100", **SHIP_FORM, "custom-school": "north",
             "custom-seat": "12", "taxIdType": "ca_bn", "taxId": "123456789",
             "promotionsConsent": "on", "termsOfServiceConsent": "on"}


@pytest.mark.parametrize("change,message", FORM_PROBLEMS, ids=[m for _, m in FORM_PROBLEMS])
def test_what_the_page_collects_is_checked_before_paying(change, message):
    cs = full_session()
    page = pay(cs, "4242424242424242", **{**GOOD_FORM, **change})
    assert page.status_code == 400 and alert(page) == message
    assert stripe.checkout.Session.retrieve(cs.id).payment_intent is None


def test_a_paid_session_shows_what_the_buyer_gave():
    cs = full_session()
    assert pay(cs, "4242424242424242", **GOOD_FORM).status_code == 303
    got = stripe.checkout.Session.retrieve(cs.id).to_dict()
    assert got["status"] == "complete"
    details = got["customer_details"]
    assert details["phone"] == "+1 416 555 0100"
    assert details["tax_ids"] == [{"type": "ca_bn", "value": "123456789"}]
    assert [f[f["type"]]["value"] for f in got["custom_fields"]] == ["north", "12"]
    assert got["consent"] == {"promotions": "opt_in", "terms_of_service": "accepted"}
    shipping = got["collected_information"]["shipping_details"]
    assert shipping == {"name": "Jo Rosen", "address": {
        "city": "Toronto", "country": "CA", "line1": "1 Main St", "line2": None,
        "postal_code": "M5V 2T6", "state": None}}
    pi = stripe.PaymentIntent.retrieve(got["payment_intent"])
    assert (pi.shipping.name, pi.shipping.phone) == ("Jo Rosen", "+1 416 555 0100")
    assert stripe.Charge.retrieve(pi.latest_charge).shipping.address.city == "Toronto"


def test_unchecked_promotions_are_an_opt_out():
    cs = full_session()
    pay(cs, "4242424242424242", **{**GOOD_FORM, "promotionsConsent": ""})
    assert stripe.checkout.Session.retrieve(cs.id).consent.promotions == "opt_out"


def test_customer_update_saves_the_buyers_name_address_and_shipping():
    cus = stripe.Customer.create(email="buyer@example.com", name="Old Name")
    cs = session(customer=cus.id, shipping_address_collection={"allowed_countries": ["CA"]},
                 customer_update={"name": "auto", "address": "auto", "shipping": "auto"})
    assert pay(cs, "4242424242424242", **SHIP_FORM).status_code == 303
    got = stripe.Customer.retrieve(cus.id)
    assert got.name == "Jenny Rosen" and got.address.postal_code == "94107"
    assert (got.shipping.name, got.shipping.address.country) == ("Jo Rosen", "CA")
    event = stripe.Event.list(type="customer.updated", limit=1).data[0]
    assert event.data.previous_attributes.name == "Old Name"
    assert event_types().index("customer.updated") < event_types().index(
        "checkout.session.completed")


def test_a_customer_made_by_the_session_gets_the_phone_and_shipping_address():
    cs = session(customer_creation="always", phone_number_collection={"enabled": True},
                 shipping_address_collection={"allowed_countries": ["CA"]})
    assert pay(cs, "4242424242424242", phone="+1 416 555 0100", **SHIP_FORM).status_code \
        == 303
    made = stripe.Customer.retrieve(stripe.checkout.Session.retrieve(cs.id).customer)
    assert (made.phone, made.shipping.name, made.shipping.phone) == (
        "+1 416 555 0100", "Jo Rosen", "+1 416 555 0100")
    assert made.shipping.address.city == "Toronto"


def test_without_customer_update_the_customer_is_left_alone():
    cus = stripe.Customer.create(email="buyer@example.com", name="Old Name")
    pay(session(customer=cus.id), "4242424242424242")
    assert stripe.Customer.retrieve(cus.id).name == "Old Name"


def test_adjustable_quantities_change_the_total_before_paying():
    line = {"price_data": {"currency": "usd", "unit_amount": 6900,
                           "product_data": {"name": "Seat"}}, "quantity": 2,
            "adjustable_quantity": {"enabled": True, "minimum": 1, "maximum": 5}}
    cs = session(line_items=[line])
    page = requests_get(cs.url)
    assert 'name="quantity-0"' in page and 'max="5"' in page and "$138.00" in page
    bad = pay(cs, "4242424242424242", **{"quantity-0": "6"})
    assert bad.status_code == 400 and alert(bad) == "Enter a quantity from 1 to 5 for Seat."
    declined = pay(cs, "4000000000009995", **{"quantity-0": "3"})
    assert declined.status_code == 402 and "$207.00" in declined.text
    assert pay(cs, "4242424242424242", **{"quantity-0": "4"}).status_code == 303
    got = stripe.checkout.Session.retrieve(cs.id, expand=["line_items"])
    assert got.amount_total == 27600 and got.line_items.data[0].quantity == 4
    assert stripe.PaymentIntent.retrieve(got.payment_intent).amount_received == 27600


def test_saving_the_card_is_the_buyers_choice():
    cus = stripe.Customer.create(email="buyer@example.com")
    options = {"payment_method_save": "enabled"}
    kept = session(customer=cus.id, saved_payment_method_options=options)
    assert 'name="savePaymentMethod"' in requests_get(kept.url)
    pay(kept, "4242424242424242", savePaymentMethod="on")
    pi = stripe.PaymentIntent.retrieve(stripe.checkout.Session.retrieve(kept.id).payment_intent)
    saved = stripe.PaymentMethod.retrieve(pi.payment_method)
    assert (saved.customer, saved.allow_redisplay) == (cus.id, "always")
    not_kept = session(customer=cus.id, saved_payment_method_options=options,
                       payment_method_data={"allow_redisplay": "limited"})
    pay(not_kept, "4242424242424242")
    pi = stripe.PaymentIntent.retrieve(
        stripe.checkout.Session.retrieve(not_kept.id).payment_intent)
    pm = stripe.PaymentMethod.retrieve(pi.payment_method)
    assert (pm.customer, pm.allow_redisplay) == (None, "limited")


def requests_get(url):
    """The hosted page's HTML."""
    import requests

    resp = requests.get(url, timeout=10)
    assert resp.status_code == 200
    return resp.text
