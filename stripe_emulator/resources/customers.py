"""Customers with legacy card sources: create, retrieve, update, list, delete, search."""
import re
import string

from .. import cards, search
from ..currencies import parse_int
from ..errors import card_error, invalid, missing_param, no_such
from ..ids import _rng, new_id
from ..parameters import ADDRESS, ARRAY, HASH, LIST, PAGE, SEARCH, STR, UNSUPPORTED
from ..router import route
from . import payment_methods
from .common import (
    address,
    expand,
    list_page,
    lookup,
    merge_metadata,
    new_metadata,
    paginate,
    shipping,
)
from .tokens import SOURCE_PARAM, check_token_policy, consume_source, verify_cvc

SEARCH_FIELDS = {"created": "number", "email": "string", "name": "string", "phone": "string"}
#: Fields both create and update take and store as given (``_apply``).
DETAILS = {
    "email": STR, "name": STR, "description": STR, "phone": STR, "metadata": HASH,
    "address": ADDRESS, "shipping": {"address": ADDRESS, "name": STR, "phone": STR},
    "balance": STR, "invoice_prefix": STR, "next_invoice_sequence": STR,
    "preferred_locales": ARRAY, "tax_exempt": STR,
    "invoice_settings": {"custom_fields": [{"name": STR, "value": STR}], "footer": STR,
                         "rendering_options": {"amount_tax_display": STR},
                         "default_payment_method": STR},
    # Billing (coupons, cash balance, tax) is not emulated.
    **dict.fromkeys(("cash_balance", "coupon", "promotion_code", "tax"), UNSUPPORTED),
}
TAX_EXEMPT = ("none", "exempt", "reverse")
TAX_DISPLAY = ("exclude_tax", "include_inclusive_tax")
_INVOICE_PREFIX = re.compile(r"^[A-Z0-9]{3,12}$")


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


def _details(customer, params) -> dict:
    """The details ``DETAILS`` lists that ``params`` sets, checked as Stripe checks them
    (``""`` unsets); nothing is changed yet, so a refused request changes nothing."""
    out = {field: params[field] or None for field in ("email", "description", "name", "phone")
           if field in params}
    if "address" in params:
        out["address"] = address(params["address"])
    if "shipping" in params:
        out["shipping"] = shipping(params["shipping"])
    if params.get("balance") not in (None, ""):
        out["balance"] = parse_int(params["balance"], "balance")
    if params.get("invoice_prefix") not in (None, ""):
        if not _INVOICE_PREFIX.match(params["invoice_prefix"]):
            raise invalid("Invalid invoice_prefix: must be 3 to 12 uppercase letters or "
                          "numbers", param="invoice_prefix")
        out["invoice_prefix"] = params["invoice_prefix"]
    if params.get("next_invoice_sequence") not in (None, ""):
        sequence = parse_int(params["next_invoice_sequence"], "next_invoice_sequence")
        if sequence < 1:
            raise invalid("This value must be greater than or equal to 1.",
                          param="next_invoice_sequence")
        out["next_invoice_sequence"] = sequence
    if "preferred_locales" in params:
        out["preferred_locales"] = list(params["preferred_locales"] or [])
    if "tax_exempt" in params:
        value = params["tax_exempt"] or "none"
        if value not in TAX_EXEMPT:
            raise invalid(f"Invalid tax_exempt: must be one of {', '.join(TAX_EXEMPT)}",
                          param="tax_exempt")
        out["tax_exempt"] = value
    if "invoice_settings" in params:
        out["invoice_settings"] = _invoice_settings(customer["invoice_settings"],
                                                    params["invoice_settings"])
    return out


def _invoice_settings(current, raw):
    """``invoice_settings[custom_fields|footer|rendering_options]`` merged into ``current``."""
    settings = dict(current)
    if not isinstance(raw, dict):
        raise invalid("Invalid hash", param="invoice_settings")
    if "custom_fields" in raw:
        fields = raw["custom_fields"] or None
        for i, item in enumerate(fields or []):
            for key in ("name", "value"):
                if not item.get(key):
                    raise missing_param(f"invoice_settings[custom_fields][{i}][{key}]")
        if fields and len(fields) > 4:
            raise invalid("Invalid array: at most 4 custom fields",
                          param="invoice_settings[custom_fields]")
        settings["custom_fields"] = ([{"name": f["name"], "value": f["value"]}
                                      for f in fields] if fields else None)
    if "footer" in raw:
        settings["footer"] = raw["footer"] or None
    if "rendering_options" in raw:
        options = raw["rendering_options"]
        if options not in (None, "") and not isinstance(options, dict):
            raise invalid("Invalid object", param="invoice_settings[rendering_options]")
        display = options.get("amount_tax_display") if options else None
        if display and display not in TAX_DISPLAY:
            raise invalid("Invalid invoice_settings[rendering_options][amount_tax_display]: "
                          f"must be one of {', '.join(TAX_DISPLAY)}",
                          param="invoice_settings[rendering_options][amount_tax_display]")
        settings["rendering_options"] = {"amount_tax_display": display} if options else None
    return settings


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


