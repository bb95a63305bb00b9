"""Defects other clients found (issue 11), one table per defect, through stripe-python."""
import hashlib
import hmac
import json

import pytest
import stripe

from stripe_emulator import API_VERSION
from stripe_emulator.resources.charge_objects import EVIDENCE_FIELDS
from stripe_emulator.webhooks import sign

from .helpers import card_token, charge


def private_keys(obj, path=""):
    """Every key starting with ``_`` anywhere inside ``obj`` (a dict/list tree)."""
    found = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key.startswith("_"):
                found.append(f"{path}.{key}")
            found += private_keys(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            found += private_keys(value, f"{path}[{i}]")
    return found


def _customer_charge():
    cus = stripe.Customer.create(source="tok_visa", email="c@example.com")
    return cus, charge(customer=cus.id, metadata={"order_id": "7"})


EXPANDED_READS = {
    "charge expand customer": lambda c: stripe.Charge.retrieve(c.id, expand=["customer"]),
    "charges list data.customer": lambda c: stripe.Charge.list(expand=["data.customer"]),
    "charges search data.customer": lambda c: stripe.Charge.search(
        query="metadata['order_id']:'7'", expand=["data.customer"]),
    "refund expand charge.customer": lambda c: stripe.Refund.create(
        charge=c.id, amount=100, expand=["charge.customer"]),
    "customer retrieve": lambda c: stripe.Customer.retrieve(c.customer),
    "customer expand sources": lambda c: stripe.Customer.retrieve(
        c.customer, expand=["sources", "default_source"]),
    "customers list": lambda c: stripe.Customer.list(),
    "customers search": lambda c: stripe.Customer.search(query="email:'c@example.com'"),
    "events": lambda c: stripe.Event.list(limit=100),
    "payment intent expand": lambda c: stripe.PaymentIntent.retrieve(
        _intent(c).id, expand=["customer", "payment_method", "latest_charge.customer"]),
    "payment intents list": lambda c: (_intent(c), stripe.PaymentIntent.list(
        expand=["data.customer"]))[1],
    "payment intents search": lambda c: (_intent(c), stripe.PaymentIntent.search(
        query="metadata['order_id']:'7'", expand=["data.customer"]))[1],
    "payment intent 402": lambda c: _declined_intent(c),
    "payment methods list": lambda c: stripe.PaymentMethod.list(customer=c.customer),
}


def _intent(ch):
    """A PaymentIntent waiting for authentication, for the customer of ``ch``."""
    return stripe.PaymentIntent.create(
        amount=2000, currency="usd", customer=ch.customer, metadata={"order_id": "7"},
        payment_method="pm_card_authenticationRequired", confirm=True,
        return_url="https://shop.example/return")


def _declined_intent(ch):
    """The 402 body of a declined intent (it embeds the intent and the PaymentMethod)."""
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentIntent.create(amount=2000, currency="usd", customer=ch.customer,
                                    payment_method="pm_card_chargeDeclined", confirm=True,
                                    return_url="https://shop.example/return")
    return _Body(info.value.json_body)


class _Body(dict):
    """A raw JSON body read like an SDK object (``to_dict``)."""

    def to_dict(self):
        return dict(self)


@pytest.mark.parametrize("read", EXPANDED_READS.values(), ids=EXPANDED_READS.keys())
def test_no_private_field_leaks(read):
    """The emulator's bookkeeping (``_sources``) never reaches a client, expanded or not."""
    cus, ch = _customer_charge()
    result = read(ch).to_dict()
    assert cus.id in json.dumps(result)  # the customer really is in the answer
    assert private_keys(result) == []


def _path(obj, dotted):
    for part in dotted.split("."):
        obj = obj[part]
    return obj


def _has(obj, dotted):
    *head, last = dotted.split(".")
    parent = _path(obj, ".".join(head)) if head else obj
    return last in parent


def _charge_ok():
    return charge(source="tok_visa").to_dict()


def _charge_declined():
    with pytest.raises(stripe.CardError) as info:
        charge(source="tok_chargeDeclined")
    return stripe.Charge.retrieve(info.value.json_body["error"]["charge"]).to_dict()


def _charge_blocked():
    with pytest.raises(stripe.CardError) as info:
        charge(source="tok_radarBlock")
    return stripe.Charge.retrieve(info.value.json_body["error"]["charge"]).to_dict()


def _refund():
    return stripe.Refund.create(charge=charge(source="tok_visa").id).to_dict()


def _refund_uncaptured():
    return stripe.Refund.create(charge=charge(source="tok_visa", capture=False).id).to_dict()


def _dispute():
    ch = charge(source="tok_createDispute")
    return stripe.Dispute.list(charge=ch.id).data[0].to_dict()


def _token_card():
    return card_token("4242424242424242").to_dict()["card"]


def _customer_card():
    cus = stripe.Customer.create(source="tok_visa", expand=["sources"])
    return cus.to_dict()["sources"]["data"][0]


# (object, dotted field, expected: ABSENT, PRESENT (any value) or the exact value)
ABSENT, PRESENT = object(), object()
FIELDS = [
    (_charge_ok, "outcome.rule", ABSENT),
    (_charge_declined, "outcome.rule", ABSENT),
    (_charge_blocked, "outcome.rule", "block_if_high_risk"),
    (_refund, "destination_details.card.reference", ABSENT),
    (_refund, "destination_details.card.reference_status", "pending"),
    (_refund_uncaptured, "destination_details.card.reference", ABSENT),
    (_charge_ok, "payment_method_details.card.electronic_commerce_indicator", None),
    (_charge_ok, "payment_method_details.card.transaction_link_id", None),
    (_charge_declined, "payment_method_details.card.transaction_link_id", None),
    (_charge_ok, "refunds", ABSENT),
    (_charge_ok, "source.wallet", ABSENT),
    (_token_card, "wallet", ABSENT),
    (_customer_card, "wallet", ABSENT),
    (_token_card, "cvc_check", "unchecked"),
    (_customer_card, "cvc_check", "pass"),
    (_charge_ok, "source.cvc_check", "pass"),
    (_dispute, "evidence.enhanced_evidence", {}),
    (_dispute, "evidence_details.enhanced_eligibility", {}),
    (_dispute, "evidence_details.submission_method", "not_submitted"),
    (_dispute, "evidence_details.has_evidence", False),
    (_dispute, "evidence_details.submission_count", 0),
    (_dispute, "evidence_details.past_due", False),
    (_dispute, "evidence_details.due_by", PRESENT),
    (_dispute, "intended_submission_method", None),
    (_dispute, "payment_method_details.card.case_type", "chargeback"),
    (_dispute, "payment_method_details.card.network", "visa"),
    *[(_dispute, f"evidence.{name}", None) for name in EVIDENCE_FIELDS],
]


@pytest.mark.parametrize("make,field,expected", FIELDS,
                         ids=[f"{m.__name__}-{f}" for m, f, _ in FIELDS])
def test_field_presence(make, field, expected):
    obj = make()
    if expected is ABSENT:
        assert not _has(obj, field), f"{field} should be omitted"
    elif expected is PRESENT:
        assert _has(obj, field)
    else:
        assert _has(obj, field) and _path(obj, field) == expected


def test_dispute_evidence_matches_stripe_node_types():
    """Every evidence field stripe-node 23.1.0's Dispute.Evidence declares (``appeal`` is
    optional there and absent here)."""
    evidence = _dispute()["evidence"]
    assert len(EVIDENCE_FIELDS) == 27 and set(evidence) == {*EVIDENCE_FIELDS,
                                                            "enhanced_evidence"}


def test_refunds_are_listed_or_expanded_not_embedded():
    ch = charge(source="tok_visa")
    first = stripe.Refund.create(charge=ch.id, amount=500)
    second = stripe.Refund.create(charge=ch.id, amount=300)
    assert "refunds" not in stripe.Charge.retrieve(ch.id)
    expanded = stripe.Charge.retrieve(ch.id, expand=["refunds"])
    assert expanded.refunds.object == "list"
    assert [r.id for r in expanded.refunds.data] == [second.id, first.id]
    assert expanded.refunds.url == f"/v1/charges/{ch.id}/refunds"
    listed = stripe.Charge.list_refunds(ch.id, limit=1)
    assert [r.id for r in listed.data] == [second.id] and listed.has_more is True
    assert stripe.Charge.list(expand=["data.refunds"]).data[0].refunds.data[0].id == second.id


def test_cvc_is_unchecked_until_first_use():
    token = card_token("4000000000000101")  # CVC check fails at the issuer
    assert token.card.cvc_check == "unchecked"
    ch = charge(source=token.id)
    assert ch.payment_method_details.card.checks.cvc_check == "fail"
    assert stripe.Token.retrieve("tok_visa").card.cvc_check == "unchecked"
    assert card_token("4242424242424242", cvc="").card.cvc_check is None


UNKNOWN = [
    ("tokens", lambda: stripe.Token.create(card={"number": "4242424242424242",
                                                  "exp_month": 12, "exp_year": 2034,
                                                  "colour": "red"}), "card[colour]"),
    ("charge create", lambda: charge(source="tok_visa", foo="bar"), "foo"),
    ("charge retrieve", lambda: stripe.Charge.retrieve(charge(source="tok_visa").id,
                                                        foo="1"), "foo"),
    ("charge update", lambda: stripe.Charge.modify(charge(source="tok_visa").id,
                                                    shipping_name="x"), "shipping_name"),
    ("charge capture", lambda: stripe.Charge.capture(
        charge(source="tok_visa", capture=False).id, receipt="1"), "receipt"),
    ("charges list", lambda: stripe.Charge.list(status="succeeded"), "status"),
    ("charges list created op", lambda: stripe.Charge.list(created={"after": 1}),
     "created[after]"),
    ("charges search", lambda: stripe.Charge.search(query="status:'succeeded'", sort="x"),
     "sort"),
    ("customer create", lambda: stripe.Customer.create(emial="typo@example.com"), "emial"),
    ("customer update", lambda: stripe.Customer.modify(stripe.Customer.create().id,
                                                        nickname="x"), "nickname"),
    ("customers list", lambda: stripe.Customer.list(name="x"), "name"),
    ("source add", lambda: stripe.Customer.create_source(stripe.Customer.create().id,
                                                          source="tok_visa", default="1"),
     "default"),
    ("refund create", lambda: stripe.Refund.create(charge=charge(source="tok_visa").id,
                                                    note="x"), "note"),
    ("refund update", lambda: stripe.Refund.modify(
        stripe.Refund.create(charge=charge(source="tok_visa").id).id, reason="duplicate"),
     "reason"),
    ("refunds list", lambda: stripe.Refund.list(status="succeeded"), "status"),
    ("events list", lambda: stripe.Event.list(object="charge"), "object"),
    ("balance transactions", lambda: stripe.BalanceTransaction.list(kind="x"), "kind"),
    ("disputes list", lambda: stripe.Dispute.list(reason="fraudulent"), "reason"),
    ("balance", lambda: stripe.Balance.retrieve(currency="usd"), "currency"),
]


@pytest.mark.parametrize("call,param", [(c, p) for _, c, p in UNKNOWN],
                         ids=[n for n, _, _ in UNKNOWN])
def test_unknown_parameters_are_refused(call, param):
    with pytest.raises(stripe.InvalidRequestError) as info:
        call()
    assert info.value.http_status == 400 and info.value.code == "parameter_unknown"
    assert info.value.param == param
    assert info.value.user_message == f"Received unknown parameter: {param}"


def test_several_unknown_parameters_are_all_named(client):
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.customers.create(params={"colour": "x", "size": "y"})
    assert info.value.user_message == "Received unknown parameters: colour, size"


def test_refused_parameters_are_not_stored_under_the_idempotency_key():
    with pytest.raises(stripe.InvalidRequestError):
        charge(source="tok_visa", foo="bar", idempotency_key="fix-the-typo")
    ch = charge(source="tok_visa", idempotency_key="fix-the-typo")
    assert ch.status == "succeeded"


ACCEPTED = {
    "expand everywhere": lambda: stripe.Charge.create(
        amount=2000, currency="usd", source="tok_visa", expand=["balance_transaction"],
        metadata={"any key": "v", "order_id": "1"}, description="d",
        receipt_email="a@example.com", statement_descriptor_suffix="X", capture=True),
    "metadata unset": lambda: stripe.Charge.modify(charge(source="tok_visa").id,
                                                   metadata={"a": ""}),
    "list with every filter": lambda: stripe.Charge.list(
        customer="cus_x", created={"gte": 1, "lt": 2 ** 31}, limit=3, expand=["data.customer"]),
    "created as a number": lambda: stripe.Refund.list(created=1, charge="ch_x"),
    "token with address": lambda: stripe.Token.create(card={
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123",
        "name": "N", "address_line1": "1 Main St", "address_line2": "", "address_city": "C",
        "address_state": "S", "address_zip": "94107", "address_country": "US"}),
    "refund with reason": lambda: stripe.Refund.create(
        charge=charge(source="tok_visa").id, amount=100, reason="requested_by_customer",
        metadata={"order_id": "1"}),
    "events by types": lambda: stripe.Event.list(types=["charge.succeeded"], limit=1),
    "search with page": lambda: stripe.Charge.search(query="status:'succeeded'", limit=1),
}


@pytest.mark.parametrize("call", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_legitimate_parameters_are_accepted(call):
    assert call() is not None


def test_stripejs_fields_are_accepted_on_tokens(emu):
    """What the Stripe.js stand-in posts with a publishable key (guid, muid, …)."""
    import requests

    resp = requests.post(f"{emu.url}/v1/tokens", timeout=5, data={
        "card[number]": "4242424242424242", "card[cvc]": "123", "card[exp_month]": "12",
        "card[exp_year]": "34", "card[address_zip]": "94107", "guid": "g", "muid": "m",
        "sid": "s", "payment_user_agent": "stripe.js/x", "time_on_page": "5",
        "key": "pk_test_emulator0000000000004242"})
    assert resp.status_code == 200 and resp.json()["object"] == "token"


VERSIONS = [
    (API_VERSION, True), ("2024-04-10", True), ("2020-08-27", True), ("2011-01-01", True),
    ("2024-09-30.acacia", True), ("2025-03-31.basil", True), ("2025-09-30.clover", True),
    ("2019-2-19", False), ("2099-01-01", False), ("2027-01-01.endive", False),
    ("2024-04-10.basil", False), ("2025-05-28", False), ("2024-06-20.acacia", False),
    ("latest", False), ("2023-02-30", False), ("2010-12-31", False),
    (f"{API_VERSION}; link_beta=v1", False), ("2025-03-31.zinnia", False),
]


@pytest.mark.parametrize("version,known", VERSIONS)
def test_stripe_version_header(client, version, known):
    call = lambda: client.v1.charges.list(options={"stripe_version": version})  # noqa: E731
    if known:
        result = call()
        assert result.object == "list"
        assert result.last_response.headers["Stripe-Version"] == version
        return
    with pytest.raises(stripe.InvalidRequestError) as info:
        call()
    assert info.value.http_status == 400 and info.value.code is None
    assert info.value.user_message == f"Invalid Stripe API version: {version}"
    assert info.value.headers["Stripe-Version"] == API_VERSION


def test_balance_history_is_the_old_name_of_balance_transactions(client):
    """Its list answers with the new name's url, as the schema's pattern requires."""
    ch = charge(source="tok_visa")
    stripe.Refund.create(charge=ch.id, amount=500)
    listed = client.raw_request("get", "/v1/balance/history", limit=10).data
    assert listed["object"] == "list" and listed["url"] == "/v1/balance_transactions"
    assert [t["type"] for t in listed["data"]] == ["refund", "charge"]
    one = client.raw_request("get", f"/v1/balance/history/{ch.balance_transaction}").data
    assert one == stripe.BalanceTransaction.retrieve(ch.balance_transaction).to_dict()
    only_charges = client.raw_request("get", "/v1/balance/history", type="charge").data
    assert [t["source"] for t in only_charges["data"]] == [ch.id]
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.raw_request("get", "/v1/balance/history/txn_nope")
    assert info.value.http_status == 404 and info.value.code == "resource_missing"


def _events(type_):
    return [e.data.object for e in stripe.Event.list(type=type_, limit=100).data]


SOURCE_EVENTS = {
    "create with source": lambda: stripe.Customer.create(source="tok_visa"),
    "update with source": lambda: stripe.Customer.modify(stripe.Customer.create().id,
                                                         source="tok_mastercard"),
    "add a source": lambda: stripe.Customer.retrieve(stripe.Customer.create_source(
        stripe.Customer.create().id, source="tok_amex").customer),
}


@pytest.mark.parametrize("make", SOURCE_EVENTS.values(), ids=SOURCE_EVENTS.keys())
def test_customer_source_created_event(make):
    cus = make()
    (card,) = _events("customer.source.created")
    assert card.object == "card" and card.customer == cus.id
    assert cus.default_source == card.id
    assert "wallet" not in card and card.cvc_check == "pass"


def test_no_source_event_without_a_source():
    stripe.Customer.create(email="plain@example.com")
    assert _events("customer.source.created") == []
    assert len(_events("customer.created")) == 1


def test_adding_the_first_source_updates_the_default():
    cus = stripe.Customer.create()
    card = stripe.Customer.create_source(cus.id, source="tok_visa")
    (event,) = stripe.Event.list(type="customer.updated").data
    assert event.data.object.default_source == card.id
    assert event.data.previous_attributes.to_dict() == {"default_source": None}


def test_signature_carries_t_v1_and_v0():
    payload, secret = '{"id": "evt_1"}', "whsec_abc"
    header = sign(payload, secret, timestamp=1700000000)
    parts = dict(p.split("=", 1) for p in header.split(","))
    assert list(parts) == ["t", "v1", "v0"] and parts["t"] == "1700000000"
    expected = hmac.new(secret.encode(), f"1700000000.{payload}".encode(),
                        hashlib.sha256).hexdigest()
    assert parts["v1"] == expected and parts["v0"] != expected and len(parts["v0"]) == 64
    # stripe-python verifies v1 and ignores v0 …
    stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    # … and a header carrying only the v0 value fails.
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(
            payload, f"t=1700000000,v1={parts['v0']}", secret, tolerance=None)



SHAPES = [
    ("POST", "/v1/charges", "amount[]=2000&currency=usd&source=tok_visa",
     "amount", "Invalid string: [\"2000\"]"),
    ("POST", "/v1/charges", "amount=2000&currency=usd&source=tok_visa&metadata[a][b]=1",
     "metadata", "Invalid hash"),
    ("POST", "/v1/tokens", "card[]=4242424242424242", "card", "Invalid hash"),
    ("POST", "/v1/customers", "source[]=tok_visa", "source", "Invalid hash"),
    ("GET", "/v1/events", "types=charge.succeeded", "types", "Invalid array"),
    ("GET", "/v1/charges", "created[]=1", "created", "Invalid hash"),
    ("GET", "/v1/charges", "expand[a]=customer", "expand", "Invalid array"),
    ("GET", "/v1/events", "types[]=a&types[k][j]=b", "types", "Invalid array"),
]


@pytest.mark.parametrize("method,path,form,param,message", SHAPES)
def test_wrong_parameter_shapes_are_400(emu, method, path, form, param, message):
    """Shapes the SDK would never send (a form body or query by hand) are Stripe's 400s."""
    import requests

    headers = {"Authorization": "Bearer sk_test_shapes"}
    if method == "GET":
        resp = requests.get(f"{emu.url}{path}?{form}", headers=headers, timeout=5)
    else:
        resp = requests.post(f"{emu.url}{path}", data=form, headers={
            **headers, "Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert (error["type"], error["param"], error["message"]) == \
        ("invalid_request_error", param, message)
