"""Parameters Stripe's spec defines that the emulator implements: stored, returned, checked
(``test_parameters.py`` holds every served parameter to "accepted or refused as not
supported"; this file shows the accepted ones really do something)."""
import pytest
import stripe

from .helpers import card_token, charge

SHIPPING = {"name": "Jenny Rosen", "phone": "+15555550100", "carrier": "UPS",
            "tracking_number": "1Z999", "address": {"line1": "1 Main St", "city": "SF",
                                                    "postal_code": "94107", "country": "US"}}
ADDRESS = {"city": "SF", "country": "US", "line1": "1 Main St", "line2": None,
           "postal_code": "94107", "state": None}


def test_charge_shipping_transfer_group_and_radar_session_are_stored():
    ch = charge(source="tok_visa", shipping=SHIPPING, transfer_group="order-7",
                radar_options={"session": "rse_123"})
    again = stripe.Charge.retrieve(ch.id).to_dict()
    assert again["shipping"] == {**SHIPPING, "address": ADDRESS}
    assert again["transfer_group"] == "order-7"
    assert again["radar_options"] == {"session": "rse_123"}
    assert [c.id for c in stripe.Charge.list(transfer_group="order-7").data] == [ch.id]


@pytest.mark.parametrize("missing", ["name", "address"])
def test_charge_shipping_needs_a_name_and_an_address(missing):
    with pytest.raises(stripe.InvalidRequestError) as info:
        charge(source="tok_visa", shipping={k: v for k, v in SHIPPING.items() if k != missing})
    assert info.value.code == "parameter_missing"
    assert info.value.param == f"shipping[{missing}]"
    assert info.value.user_message == f"Missing required param: shipping[{missing}]."


def test_charge_update_sets_and_unsets_shipping_and_records_the_old_values():
    ch = charge(source="tok_visa")
    updated = stripe.Charge.modify(ch.id, shipping=SHIPPING, transfer_group="g1",
                                   fraud_details={"user_report": "safe"})
    assert updated.shipping.name == "Jenny Rosen" and updated.transfer_group == "g1"
    assert updated.fraud_details.to_dict() == {"user_report": "safe"}
    event = stripe.Event.list(type="charge.updated", limit=1).data[0]
    assert event.data.previous_attributes.to_dict() == {
        "shipping": None, "transfer_group": None, "fraud_details": {}}
    cleared = stripe.Charge.modify(ch.id, shipping="", fraud_details={"user_report": ""})
    assert cleared.shipping is None and cleared.fraud_details.to_dict() == {}


def test_fraud_details_take_fraudulent_or_safe():
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.modify(charge(source="tok_visa").id,
                             fraud_details={"user_report": "maybe"})
    assert info.value.param == "fraud_details[user_report]"


def test_a_charge_without_a_customer_can_be_given_one_once():
    ch = charge(source="tok_visa")
    first, second = stripe.Customer.create(), stripe.Customer.create()
    assert stripe.Charge.modify(ch.id, customer=first.id).customer == first.id
    assert [c.id for c in stripe.Charge.list(customer=first.id).data] == [ch.id]
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.modify(ch.id, customer=second.id)
    assert info.value.param == "customer"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.modify(charge(source="tok_visa").id, customer="cus_nope")
    assert info.value.code == "resource_missing"


def test_capture_takes_the_receipt_email_descriptors_and_transfer_group():
    held = charge(source="tok_visa", capture=False)
    captured = stripe.Charge.capture(held.id, receipt_email="buyer@example.com",
                                     statement_descriptor="COURSE SHOP",
                                     statement_descriptor_suffix="ORD 7",
                                     transfer_group="order-7")
    assert captured.captured and captured.receipt_email == "buyer@example.com"
    assert captured.statement_descriptor == "COURSE SHOP"
    assert captured.statement_descriptor_suffix == "ORD 7"
    assert captured.calculated_statement_descriptor == "EMULATOR* ORD 7"
    assert captured.transfer_group == "order-7"


def test_capture_refuses_connect_parameters_as_not_supported():
    held = charge(source="tok_visa", capture=False)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.capture(held.id, application_fee_amount=100)
    assert info.value.code == "parameter_not_supported_by_emulator"
    assert not stripe.Charge.retrieve(held.id).captured


def test_customer_details_are_stored_and_returned():
    cus = stripe.Customer.create(
        name="Jenny Rosen", phone="+15555550100", email="jenny@example.com",
        address={"line1": "1 Main St", "city": "SF", "postal_code": "94107", "country": "US"},
        shipping={"name": "Jenny", "phone": "+1555", "address": {"line1": "2 Side St"}},
        balance=-1500, invoice_prefix="JENNY01", next_invoice_sequence=3,
        preferred_locales=["fr-FR", "en"], tax_exempt="reverse",
        invoice_settings={"footer": "Thanks!", "custom_fields": [
            {"name": "VAT", "value": "FR123"}],
            "rendering_options": {"amount_tax_display": "exclude_tax"}})
    got = stripe.Customer.retrieve(cus.id).to_dict()
    assert (got["name"], got["phone"]) == ("Jenny Rosen", "+15555550100")
    assert got["address"] == ADDRESS
    assert got["shipping"] == {"name": "Jenny", "phone": "+1555", "carrier": None,
                               "tracking_number": None, "address": {
                                   **dict.fromkeys(ADDRESS), "line1": "2 Side St"}}
    assert (got["balance"], got["invoice_prefix"], got["next_invoice_sequence"]) == \
        (-1500, "JENNY01", 3)
    assert got["preferred_locales"] == ["fr-FR", "en"] and got["tax_exempt"] == "reverse"
    assert got["invoice_settings"] == {
        "custom_fields": [{"name": "VAT", "value": "FR123"}], "default_payment_method": None,
        "footer": "Thanks!", "rendering_options": {"amount_tax_display": "exclude_tax"}}


