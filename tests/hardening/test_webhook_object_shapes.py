"""Validly signed events whose `data.object` has the wrong shape (an attack found 47 of
them answering 500 in 1,500 fuzzed events): every one is the 400 "malformed event: …"
the webhook gives other malformed events, and changes nothing — no order, attempt,
dispute or refund row moves and no WebhookEvent row is stored, so that a corrected
delivery of the same event id still works.

The objects name the store's real orders: a paid order's charge, a PaymentIntent and a
Checkout Session still waiting for their buyers, and the orders' references, so that the
bad fields reach past the look-ups into the flows.
"""

import json
import os
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus, WebhookEvent
from tests.fuzzing import json_values
from tests.helpers import csrf_from, post_event

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
#: The tables a webhook may write: none of them may change on a malformed event.
TABLES = ("orders", "payment_attempts", "disputes", "refunds", "webhook_events",
          "saved_cards", "course_access", "access_events", "outbox", "throttles")


@pytest.fixture
def store(app, make_course, buy, client, emulator_control):
    """A paid order (charges flow), an order waiting on its PaymentIntent and one waiting
    on its Checkout Session; their ids and references."""
    make_course()
    reference = buy()
    started = {}
    for flow, path in (("payment_intents", "payment-intent"),
                       ("checkout", "checkout-session")):
        app.config["PAYMENT_FLOW"] = flow
        try:
            page = client.get("/courses/python-jumpstart")
            response = client.post(f"/courses/python-jumpstart/{path}", data={
                "csrf_token": csrf_from(page.get_data(as_text=True)),
                "email": f"{flow}@example.com"}, headers={"Accept": "application/json"})
            assert response.status_code in (200, 302, 303), response.get_data(as_text=True)
        finally:
            app.config["PAYMENT_FLOW"] = "charges"
    with app.app_context():
        for order in db.session.scalars(select(Order)).all():
            started[order.email] = order
        paid = next(o for o in started.values() if o.reference == reference)
        intent = started["payment_intents@example.com"]
        session = started["checkout@example.com"]
        known = {
            "charge": paid.charge_id, "reference": reference,
            "intent": intent.payment.payment_intent_id, "intent_order": intent.reference,
            "session": session.payment.checkout_session_id,
            "session_order": session.reference,
        }
    assert all(known.values()), known
    return known


def _snapshot(app):
    """Every row of the tables a webhook may write."""
    with app.app_context():
        rows = {}
        for name in TABLES:
            table = db.metadata.tables[name]
            rows[name] = sorted(map(tuple, db.session.execute(select(table)).all()),
                                key=repr)
        db.session.remove()
        return rows


def _event(event_type, obj, event_id=None):
    return {"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event",
            "type": event_type, "created": int(time.time()), "livemode": False,
            "data": {"object": obj}}


