"""Every request parameter Stripe's spec defines on an endpoint the emulator serves is either
accepted or answered with the emulator's own ``parameter_not_supported_by_emulator`` 400;
never "Received unknown parameter", which stays the exact answer for names Stripe does not
know.

The table is generated from the pinned spec (``openapi/stripe-parameters.json``: every
operation of Stripe's 2024-04-10 spec3) for each route in the emulator's route table, so an
endpoint added later is checked without touching this file. Each parameter is sent alone,
through stripe-python, with a value of the shape the spec gives it (nested hashes one key at
a time), to a path whose ids do not exist: parameters are checked before anything is looked
up, so the answer tells how the parameter was taken.
"""
import json
import re
from pathlib import Path

import pytest
import requests
import stripe

from stripe_emulator import api  # noqa: F401  (registers every route)
from stripe_emulator.parameters import NOT_SUPPORTED, UNSUPPORTED
from stripe_emulator.router import _ROUTES

from .helpers import API_KEY

PARAMETERS = Path(__file__).with_name("openapi") / "stripe-parameters.json"
SPEC = json.loads(PARAMETERS.read_text())
PROBE = "emulator_probe_unknown"
#: raw_request keyword names that stripe-python takes as request options, not parameters.
SDK_OPTIONS = {"api_key", "idempotency_key", "stripe_account", "stripe_context",
               "stripe_version", "max_network_retries", "headers", "base", "usage"}
SHAPE_ERRORS = ("Invalid string", "Invalid hash", "Invalid array")
#: Parameters newer than the pinned 2024-04-10 spec that the emulator takes, each declared
#: in stripe-node 23.1.0's types (the file named; checked by test_stripe_node.py).
_PM = "PaymentMethods.d.ts"
_INTENT_NEWER = {"payment_method_data[billing_details][tax_id]": None,
                 "allowed_payment_method_types": None, "excluded_payment_method_types": None}
NEWER_PARAMETERS = {
    "POST /v1/payment_methods": {"billing_details[tax_id]": _PM},
    "POST /v1/payment_methods/{payment_method}": {"billing_details[tax_id]": _PM},
    "GET /v1/payment_methods": {"allow_redisplay": _PM},
    **{op: {k: file for k in _INTENT_NEWER} for op, file in (
        ("POST /v1/payment_intents", "PaymentIntents.d.ts"),
        ("POST /v1/payment_intents/{intent}", "PaymentIntents.d.ts"),
        ("POST /v1/payment_intents/{intent}/confirm", "PaymentIntents.d.ts"),
        ("POST /v1/setup_intents", "SetupIntents.d.ts"),
        ("POST /v1/setup_intents/{intent}", "SetupIntents.d.ts"))},
    "POST /v1/setup_intents/{intent}/confirm": {
        "payment_method_data[billing_details][tax_id]": "SetupIntents.d.ts"},
    "POST /v1/checkout/sessions": {name: "Checkout/Sessions.d.ts" for name in (
        "line_items[metadata]", "allowed_payment_method_types",
        "excluded_payment_method_types")},
}
#: What Stripe.js sends with the publishable key that the server-side spec leaves out:
#: card details in ``payment_method_data[card]`` and, on confirm, the expected type.
_STRIPEJS = {"payment_method_data[card]"}
STRIPEJS_PARAMETERS = {
    "POST /v1/payment_intents": _STRIPEJS, "POST /v1/payment_intents/{intent}": _STRIPEJS,
    "POST /v1/setup_intents": _STRIPEJS, "POST /v1/setup_intents/{intent}": _STRIPEJS,
    "POST /v1/payment_intents/{intent}/confirm": {*_STRIPEJS, "expected_payment_method_type"},
    "POST /v1/setup_intents/{intent}/confirm": {*_STRIPEJS, "expected_payment_method_type"},
}
def _template(path: str) -> str:
    """``/v1/charges/{charge}`` and the router's ``(?P<charge_id>[^/]+)`` both -> ``{}``."""
    return re.sub(r"\{\w+\}", "{}", path)


def served():
    """``(operation, accepted spec)`` for every /v1 route, named as in Stripe's spec."""
    spec_ops = {f"{op.split(' ')[0]} {_template(op.split(' ')[1])}": op
                for op in SPEC["operations"]}
    found = []
    for method, regex, _handler, accepted in _ROUTES:
        path = re.sub(r"\(\?P<\w+>\[\^/\]\+\)", "{}", regex.pattern[1:-1])
        if path.startswith("/v1/"):
            found.append((spec_ops.get(f"{method} {path}", f"{method} {path}"), accepted))
    return found


