"""Charges: create (tokens, customers, declines, Radar, disputes), retrieve, update, list,
capture and search."""
from .. import search
from ..currencies import validate_amount, validate_currency
from ..errors import StripeError, card_error, invalid, missing_param
from ..parameters import ADDRESS, HASH, LIST, SEARCH, STR, UNSUPPORTED
from ..router import route
from . import charge_objects as co
from .common import list_page, lookup, merge_metadata, new_metadata, shipping, truthy
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


SHIPPING = {"address": ADDRESS, "carrier": STR, "name": STR, "phone": STR,
            "tracking_number": STR}
#: Connect's fees and transfers (the emulator has no connected accounts).
CONNECT = dict.fromkeys(("application_fee", "application_fee_amount", "transfer_data"),
                        UNSUPPORTED)
FRAUD_REPORTS = ("fraudulent", "safe")


@route("POST", "/v1/charges", {
    "amount": STR, "currency": STR, "source": SOURCE_PARAM, "customer": STR, "description": STR,
    "metadata": HASH, "receipt_email": STR, "statement_descriptor": STR,
    "statement_descriptor_suffix": STR, "capture": STR, "shipping": SHIPPING,
    "transfer_group": STR, "radar_options": {"session": STR}, **CONNECT,
    "card": UNSUPPORTED, "destination": UNSUPPORTED, "on_behalf_of": UNSUPPORTED})
def create_charge(ctx, params):
    """Charge a token, a card or a customer's default card (declines stored as failed)."""
    if params.get("amount") in (None, ""):
        raise missing_param("amount")
    currency = validate_currency(params.get("currency"))
    amount = validate_amount(params.get("amount"), currency)
    metadata = new_metadata(params.get("metadata"))
    extras = _extras(params)  # checked before a token is spent
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
    charge.update(extras)
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


def _extras(params) -> dict:
    """The charge fields ``shipping``, ``transfer_group`` and ``radar_options[session]``
    set, checked (nothing is changed yet)."""
    extras = {}
    if "shipping" in params:
        extras["shipping"] = shipping(params["shipping"])
    if "transfer_group" in params:
        extras["transfer_group"] = params["transfer_group"] or None
    radar = params.get("radar_options")
    if radar not in (None, "") and not isinstance(radar, dict):
        raise invalid("Invalid object", param="radar_options")
    if radar and radar.get("session"):
        extras["radar_options"] = {"session": radar["session"]}
    return extras


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


@route("POST", "/v1/charges/{charge_id}", {
    "description": STR, "receipt_email": STR, "metadata": HASH, "shipping": SHIPPING,
    "transfer_group": STR, "customer": STR, "fraud_details": {"user_report": STR}})
def update_charge(ctx, params, charge_id):
    """Update what Stripe lets change after the fact; ``charge.updated`` lists the old values."""
    charge = get_charge(ctx, charge_id)
    updates = {field: params[field] or None for field in ("description", "receipt_email")
               if field in params}
    if params.get("customer"):
        updates["customer"] = _new_customer(ctx, charge, params["customer"])
    if "fraud_details" in params:
        updates["fraud_details"] = _fraud_details(charge, params["fraud_details"])
    updates.update(_extras(params))  # every value checked before anything changes
    previous = {field: charge[field] for field in updates}
    charge.update(updates)
    if "metadata" in params:
        previous["metadata"] = dict(charge["metadata"])
        merge_metadata(charge, params["metadata"])
    if previous:
        event = ctx.emit("charge.updated", charge)
        event["data"]["previous_attributes"] = previous
    return charge


def _new_customer(ctx, charge, customer_id):
    """A charge made without a customer may be given one once, as on Stripe."""
    lookup(ctx.state.customers, "customer", customer_id, "customer")
    if charge["customer"] and charge["customer"] != customer_id:
        raise invalid("Cannot change the customer of a charge that already has one.",
                      param="customer")
    return customer_id


def _fraud_details(charge, raw):
    """``fraud_details[user_report]``: ``fraudulent`` or ``safe``; ``""`` removes the report."""
    report = raw.get("user_report") if isinstance(raw, dict) else raw
    if report in (None, ""):
        return {k: v for k, v in charge["fraud_details"].items() if k != "user_report"}
    if report not in FRAUD_REPORTS:
        raise invalid(f"Invalid fraud_details[user_report]: must be one of "
                      f"{', '.join(FRAUD_REPORTS)}", param="fraud_details[user_report]")
    return {**charge["fraud_details"], "user_report": report}


@route("POST", "/v1/charges/{charge_id}/capture", {
    "amount": STR, "receipt_email": STR, "statement_descriptor": STR,
    "statement_descriptor_suffix": STR, "transfer_group": STR, **CONNECT})
def capture_charge(ctx, params, charge_id):
    """Capture an authorized charge, all or part of it, with the receipt and descriptor
    given now."""
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
    if params.get("receipt_email"):
        charge["receipt_email"] = params["receipt_email"]
    if params.get("statement_descriptor"):
        charge["statement_descriptor"] = params["statement_descriptor"]
    if params.get("statement_descriptor_suffix"):
        charge["statement_descriptor_suffix"] = params["statement_descriptor_suffix"]
        charge["calculated_statement_descriptor"] = co.descriptor(
            params["statement_descriptor_suffix"])
    if params.get("transfer_group"):
        charge["transfer_group"] = params["transfer_group"]
    _settle(ctx, charge, amount)
    ctx.emit("charge.captured", charge)
    return charge


@route("GET", "/v1/charges", {**LIST, "customer": STR, "payment_intent": STR,
                              "transfer_group": STR})
def list_charges(ctx, params):
    """Charges newest first, by customer, PaymentIntent, transfer group, creation time."""
    where = {field: params.get(field)
             for field in ("customer", "payment_intent", "transfer_group")}
    return list_page(ctx.state.charges, params, "/v1/charges", "charge", where=where)