#: (event type, object) with "{charge}", "{intent}", … standing for the store's own ids.
#: The first seven are the attack's; the others the rest of the fields the flows read.
MALFORMED = [
    ("payment_intent.succeeded", {"id": "pi_nope", "metadata": "x"}),
    ("payment_intent.payment_failed", {"id": 5}),
    ("payment_intent.succeeded", {"id": 99999999999999999999}),
    ("checkout.session.completed", {"id": {"a": 1}}),
    ("checkout.session.expired", {"id": "cs_x", "client_reference_id": 7}),
    ("charge.dispute.created", {"id": "dp_1", "charge": "{charge}", "amount": {"a": 1}}),
    ("charge.dispute.created", {"id": "dp_2", "charge": "{charge}", "status": {"a": 1}}),
    ("charge.dispute.created", {"id": "dp_3", "charge": "{charge}", "amount": 2**63}),
    # The dispute's other fields, and the same on its other events.
    ("charge.dispute.created", {"id": "dp_4", "charge": "{charge}", "amount": True}),
    ("charge.dispute.created", {"id": "dp_5", "charge": "{charge}", "amount": -1}),
    ("charge.dispute.created", {"id": "dp_6", "charge": "{charge}", "reason": ["x"]}),
    ("charge.dispute.updated", {"id": "dp_7", "charge": "{charge}", "currency": 840}),
    ("charge.dispute.closed", {"id": "dp_8", "charge": "{charge}", "status": 1}),
    ("charge.dispute.created", {"id": "dp_9", "charge": "{charge}", "status": "s" * 41}),
    ("charge.dispute.created", {"id": {"a": 1}, "charge": "{charge}"}),
    # A PaymentIntent's fields: its own id, its order's, its charge's and error's.
    ("payment_intent.succeeded", {"id": "{intent}", "metadata": "x"}),
    ("payment_intent.succeeded", {"id": "{intent}", "metadata": {"order_id": 5}}),
    ("payment_intent.payment_failed", {"id": "pi_nope",
                                       "metadata": {"order_id": ["{intent_order}"]}}),
    ("payment_intent.succeeded", {"id": "{intent}", "status": {"a": 1}}),
    ("payment_intent.succeeded", {"id": "{intent}", "status": "succeeded",
                                  "amount": 2**63, "currency": "usd"}),
    ("payment_intent.succeeded", {"id": "{intent}", "status": "succeeded",
                                  "amount": "6900", "currency": "usd"}),
    ("payment_intent.succeeded", {"id": "{intent}", "status": "succeeded",
                                  "amount": 6900, "currency": ["usd"]}),
    ("payment_intent.succeeded", {"id": "{intent}", "status": "succeeded",
                                  "latest_charge": 5}),
    ("payment_intent.succeeded", {"id": "{intent}", "status": "succeeded",
                                  "latest_charge": {"id": "ch_1", "amount": "x"}}),
    ("payment_intent.succeeded", {"id": "{intent}", "customer": 5}),
    ("payment_intent.succeeded", {"id": "{intent}", "customer": {"id": 5}}),
    ("payment_intent.succeeded", {"id": "{intent}", "payment_method": ["pm_1"]}),
    ("payment_intent.payment_failed", {"id": "{intent}", "last_payment_error": "x"}),
    ("payment_intent.payment_failed", {"id": "{intent}",
                                       "last_payment_error": {"code": {"a": 1}}}),
    ("payment_intent.payment_failed", {"id": "{intent}",
                                       "last_payment_error": {"payment_method": 5}}),
    ("payment_intent.canceled", {"id": "{intent}", "client_secret": 5}),
    # A Checkout Session's fields.
    ("checkout.session.expired", {"id": "cs_x", "client_reference_id": ["{session_order}"]}),
    ("checkout.session.completed", {"id": "{session}", "status": {"a": 1}}),
    ("checkout.session.completed", {"id": "{session}", "payment_status": 1}),
    ("checkout.session.completed", {"id": "{session}", "payment_intent": 5}),
    ("checkout.session.completed", {"id": "{session}", "payment_intent": {"id": 5}}),
    ("checkout.session.completed", {"id": "{session}", "amount_total": 2**63}),
    ("checkout.session.completed", {"id": "{session}", "amount_total": 1.5}),
    ("checkout.session.completed", {"id": "{session}", "metadata": ["x"]}),
    ("checkout.session.completed", {"id": "{session}", "customer": 7}),
    ("checkout.session.completed", {"id": "{session}", "url": {"a": 1}}),
    ("checkout.session.completed", {"id": "{session}", "total_details": "x"}),
    ("checkout.session.completed", {"id": "{session}", "automatic_tax": [1]}),
    ("checkout.session.completed", {
        "id": "{session}", "status": "complete", "payment_status": "paid",
        "automatic_tax": {"enabled": True, "status": "complete"},
        "total_details": {"amount_tax": "x"}}),
    ("checkout.session.completed", {
        "id": "{session}", "status": "complete", "payment_status": "paid",
        "automatic_tax": {"enabled": True, "status": "complete"},
        "total_details": {"amount_tax": 100, "breakdown": {"taxes": [
            {"amount": 100, "rate": {"percentage": "lots"}}]}}}),
    ("checkout.session.completed", {
        "id": "{session}", "status": "complete", "payment_status": "paid",
        "automatic_tax": {"enabled": True, "status": "complete"},
        "total_details": {"amount_tax": 100, "breakdown": {"taxes": ["x"]}}}),
    ("checkout.session.completed", {
        "id": "{session}", "status": "complete", "payment_status": "paid",
        "automatic_tax": {"enabled": True, "status": "complete"},
        "customer_details": {"address": {"country": 5}, "tax_ids": [{"value": 5}]}}),
    ("checkout.session.async_payment_failed", {"id": "{session}", "client_reference_id": 1}),
    # A charge's references the flows read (its intent, customer, payment method).
    ("charge.succeeded", {"id": "{charge}", "status": "succeeded", "currency": "usd",
                          "amount": 6900, "payment_intent": 5}),
    ("charge.succeeded", {"id": "{charge}", "status": "succeeded", "currency": "usd",
                          "amount": 6900, "customer": ["cus_1"]}),
    ("charge.succeeded", {"id": "{charge}", "status": "succeeded", "currency": "usd",
                          "amount": 6900, "payment_method": {"id": 5}}),
    ("charge.succeeded", {"id": "{charge}", "status": "succeeded", "currency": "usd",
                          "amount": 6900,
                          "payment_method_details": {"card": {"funding": 5}}}),
    ("refund.created", {"id": "re_1", "currency": "usd", "amount": 100,
                        "charge": "{charge}", "payment_intent": 5}),
]


