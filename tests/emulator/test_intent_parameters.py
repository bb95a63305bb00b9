"""Parameters of PaymentIntents, SetupIntents and Checkout Sessions that Stripe's spec
defines and the emulator implements: stored, returned, passed on to what they govern
(the charge, the saved card, the Session's PaymentIntent) and checked as Stripe checks
them; the ones it does not model are refused as not supported by it, never as unknown
(``test_parameters.py`` holds every parameter to that)."""
import pytest
import stripe

from .test_payment_intents import RETURN_URL, create
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
