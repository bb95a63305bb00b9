"""Refunds, full or partial, kept in step with the charge (amount_refunded, refunded)."""
from ..currencies import format_major, parse_int
from ..errors import invalid, missing_param, no_such
from ..ids import new_id
from ..parameters import HASH, LIST, PAGE, STR, UNSUPPORTED
from ..router import route
from . import charge_objects as co
from .charges import get_charge
from .common import VIRTUAL_EXPANSIONS, list_page, lookup, merge_metadata, new_metadata

REASONS = ("duplicate", "fraudulent", "requested_by_customer")
REFUND = {"amount": STR, "reason": STR, "metadata": HASH,
          # customer-balance refunds, Connect, and refunds the buyer claims by email
          **dict.fromkeys(("currency", "customer", "origin", "instructions_email",
                           "refund_application_fee", "reverse_transfer"), UNSUPPORTED)}


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
        # ``reference`` (the ARN) appears once the network assigns it: never while pending.
        "destination_details": {"card": {"reference_status": "pending",
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
    ctx.emit("charge.refunded", charge)
    ctx.emit("refund.created", refund)
    return refund


@route("POST", "/v1/refunds", {**REFUND, "charge": STR, "payment_intent": STR})
def create_refund(ctx, params):
    charge_id = params.get("charge")
    if params.get("payment_intent"):
        charge = _charge_of_intent(ctx, params["payment_intent"])
        if charge_id and charge_id != charge["id"]:
            raise invalid(f"The charge {charge_id} does not belong to the PaymentIntent "
                          f"{params['payment_intent']}.", param="charge")
        return _create(ctx, params, charge)
    if not charge_id:
        raise missing_param("charge")
    return _create(ctx, params, get_charge(ctx, charge_id, "charge"))


def _charge_of_intent(ctx, pi_id):
    """``Refund.create(payment_intent=…)`` refunds the intent's succeeded charge."""
    pi = ctx.state.payment_intents.get(pi_id)
    if pi is None:
        raise no_such("payment_intent", pi_id, "payment_intent")
    charge = ctx.state.charges.get(pi["latest_charge"]) if pi["latest_charge"] else None
    if pi["status"] == "requires_capture":
        raise invalid(f"This PaymentIntent ({pi_id}) has not been captured: cancel the "
                      "PaymentIntent instead of refunding it, to release the funds.",
                      stored=True)
    if charge is None or charge["status"] != "succeeded":
        raise invalid(f"This PaymentIntent ({pi_id}) does not have a successful charge to "
                      "refund.", stored=True)
    return charge


@route("POST", "/v1/charges/{charge_id}/refunds", {**REFUND, "payment_intent": UNSUPPORTED})
def create_charge_refund(ctx, params, charge_id):
    """Refund a charge named in the URL (``payment_intent`` is for ``/v1/refunds``)."""
    return _create(ctx, params, get_charge(ctx, charge_id))


@route("POST", "/v1/charges/{charge_id}/refund", {
    **{k: v for k, v in REFUND.items() if k not in ("currency", "customer", "origin")},
    "payment_intent": UNSUPPORTED})
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


@route("POST", "/v1/refunds/{refund_id}", {"metadata": HASH})
def update_refund(ctx, params, refund_id):
    refund = _get(ctx, refund_id)
    merge_metadata(refund, params.get("metadata"))
    return refund


def refunds_of(state, charge_id) -> list:
    """The charge's refunds, newest first (an index lookup)."""
    coll = state.refunds
    ids = coll.ids("charge", charge_id)
    return [r for r in coll.walk(ids, 0, len(ids), None, len(ids)) if r["charge"] == charge_id]


def _charge_refunds_list(charge, state):
    """``expand[]=refunds`` on a charge (not included by default since 2022-11-15)."""
    data = refunds_of(state, charge["id"])
    return {"object": "list", "data": data, "has_more": False,
            "url": f"/v1/charges/{charge['id']}/refunds"}


VIRTUAL_EXPANSIONS["charge", "refunds"] = _charge_refunds_list


@route("GET", "/v1/refunds", {**LIST, "charge": STR, "payment_intent": STR})
def list_refunds(ctx, params):
    """Refunds newest first, by charge or PaymentIntent."""
    return list_page(ctx.state.refunds, params, "/v1/refunds", "refund",
                     where={"charge": params.get("charge"),
                            "payment_intent": params.get("payment_intent")})


@route("GET", "/v1/charges/{charge_id}/refunds", PAGE)
def list_charge_refunds(ctx, params, charge_id):
    get_charge(ctx, charge_id)
    return list_page(ctx.state.refunds, params, f"/v1/charges/{charge_id}/refunds", "refund",
                     where={"charge": charge_id})