SERVED = served()


def sample(schema: dict, accepted=None):
    """A value of the shape ``schema`` describes (the first alternative, enum value,
    property). For a hash the emulator takes, a property it takes too, if any: the others
    are each sent on their own by the nested cases."""
    if "anyOf" in schema:
        alternatives = [a for a in schema["anyOf"] if a.get("enum") != [""]]
        return sample((alternatives or schema["anyOf"])[0], accepted)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    inner = accepted[0] if isinstance(accepted, list) else accepted
    if kind == "object":
        props = schema.get("properties")
        if props:
            taken = [k for k in props if isinstance(inner, dict)
                     and inner.get(k) not in (None, UNSUPPORTED)]
            name = (taken or list(props))[0]
            return {name: sample(props[name], inner.get(name) if taken else None)}
        return {"probe": "x"}
    if kind == "array":
        return [sample(schema.get("items", {"type": "string"}), inner)]
    return {"integer": 1, "number": 1, "boolean": False}.get(kind, "probe")


def object_properties(schema: dict) -> dict:
    """The sub-parameters of a hash parameter: the properties of every object alternative
    (``card`` on PaymentMethods is card details or ``{token}``), or of an array's items."""
    props = {}
    for alt in schema.get("anyOf", [schema]):
        if alt.get("type") == "object":
            props.update(alt.get("properties") or {})
        elif alt.get("type") == "array":
            props.update(alt.get("items", {}).get("properties") or {})
    return props


def form(params, prefix=""):
    """stripe-python's form encoding (``a[b]=c``, ``a[0]=x``, booleans as true/false)."""
    pairs = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            pairs += form(value, name)
        elif isinstance(value, list):
            pairs += form(dict(enumerate(value)), name)
        else:
            pairs.append((name, str(value).lower() if isinstance(value, bool) else value))
    return pairs


def send(client, operation: str, params: dict, base: str = ""):
    """``(status, error or None)`` for ``params`` sent to the operation (ids made up).

    Through stripe-python's ``raw_request``, except for a parameter whose name the SDK
    takes as a request option (``usage`` on SetupIntents): that one goes out as the SDK
    would encode it, with ``requests`` to ``base``."""
    method, path = operation.split(" ")
    path = re.sub(r"\{\w+\}", "emulator_probe_id", path)
    if SDK_OPTIONS & set(params):
        url = base + path
        where = "data" if method == "POST" else "params"
        resp = requests.request(method, url, headers={"Authorization": f"Bearer {API_KEY}"},
                                timeout=30, **{where: form(params)})
        return resp.status_code, resp.json().get("error") if resp.status_code != 200 else None
    try:
        client.raw_request(method.lower(), path, **params)
    except stripe.StripeError as exc:
        return exc.http_status, (exc.json_body or {}).get("error", {})
    return 200, None


def nest(path: list, value):
    """``["shipping", "address", "line1"], "x"`` -> ``{"shipping": {"address": {...}}}``;
    an array parameter's items get index 0."""
    for name, is_array in reversed(path[1:]):
        value = [{name: value}] if is_array else {name: value}
    return {path[0][0]: value}


def judge(operation, name, status, error) -> str | None:
    """Why the answer to one Stripe parameter is wrong, or None."""
    if status >= 500:
        return f"{operation} {name}: answered {status} {error}"
    if not error:
        return None
    code, param = error.get("code"), error.get("param") or ""
    if code == "parameter_unknown":
        return f"{operation} {name}: refused as unknown ({error.get('message')})"
    if code == NOT_SUPPORTED:
        if not (param == name or param.startswith(name + "[")) or \
                "not supported by the offline emulator" not in error.get("message", ""):
            return f"{operation} {name}: unclear refusal {error}"
        return None
    if param.startswith(name) and error.get("message", "").startswith(SHAPE_ERRORS):
        return f"{operation} {name}: Stripe's shape refused: {error.get('message')}"
    return None