def _wanted_default(params):
    """The ``invoice_settings[default_payment_method]`` asked for (None: not given)."""
    settings = params.get("invoice_settings")
    return settings.get("default_payment_method") if isinstance(settings, dict) else None


@route("POST", "/v1/customers", {
    "source": SOURCE_PARAM, **DETAILS, "payment_method": STR,
    **dict.fromkeys(("tax_id_data", "test_clock"), UNSUPPORTED)})
def create_customer(ctx, params):
    """A customer with the details given, and the card of ``source`` as its default."""
    customer = {
        "id": new_id("cus_", 14),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": ctx.now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": "".join(_rng.choices(string.ascii_uppercase + string.digits, k=8)),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                             "footer": None, "rendering_options": None},
        "livemode": False,
        "metadata": new_metadata(params.get("metadata")),
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
        "_sources": [],
    }
    customer.update(_details(customer, params))
    card = pm = None
    default = _wanted_default(params)
    if default and default != params.get("payment_method"):  # a new customer has no other
        _default_payment_method(ctx, customer, default)
    if params.get("source"):
        card = _attach(ctx, customer, params["source"])
        customer["default_source"] = card["id"]
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
    "source": SOURCE_PARAM, "default_source": STR, **DETAILS,
    # legacy aliases and payment sources other than cards
    **dict.fromkeys(("card", "bank_account", "default_card", "default_bank_account",
                     "default_alipay_account"), UNSUPPORTED)})
def update_customer(ctx, params, customer_id):
    """Add a card (the new default), pick the default source, change the details."""
    customer = _get(ctx, customer_id)
    details = _details(customer, params)  # checked before a card is attached
    if isinstance(params.get("invoice_settings"), dict) and \
            "default_payment_method" in params["invoice_settings"]:
        details["invoice_settings"]["default_payment_method"] = _default_payment_method(
            ctx, customer, _wanted_default(params))
    if params.get("default_source") and params["default_source"] not in customer["_sources"]:
        raise no_such("source", params["default_source"], "default_source")
    if params.get("source"):
        card = _attach(ctx, customer, params["source"])
        customer["default_source"] = card["id"]
        ctx.emit("customer.source.created", card)
    if params.get("default_source"):
        customer["default_source"] = params["default_source"]
    customer.update(details)
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


@route("GET", "/v1/customers", {**LIST, "email": STR, "test_clock": UNSUPPORTED})
def list_customers(ctx, params):
    """Customers newest first, by email and creation time."""
    result = list_page(ctx.state.customers, params, "/v1/customers", "customer",
                       where={"email": params.get("email")})
    result["data"] = [view(ctx, c) for c in result["data"]]
    return result


@route("GET", "/v1/customers/{customer_id}/sources", {**PAGE, "object": STR})
def list_sources(ctx, params, customer_id):
    """The customer's cards, newest first, paged; ``object=card`` or another kind (the
    emulator saves only cards, so ``bank_account`` lists none)."""
    customer = _get(ctx, customer_id)
    data = _sources_list(ctx, customer)["data"]
    if params.get("object") not in (None, ""):
        data = [c for c in data if c["object"] == params["object"]]
    return paginate(data, params, f"/v1/customers/{customer_id}/sources", "source")


@route("POST", "/v1/customers/{customer_id}/sources", {
    "source": SOURCE_PARAM, "metadata": HASH,
    **dict.fromkeys(("card", "bank_account", "alipay_account"), UNSUPPORTED)})
def add_source(ctx, params, customer_id):
    """Attach a card to the customer, with ``metadata`` on the card; the first one becomes
    the default."""
    customer = _get(ctx, customer_id)
    if not params.get("source"):
        raise missing_param("source")
    card = _attach(ctx, customer, params["source"])
    card["metadata"] = new_metadata(params.get("metadata"))
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