def _fill(value, known):
    """`value` with each "{name}" string replaced by the store's own id."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return known[value[1:-1]]
    if isinstance(value, dict):
        return {key: _fill(item, known) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, known) for item in value]
    return value


def _describe(case):
    event_type, obj = case
    return f"{event_type}:{json.dumps(obj)[:60]}"


@pytest.mark.parametrize("case", MALFORMED, ids=[_describe(c) for c in MALFORMED])
def test_a_malformed_object_is_a_400_and_changes_nothing(app, client, store, case):
    event_type, obj = case
    before = _snapshot(app)
    response = post_event(client, _event(event_type, _fill(obj, store)))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error.startswith("malformed event: "), error
    assert _snapshot(app) == before


def test_a_corrected_delivery_of_a_refused_event_still_works(app, client, store, orders):
    """The refused event was not recorded as processed: Stripe's (or a fixed sender's)
    next delivery of the same event id is applied."""
    dispute = {"id": "dp_fixed", "object": "dispute", "charge": store["charge"],
               "amount": 6900, "currency": "usd", "reason": "fraudulent",
               "status": "needs_response"}
    bad = post_event(client, _event("charge.dispute.created", {**dispute, "amount": 2**63},
                                    "evt_redelivered"))
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.get(WebhookEvent, "evt_redelivered") is None
    good = post_event(client, _event("charge.dispute.created", dispute, "evt_redelivered"))
    assert good.status_code == 200, good.get_data(as_text=True)
    [order] = [o for o in orders() if o.reference == store["reference"]]
    assert order.status == OrderStatus.DISPUTED


def test_well_formed_objects_of_these_types_are_still_handled(app, client, store, orders):
    """The checks refuse only what the store cannot read: Stripe's nulls and expanded
    ids pass, and the events are applied."""
    intent = {"id": store["intent"], "object": "payment_intent", "status":
              "requires_payment_method", "amount": 6900, "currency": "usd",
              "customer": None, "latest_charge": None, "payment_method": None,
              "last_payment_error": {"code": "card_declined", "decline_code":
                                     "insufficient_funds", "message": "Declined.",
                                     "payment_method": {"id": "pm_1", "object":
                                                        "payment_method"}},
              "metadata": {"order_id": store["intent_order"]}, "client_secret": None}
    response = post_event(client, _event("payment_intent.payment_failed", intent))
    assert response.status_code == 200, response.get_data(as_text=True)
    session = {"id": store["session"], "object": "checkout.session", "status": "open",
               "payment_status": "unpaid", "client_reference_id": store["session_order"],
               "payment_intent": None, "customer": None, "amount_total": 6900,
               "currency": "usd", "metadata": {}, "url": "https://checkout.example/x",
               "automatic_tax": {"enabled": False, "status": None},
               "total_details": {"amount_tax": 0, "amount_discount": 0},
               "customer_details": None}
    response = post_event(client, _event("checkout.session.async_payment_failed", session))
    assert response.status_code == 200, response.get_data(as_text=True)
    dispute = {"id": "dp_ok", "object": "dispute", "charge": store["charge"],
               "amount": 6900, "currency": "usd", "reason": None, "status": "won"}
    response = post_event(client, _event("charge.dispute.closed", dispute))
    assert response.status_code == 200, response.get_data(as_text=True)
    # charge.refund.updated carries a refund, not a charge: checked as a refund
    refund = {"id": "re_ok", "object": "refund", "amount": 100, "currency": "usd",
              "charge": store["charge"], "payment_intent": None, "reason": None,
              "status": "succeeded", "metadata": {}, "balance_transaction": "txn_1",
              "created": 1700000000}
    response = post_event(client, _event("charge.refund.updated", refund))
    assert response.status_code == 200, response.get_data(as_text=True)


# --- Property-based: random types in the fields the store reads -------------------------

FUZZED_TYPES = [
    "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
    "payment_intent.requires_action", "payment_intent.processing",
    "checkout.session.completed", "checkout.session.expired",
    "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
    "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
    "charge.succeeded", "charge.updated", "refund.created",
]


def _odd(*plausible):
    """A field's value: one that fits (`plausible`), a number past every range, or any
    JSON value at all."""
    options = [json_values, st.sampled_from([2**31, 2**63, 10**30, -1, True, 1.5, "",
                                             "x" * 300, {"a": 1}, ["a"]])]
    if plausible:
        options.insert(0, st.sampled_from(list(plausible)))
    return st.one_of(*options)


def shaped_objects(known):
    """PaymentIntent-, Session-, dispute- and charge-shaped objects naming the store's
    own ids, each field of the right type or of any other."""
    ids = [known["charge"], known["intent"], known["session"]]
    references = [known["reference"], known["intent_order"], known["session_order"]]
    tax = st.fixed_dictionaries({}, optional={
        "amount_tax": _odd(0, 100), "breakdown": _odd({}) | st.fixed_dictionaries(
            {"taxes": st.lists(_odd({"amount": 100, "rate": {"percentage": 19.0}}),
                               max_size=2)})})
    return st.fixed_dictionaries({"id": _odd(*ids)}, optional={
        "object": st.sampled_from(["payment_intent", "checkout.session", "dispute",
                                   "charge", "refund"]),
        "charge": _odd(known["charge"]), "payment_intent": _odd(known["intent"]),
        "latest_charge": _odd(known["charge"], {"id": known["charge"]}),
        "client_reference_id": _odd(*references),
        "customer": _odd("cus_1", None), "payment_method": _odd("pm_1", None),
        "metadata": _odd({"order_id": references[1]}) | st.fixed_dictionaries(
            {"order_id": _odd(*references)}),
        "amount": _odd(6900), "amount_total": _odd(6900), "amount_refunded": _odd(0),
        "currency": _odd("usd"), "status": _odd("succeeded", "complete", "expired",
                                                "needs_response", "won", "lost"),
        "payment_status": _odd("paid", "unpaid"), "reason": _odd("fraudulent"),
        "url": _odd("https://checkout.example/x"), "client_secret": _odd("pi_secret"),
        "last_payment_error": _odd({"code": "card_declined"}) | st.fixed_dictionaries(
            {}, optional={"code": _odd("card_declined"), "decline_code": _odd("x"),
                          "message": _odd("x"), "payment_method": _odd("pm_1")}),
        "automatic_tax": _odd({"enabled": True, "status": "complete"}),
        "total_details": _odd({}) | tax,
        "customer_details": _odd({"address": {"country": "DE"}}),
        "payment_method_details": _odd({"card": {"brand": "visa", "last4": "4242"}}),
        "created": _odd(int(time.time())), "paid": _odd(True), "livemode": _odd(False),
    })


def test_no_shape_of_these_objects_gets_a_server_error(app, client, store):
    """EXAMPLES validly signed events of the handled types with randomly typed fields:
    never a 5xx (503 aside: Stripe unreachable) and never a traceback."""
    answers = []

    def check(event_type, obj):
        response = post_event(client, _event(event_type, obj))
        body = response.get_data(as_text=True)
        answers.append(response.status_code)
        assert response.status_code < 500, (response.status_code, event_type, obj, body)
        assert "Traceback" not in body

    settings(max_examples=EXAMPLES * 4, derandomize=True, database=None, deadline=None,
             suppress_health_check=list(HealthCheck))(
        given(event_type=st.sampled_from(FUZZED_TYPES), obj=shaped_objects(store))(check)
    )()
    assert 400 in answers and 200 in answers  # refusals, and events that got through