def _sub_parameters(operation, top, schema, accepted, path):
    """``(name, params)`` for each nested parameter under an accepted hash, recursively."""
    props = object_properties(schema)
    if not props or not isinstance(accepted, (dict, list)):
        return
    inner = accepted[0] if isinstance(accepted, list) else accepted
    is_array = isinstance(accepted, list)
    for key, sub in props.items():
        full = path + [(key, is_array)]
        label = full[0][0] + "".join(f"[0][{k}]" if arr else f"[{k}]" for k, arr in full[1:])
        yield label, nest(full, sample(sub))
        if inner.get(key) not in (None, UNSUPPORTED):
            yield from _sub_parameters(operation, top, sub, inner[key], full)


@pytest.mark.parametrize("operation,accepted", SERVED, ids=[op for op, _ in SERVED])
def test_every_parameter_stripe_defines_is_accepted_or_refused_as_unsupported(
        operation, accepted, client, emu):
    """Each top-level and nested parameter of the spec: never "unknown", never a 5xx."""
    assert operation in SPEC["operations"], \
        f"{operation} is served but not in Stripe's pinned spec ({PARAMETERS.name})"
    problems = []
    for name, schema in SPEC["operations"][operation].items():
        if name == "expand":
            continue
        cases = [(name, {name: sample(schema, accepted.get(name))})]
        cases += _sub_parameters(operation, name, schema, accepted.get(name), [(name, False)])
        for label, params in cases:
            problems.append(judge(operation, label, *send(client, operation, params, emu.url)))
    problems = [p for p in problems if p]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("operation,accepted", SERVED, ids=[op for op, _ in SERVED])
def test_names_stripe_does_not_know_keep_stripes_unknown_parameter_answer(
        operation, accepted, client):
    """A made-up name, top-level and inside each accepted hash, gets Stripe's exact 400."""
    probes = [({PROBE: "x"}, PROBE)]
    for name, kind in accepted.items():
        if isinstance(kind, dict):
            probes.append(({name: {PROBE: "x"}}, f"{name}[{PROBE}]"))
    for params, full in probes:
        status, error = send(client, operation, params)
        assert status == 400, (operation, full, error)
        assert error["code"] == "parameter_unknown" and error["param"] == full
        assert error["message"] == f"Received unknown parameter: {full}"


@pytest.mark.parametrize("operation,accepted", SERVED, ids=[op for op, _ in SERVED])
def test_the_emulator_accepts_no_parameter_stripe_does_not_define(operation, accepted):
    """What the route table accepts is a subset of the spec, nested hashes included."""
    spec = SPEC["operations"].get(operation, {})
    extra = []

    def compare(mine, theirs, prefix):
        for name, kind in mine.items():
            full = f"{prefix}[{name}]" if prefix else name
            if name not in theirs:
                extra.append(full)
            elif isinstance(kind, (dict, list)):
                inner = kind[0] if isinstance(kind, list) else kind
                props = object_properties(theirs[name])
                if props:
                    compare(inner, props, full)

    compare(accepted, spec, "")
    extra = [name for name in extra if name not in NEWER_PARAMETERS.get(operation, {})
             and name not in STRIPEJS_PARAMETERS.get(operation, ())]
    assert extra == [], f"{operation} accepts parameters Stripe does not define: {extra}"


def test_unsupported_parameters_are_not_stored_under_the_idempotency_key(client):
    """The refusal is a validation failure: fixing the call under the same key works."""
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                         "source": "tok_visa", "on_behalf_of": "acct_1"},
                                 options={"idempotency_key": "drop-on-behalf-of"})
    assert info.value.http_status == 400 and info.value.code == NOT_SUPPORTED
    assert info.value.param == "on_behalf_of"
    assert info.value.user_message.startswith(
        "on_behalf_of is not supported by the offline emulator")
    assert "doc_url" not in info.value.json_body["error"]
    charge = client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                              "source": "tok_visa"},
                                      options={"idempotency_key": "drop-on-behalf-of"})
    assert charge.status == "succeeded"


def test_unknown_names_are_answered_before_unsupported_ones(client):
    """Stripe would answer the unknown name first; so does the emulator."""
    status, error = send(client, "POST /v1/charges", {"transfer_data": {"amount": 1},
                                                      "colour": "red"})
    assert (status, error["code"], error["param"]) == (400, "parameter_unknown", "colour")


def test_the_table_covers_the_endpoints_and_their_parameters():
    """The generated table is not empty: every served endpoint and ~200 parameters."""
    assert len(SERVED) >= 40
    count = sum(len(SPEC["operations"].get(op, {})) for op, _ in SERVED)
    assert count >= 200
