"""Customers with legacy card sources: create, retrieve, update, list, delete, search."""
import string

from .. import cards, search
from ..errors import card_error, missing_param, no_such
from ..ids import _rng, new_id
from ..parameters import HASH, LIST, PAGE, SEARCH, STR
from ..router import route
from .common import expand, list_page, lookup, merge_metadata, new_metadata
from .tokens import SOURCE_PARAM, check_token_policy, consume_source, verify_cvc

SEARCH_FIELDS = {"created": "number", "email": "string", "name": "string", "phone": "string"}


def _get(ctx, customer_id, param="id"):
    customer = lookup(ctx.state.customers, "customer", customer_id, param)
    return customer


def _attach(ctx, customer, source):
    """Attach the card behind ``source``; decline cards are refused (§1.2)."""
    check_token_policy(ctx, source)
    card = consume_source(ctx, source)
    verify_cvc(ctx.state, card)
    behaviour = ctx.state.card_behaviour.get(card["id"])
    if behaviour in cards.ATTACH_DECLINES:
        code, decline_code, message, param, advice = cards.DECLINES[behaviour]
        raise card_error(code, message, param=param, decline_code=decline_code, advice=advice)
    card["customer"] = customer["id"]
    customer["_sources"].append(card["id"])
    return card


def view(ctx, customer, params=None):
    """The customer as the API shows it; ``sources`` only when expanded."""
    out = {k: v for k, v in customer.items() if not k.startswith("_")}
    paths = (params or {}).get("expand") or []
    if isinstance(paths, str):
        paths = [paths]
    if "sources" in paths:
        out["sources"] = _sources_list(ctx, customer)
        paths = [p for p in paths if p != "sources"]
    return expand(out, paths, ctx.state)


def _sources_list(ctx, customer):
    data = [ctx.state.cards[c] for c in reversed(customer["_sources"])]
    return {"object": "list", "data": data, "has_more": False,
            "url": f"/v1/customers/{customer['id']}/sources"}


@route("POST", "/v1/customers", {
    "source": SOURCE_PARAM, "email": STR, "name": STR, "description": STR, "phone": STR,
    "metadata": HASH})
def create_customer(ctx, params):
    customer = {
        "id": new_id("cus_", 14),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": ctx.now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": params.get("description") or None,
        "discount": None,
        "email": params.get("email") or None,
        "invoice_prefix": "".join(_rng.choices(string.ascii_uppercase + string.digits, k=8)),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                             "footer": None, "rendering_options": None},
        "livemode": False,
        "metadata": new_metadata(params.get("metadata")),
        "name": params.get("name") or None,
        "next_invoice_sequence": 1,
        "phone": params.get("phone") or None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
        "_sources": [],
    }
    card = None
    if params.get("source"):
        card = _attach(ctx, customer, params["source"])
        customer["default_source"] = card["id"]
    ctx.state.customers[customer["id"]] = customer
    ctx.emit("customer.created", view(ctx, customer))
    if card is not None:
        ctx.emit("customer.source.created", card)
    return view(ctx, customer, params)


@route("GET", "/v1/customers/search", SEARCH)
def search_customers(ctx, params):
    return search.run(ctx.state.customers, params, "/v1/customers/search", SEARCH_FIELDS,
                      present=lambda c: view(ctx, c))


@route("GET", "/v1/customers/{customer_id}")
def retrieve_customer(ctx, params, customer_id):
    if customer_id in ctx.state.deleted_customers:
        return {"id": customer_id, "object": "customer", "deleted": True}
    return view(ctx, _get(ctx, customer_id), params)


@route("POST", "/v1/customers/{customer_id}", {
    "source": SOURCE_PARAM, "default_source": STR, "email": STR, "name": STR, "description": STR,
    "phone": STR, "metadata": HASH})
def update_customer(ctx, params, customer_id):
    customer = _get(ctx, customer_id)
    if params.get("source"):
        card = _attach(ctx, customer, params["source"])
        customer["default_source"] = card["id"]
        ctx.emit("customer.source.created", card)
    if params.get("default_source"):
        if params["default_source"] not in customer["_sources"]:
            raise no_such("source", params["default_source"], "default_source")
        customer["default_source"] = params["default_source"]
    for field in ("email", "description", "name", "phone"):
        if field in params:
            customer[field] = params[field] or None
    merge_metadata(customer, params.get("metadata"))
    ctx.emit("customer.updated", view(ctx, customer))
    return view(ctx, customer, params)


@route("DELETE", "/v1/customers/{customer_id}")
def delete_customer(ctx, params, customer_id):
    customer = _get(ctx, customer_id)
    del ctx.state.customers[customer_id]
    ctx.state.deleted_customers.add(customer_id)
    ctx.emit("customer.deleted", view(ctx, customer))
    return {"id": customer_id, "object": "customer", "deleted": True}


@route("GET", "/v1/customers", {**LIST, "email": STR})
def list_customers(ctx, params):
    result = list_page(ctx.state.customers, params, "/v1/customers", "customer",
                       where={"email": params.get("email")})
    result["data"] = [view(ctx, c) for c in result["data"]]
    return result


@route("GET", "/v1/customers/{customer_id}/sources", {**PAGE, "object": STR})
def list_sources(ctx, params, customer_id):
    return _sources_list(ctx, _get(ctx, customer_id))


@route("POST", "/v1/customers/{customer_id}/sources", {"source": SOURCE_PARAM})
def add_source(ctx, params, customer_id):
    customer = _get(ctx, customer_id)
    if not params.get("source"):
        raise missing_param("source")
    card = _attach(ctx, customer, params["source"])
    ctx.emit("customer.source.created", card)
    if not customer["default_source"]:
        customer["default_source"] = card["id"]
        event = ctx.emit("customer.updated", view(ctx, customer))
        event["data"]["previous_attributes"] = {"default_source": None}
    return card


def _own_card(ctx, customer, source_id):
    if source_id not in customer["_sources"]:
        raise no_such("source", source_id)
    return ctx.state.cards[source_id]


@route("GET", "/v1/customers/{customer_id}/sources/{source_id}")
def retrieve_source(ctx, params, customer_id, source_id):
    return _own_card(ctx, _get(ctx, customer_id), source_id)


@route("DELETE", "/v1/customers/{customer_id}/sources/{source_id}")
def delete_source(ctx, params, customer_id, source_id):
    """Detach and delete a saved card; the newest remaining card becomes the default."""
    customer = _get(ctx, customer_id)
    card = _own_card(ctx, customer, source_id)
    customer["_sources"].remove(source_id)
    del ctx.state.cards[source_id]
    ctx.emit("customer.source.deleted", card)
    if customer["default_source"] == source_id:
        customer["default_source"] = customer["_sources"][-1] if customer["_sources"] else None
        event = ctx.emit("customer.updated", view(ctx, customer))
        event["data"]["previous_attributes"] = {"default_source": source_id}
    return {"id": source_id, "object": "card", "deleted": True}
