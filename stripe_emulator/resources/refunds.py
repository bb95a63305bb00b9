"""Refunds, full or partial, kept in step with the charge (amount_refunded, refunded)."""
from ..currencies import format_major, parse_int
from ..errors import invalid, missing_param, no_such
from ..ids import new_id
from ..router import route
from . import charge_objects as co
from .charges import get_charge
from .common import lookup, merge_metadata, new_metadata, newest_first, paginate

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def _create(ctx, params, charge):
    remaining = charge["amount"] - charge["amount_refunded"]
    cur = charge["currency"]
    if params.get("amount") not in (None, ""):
        amount = parse_int(params["amount"], "amount")
        if amount <= 0:
            raise invalid("Invalid positive integer", param="amount")
        if amount > remaining:
            raise invalid(f"Refund amount ({format_major(amount, cur)}) is greater than "
                          f"unrefunded amount on charge ({format_major(remaining, cur)})",
                          param="amount", stored=True)
    elif remaining <= 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.",
                      code="charge_already_refunded", stored=True)
    else:
        amount = remaining
    if charge["status"] != "succeeded":
        raise invalid(f"Charge {charge['id']} has failed and cannot be refunded.", stored=True)
    reason = params.get("reason") or None
    if reason and reason not in REASONS:
        raise invalid(f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason")
    refund = {
        "id": new_id("re_"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": ctx.now,
        "currency": cur,
        "customer": charge["customer"],
        "customer_account": None,
        "destination_details": {"card": {"reference": None, "reference_status": "pending",
                                         "reference_type": "acquirer_reference_number",
                                         "type": "refund"}, "type": "card"},
        "metadata": new_metadata(params.get("metadata")),
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    if charge["captured"]:
        txn = co.balance_transaction(ctx, amount=-amount, currency=cur, source=refund["id"],
                                     type_="refund", description="REFUND FOR CHARGE")
        refund["balance_transaction"] = txn["id"]
    else:
        refund["destination_details"]["card"]["type"] = "reversal"
    ctx.state.refunds[refund["id"]] = refund
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    charge["refunds"]["data"].insert(0, refund)
    ctx.emit("charge.refunded", charge)
    ctx.emit("refund.created", refund)
    return refund


@route("POST", "/v1/refunds")
def create_refund(ctx, params):
    charge_id = params.get("charge")
    if not charge_id:
        if params.get("payment_intent"):
            raise no_such("payment_intent", params["payment_intent"], "payment_intent")
        raise missing_param("charge")
    return _create(ctx, params, get_charge(ctx, charge_id, "charge"))


@route("POST", "/v1/charges/{charge_id}/refunds")
def create_charge_refund(ctx, params, charge_id):
    return _create(ctx, params, get_charge(ctx, charge_id))


@route("POST", "/v1/charges/{charge_id}/refund")
def legacy_refund(ctx, params, charge_id):
    """Old ``Charge.refund`` endpoint: refunds and returns the charge."""
    charge = get_charge(ctx, charge_id)
    _create(ctx, params, charge)
    return charge


def _get(ctx, refund_id):
    return lookup(ctx.state.refunds, "refund", refund_id)


@route("GET", "/v1/refunds/{refund_id}")
def retrieve_refund(ctx, params, refund_id):
    return _get(ctx, refund_id)


@route("POST", "/v1/refunds/{refund_id}")
def update_refund(ctx, params, refund_id):
    refund = _get(ctx, refund_id)
    merge_metadata(refund, params.get("metadata"))
    return refund


@route("GET", "/v1/refunds")
def list_refunds(ctx, params):
    items = newest_first(ctx.state.refunds)
    if params.get("charge"):
        items = [r for r in items if r["charge"] == params["charge"]]
    return paginate(items, params, "/v1/refunds", "refund")


@route("GET", "/v1/charges/{charge_id}/refunds")
def list_charge_refunds(ctx, params, charge_id):
    charge = get_charge(ctx, charge_id)
    return paginate(list(charge["refunds"]["data"]), params,
                    f"/v1/charges/{charge_id}/refunds", "refund")
