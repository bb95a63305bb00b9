"""Charges: create (tokens, customers, declines, Radar, disputes), retrieve, update, list,
capture and search."""
from .. import search
from ..currencies import validate_amount, validate_currency
from ..errors import StripeError, card_error, invalid, missing_param
from ..parameters import HASH, LIST, SEARCH, STR
from ..router import route
from . import charge_objects as co
from .common import list_page, lookup, merge_metadata, new_metadata, truthy
from .tokens import SOURCE_PARAM, check_token_policy, consume_source, verify_cvc

NO_SAVED_SOURCE = (
    "This Customer doesn't have any saved payment details. Attach a legacy Token, Card, Bank "
    "Account, or Source to this Customer and then try this request again, or use Payment "
    "Intents and Payment Methods instead."
)
SEARCH_FIELDS = {
    "amount": "number", "created": "number", "currency": "string", "customer": "string",
    "status": "string", "disputed": "bool", "refunded": "refunded",
    "billing_details.address.postal_code": "string",
    "payment_method_details.card.last4": "string",
    "payment_method_details.card.exp_month": "number",
    "payment_method_details.card.exp_year": "number",
    "payment_method_details.card.brand": "string",
    "payment_method_details.card.fingerprint": "string",
}


def get_charge(ctx, charge_id, param="id"):
    charge = lookup(ctx.state.charges, "charge", charge_id, param)
    return charge


def _card_for(ctx, params):
    """Resolve ``source``/``customer`` to (card, customer id)."""
    source, customer_id = params.get("source"), params.get("customer")
    if not source and not customer_id:
        raise invalid("Must provide source or customer.", code="parameter_missing")
    check_token_policy(ctx, source)
    customer = None
    if customer_id:
        customer = lookup(ctx.state.customers, "customer", customer_id, "customer")
    if source:
        if customer and isinstance(source, str) and source.startswith("card_"):
            card = ctx.state.cards.get(source)
            if card is None or card["customer"] != customer_id:
                raise StripeError(400, "invalid_request_error",
                                  f"Customer {customer_id} does not have a linked source "
                                  f"with ID {source}.", code="missing", param="source")
            return card, customer_id
        return consume_source(ctx, source), customer_id
    default = customer.get("default_source")
    if not default:
        raise card_error("missing", NO_SAVED_SOURCE, param="card")
    return ctx.state.cards[default], customer_id


@route("POST", "/v1/charges", {
    "amount": STR, "currency": STR, "source": SOURCE_PARAM, "customer": STR, "description": STR,
    "metadata": HASH, "receipt_email": STR, "statement_descriptor": STR,
    "statement_descriptor_suffix": STR, "capture": STR})
def create_charge(ctx, params):
    if params.get("amount") in (None, ""):
        raise missing_param("amount")
    currency = validate_currency(params.get("currency"))
    amount = validate_amount(params.get("amount"), currency)
    metadata = new_metadata(params.get("metadata"))
    captured = truthy(params.get("capture"), default=True)
    card, customer_id = _card_for(ctx, params)
    verify_cvc(ctx.state, card)
    behaviour = ctx.state.card_behaviour.get(card["id"])
    if customer_id and card["customer"] is None:
        card = {**card}  # a token charged for a customer is not attached to it
    decline, result = co.charge_outcome(behaviour)
    charge = co.build_charge(ctx, amount=amount, currency=currency, card=card,
                             customer=customer_id, params=params, captured=captured,
                             outcome_=result, failure=decline and (decline[0], decline[2]))
    charge["metadata"] = metadata
    ctx.state.charges[charge["id"]] = charge
    if decline:
        ctx.emit("charge.failed", charge)
        code, decline_code, message, param, advice = decline
        raise card_error(code, message, param=param, decline_code=decline_code,
                         charge=charge["id"], advice=advice)
    if captured:
        _settle(ctx, charge, amount)
    ctx.emit("charge.succeeded", charge)
    if behaviour in co.DISPUTES:
        dispute = co.dispute(ctx, charge, behaviour)
        charge["disputed"] = True
        ctx.emit("charge.dispute.created", dispute)
    return charge


def _settle(ctx, charge, amount):
    txn = co.balance_transaction(ctx, amount=amount, currency=charge["currency"],
                                 source=charge["id"], type_="charge",
                                 description=charge["description"],
                                 fee=co.fee_for(amount, charge["currency"]))
    charge["balance_transaction"] = txn["id"]
    charge["captured"] = True
    charge["amount_captured"] = amount


@route("GET", "/v1/charges/search", SEARCH)
def search_charges(ctx, params):
    return search.run(ctx.state.charges, params, "/v1/charges/search", SEARCH_FIELDS)


@route("GET", "/v1/charges/{charge_id}")
def retrieve_charge(ctx, params, charge_id):
    return get_charge(ctx, charge_id)


@route("POST", "/v1/charges/{charge_id}",
       {"description": STR, "receipt_email": STR, "metadata": HASH})
def update_charge(ctx, params, charge_id):
    charge = get_charge(ctx, charge_id)
    previous = {}
    for field in ("description", "receipt_email"):
        if field in params:
            previous[field] = charge[field]
            charge[field] = params[field] or None
    if "metadata" in params:
        previous["metadata"] = dict(charge["metadata"])
        merge_metadata(charge, params["metadata"])
    if previous:
        event = ctx.emit("charge.updated", charge)
        event["data"]["previous_attributes"] = previous
    return charge


@route("POST", "/v1/charges/{charge_id}/capture", {"amount": STR})
def capture_charge(ctx, params, charge_id):
    charge = get_charge(ctx, charge_id)
    if charge["captured"]:
        raise invalid(f"Charge {charge_id} has already been captured.",
                      code="charge_already_captured", stored=True)
    if charge["status"] != "succeeded":
        raise invalid(f"Charge {charge_id} has failed and cannot be captured.", stored=True)
    amount = charge["amount"]
    if params.get("amount") not in (None, ""):
        amount = validate_amount(params["amount"], charge["currency"])
        if amount > charge["amount"]:
            raise invalid("You cannot capture more than the authorized amount.",
                          param="amount")
    _settle(ctx, charge, amount)
    ctx.emit("charge.captured", charge)
    return charge


@route("GET", "/v1/charges", {**LIST, "customer": STR, "payment_intent": STR})
def list_charges(ctx, params):
    where = {"customer": params.get("customer"),
             "payment_intent": params.get("payment_intent")}
    return list_page(ctx.state.charges, params, "/v1/charges", "charge", where=where)
