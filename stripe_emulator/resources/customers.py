"""Customers with legacy card sources: create, retrieve, update, list, delete, search."""
import string

from .. import cards, search
from ..errors import card_error, invalid, missing_param, no_such
from ..ids import _rng, new_id
from ..parameters import HASH, LIST, PAGE, SEARCH, STR
from ..router import route
from . import payment_methods
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


INVOICE_SETTINGS = {"default_payment_method": STR}


def _default_payment_method(ctx, customer, pm_id):
    """``invoice_settings[default_payment_method]``: one of the customer's PaymentMethods."""
    if pm_id in (None, ""):
        return None
    pm = payment_methods.find(ctx, pm_id, "invoice_settings[default_payment_method]")
    if pm["customer"] != customer["id"]:
        raise invalid(f"The customer does not have a payment method with the ID {pm_id}. The "
                      "payment method must be attached to the customer.",
                      param="invoice_settings[default_payment_method]")
    return pm_id


@route("POST", "/v1/customers", {
    "source": SOURCE_PARAM, "email": STR, "name": STR, "description": STR, "phone": STR,
    "metadata": HASH, "payment_method": STR, "invoice_settings": INVOICE_SETTINGS})
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
    card = pm = None
    if params.get("source"):
        card = _attach(ctx, customer, params["source"])
        customer["default_source"] = card["id"]
    settings = params.get("invoice_settings") or {}
    default = settings.get("default_payment_method") if isinstance(settings, dict) else None
    if default and default != params.get("payment_method"):  # a new customer has no other
        _default_payment_method(ctx, customer, default)
    if params.get("payment_method"):
        pm = payment_methods.attach(ctx, payment_methods.resolve(ctx, params["payment_method"]),
                                    customer, emit=False)
        if default:
            customer["invoice_settings"]["default_payment_method"] = pm["id"]
    ctx.state.customers[customer["id"]] = customer
    ctx.emit("customer.created", view(ctx, customer))
    if card is not None:
        ctx.emit("customer.source.created", card)
    if pm is not None:
        ctx.emit("payment_method.attached", payment_methods.view(ctx.state, pm))
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
    "phone": STR, "metadata": HASH, "invoice_settings": INVOICE_SETTINGS})
def update_customer(ctx, params, customer_id):
    customer = _get(ctx, customer_id)
    settings = params.get("invoice_settings")
    if isinstance(settings, dict) and "default_payment_method" in settings:
        customer["invoice_settings"]["default_payment_method"] = _default_payment_method(
            ctx, customer, settings["default_payment_method"])
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