def test_customer_update_changes_and_unsets_details():
    cus = stripe.Customer.create(address={"line1": "1 Main St"}, name="A", tax_exempt="exempt",
                                 invoice_settings={"footer": "F"})
    updated = stripe.Customer.modify(cus.id, address="", name="", tax_exempt="",
                                     phone="+1", invoice_settings={"footer": ""})
    assert updated.address is None and updated.name is None and updated.phone == "+1"
    assert updated.tax_exempt == "none" and updated.invoice_settings.footer is None


BAD_CUSTOMER = [
    ("invoice_prefix", "abc"), ("invoice_prefix", "TOOLONGPREFIX1"),
    ("tax_exempt", "sometimes"), ("balance", "1.5"), ("next_invoice_sequence", "0"),
]


@pytest.mark.parametrize("param,value", BAD_CUSTOMER)
def test_customer_details_are_checked(param, value):
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Customer.create(**{param: value})
    assert info.value.http_status == 400 and info.value.param == param
    assert stripe.Customer.list().data == []


def test_a_card_added_to_a_customer_keeps_its_metadata():
    cus = stripe.Customer.create(source="tok_visa")
    card = stripe.Customer.create_source(cus.id, source="tok_mastercard",
                                         metadata={"label": "work"})
    assert card.metadata.to_dict() == {"label": "work"}
    again = stripe.Customer.retrieve_source(cus.id, card.id)
    assert again.metadata.to_dict() == {"label": "work"}


def test_a_customers_sources_are_filtered_by_object_and_paged():
    cus = stripe.Customer.create(source="tok_visa")
    newest = stripe.Customer.create_source(cus.id, source="tok_amex")
    page = stripe.Customer.list_sources(cus.id, object="card", limit=1)
    assert [c.id for c in page.data] == [newest.id] and page.has_more
    rest = stripe.Customer.list_sources(cus.id, object="card", starting_after=newest.id)
    assert [c.id for c in rest.data] == [cus.default_source] and not rest.has_more
    assert stripe.Customer.list_sources(cus.id, object="bank_account").data == []


def test_a_tokens_preferred_network_is_kept_on_its_card():
    token = card_token("4242424242424242", networks={"preferred": "visa"})
    assert token.card.networks.preferred == "visa"
    with pytest.raises(stripe.InvalidRequestError) as info:
        card_token("4242424242424242", networks={"preferred": "discover_global"})
    assert info.value.param == "card[networks][preferred]"


def test_refunds_and_disputes_are_listed_by_payment_intent():
    ch = charge(source="tok_createDispute")
    stripe.Refund.create(charge=charge(source="tok_visa").id)
    assert stripe.Refund.list(payment_intent="pi_none").data == []
    assert stripe.Dispute.list(payment_intent="pi_none").data == []
    assert [d.charge for d in stripe.Dispute.list().data] == [ch.id]


NOT_A_HASH = [
    ("charge radar_options", lambda: charge(source="tok_visa", radar_options="rse_1"),
     "radar_options"),
    ("charge shipping", lambda: charge(source="tok_visa", shipping="Jenny"), "shipping"),
    ("customer address", lambda: stripe.Customer.create(address="1 Main St"), "address"),
    ("customer rendering options", lambda: stripe.Customer.create(
        invoice_settings={"rendering_options": "exclude_tax"}),
     "invoice_settings[rendering_options]"),
    ("token networks", lambda: card_token("4242424242424242", networks="visa"),
     "card[networks]"),
]


@pytest.mark.parametrize("call,param", [(c, p) for _, c, p in NOT_A_HASH],
                         ids=[n for n, _, _ in NOT_A_HASH])
def test_a_plain_value_where_a_hash_belongs_is_refused_not_ignored(call, param):
    with pytest.raises(stripe.InvalidRequestError) as info:
        call()
    assert info.value.http_status == 400 and info.value.param == param


def test_a_refused_detail_changes_nothing_and_spends_no_token():
    """Parameters are checked before anything happens: the token still works, the
    customer keeps its card list and details."""
    token = card_token("4242424242424242")
    with pytest.raises(stripe.InvalidRequestError):
        charge(source=token.id, shipping={"name": "No address"})
    assert charge(source=token.id).status == "succeeded"
    cus = stripe.Customer.create(name="Before")
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Customer.modify(cus.id, source="tok_visa", name="After", invoice_prefix="bad")
    again = stripe.Customer.retrieve(cus.id, expand=["sources"])
    assert again.name == "Before" and again.sources.data == []
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Charge.modify(stripe.Charge.list(limit=1).data[0].id, description="new",
                             fraud_details={"user_report": "maybe"})
    assert stripe.Charge.list(limit=1).data[0].description is None
