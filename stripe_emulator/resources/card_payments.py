"""Paying an intent with a card: whether 3-D Secure is needed (INTENTS §3.5, §3.8), the
charge it makes (a real charge in the charge store, carrying ``payment_intent``), its
declines and the errors and events Stripe gives for each (§3.7, §7.2).

Shared by PaymentIntents (``payment_intents.py``) and the hosted Checkout page.
"""
import copy
import uuid

from .. import cards
from ..errors import DOC_BASE, StripeError
from . import charge_objects as co
from . import payment_methods as pms
from .charges import _settle
from .common import public

AUTH_REQUIRED = "Your card was declined. This transaction requires authentication."
#: Callables ``(ctx, pi)`` run when an intent's payment succeeds or is authorized, before the
#: asynchronous balance transaction follows: Checkout completes its Session there.
ON_SUCCEEDED = []
AUTH_FAILED = ("The provided PaymentMethod has failed authentication. You can provide "
               "payment_method_data or a new PaymentMethod to attempt to fulfill this "
               "PaymentIntent again.")


def snapshot(obj):
    """A deep copy, so an error body or event keeps what the object was when it was made."""
    return copy.deepcopy(obj)


def needs_authentication(state, pm, *, off_session, forced=False) -> bool:
    """Whether confirming with ``pm`` asks the bank to authenticate the buyer (§1.6)."""
    behaviour = state.card_behaviour.get(pm["id"])
    rule = cards.THREE_D_SECURE.get(behaviour)
    if rule is None:
        return forced and not off_session and behaviour not in cards.NO_THREE_D_SECURE
    if not off_session:
        return True
    if rule.off_session == "unless_set_up":
        return not pm.get("_set_up")
    return rule.off_session == "always"


def error_dict(type_, code, message, *, decline_code=None, param=None, charge=None,
               advice=None, pm_view=None, intent_type="payment_intent") -> dict:
    """An ``api_errors`` hash as Stripe puts it in ``last_payment_error`` (and 402 bodies)."""
    err = {"type": type_, "code": code, "doc_url": DOC_BASE + code.replace("_", "-"),
           "message": message}
    if decline_code:
        err["decline_code"] = decline_code
    if param:
        err["param"] = param
    if charge:
        err["charge"] = charge
    if advice:
        err["advice_code"] = advice
    if pm_view is not None:
        err["payment_method"] = pm_view
        if intent_type == "payment_intent":
            err["payment_method_type"] = "card"
    return err


def decline_error(decline, charge_id, pm_view) -> dict:
    """The card error of a declined charge, as ``last_payment_error``."""
    code, decline_code, message, param, advice = decline
    return error_dict("card_error", code, message, decline_code=decline_code, param=param,
                      charge=charge_id, advice=advice, pm_view=pm_view)


def authentication_required_error(pm_view) -> dict:
    """Off-session (or ``error_on_requires_action``) confirmation of a card that needs 3DS."""
    return error_dict("card_error", "authentication_required", AUTH_REQUIRED,
                      decline_code="authentication_required", pm_view=pm_view)


def authentication_failed_error(pm_view, intent_type="payment_intent") -> dict:
    """The buyer pressed Fail on the test authentication page."""
    if intent_type == "setup_intent":
        return error_dict("invalid_request_error", "setup_intent_authentication_failure",
                          AUTH_FAILED.replace("PaymentIntent", "SetupIntent"),
                          pm_view=pm_view, intent_type=intent_type)
    return error_dict("invalid_request_error", "payment_intent_authentication_failure",
                      AUTH_FAILED, pm_view=pm_view)


def intent_error(status, err, *, intent_key, intent_view, stored=True) -> StripeError:
    """A ``StripeError`` whose body carries the intent (and the PaymentMethod) (§3.7)."""
    extra = {k: v for k, v in err.items()
             if k in ("payment_method", "payment_method_type", "advice_code")}
    extra[intent_key] = intent_view
    return StripeError(status, err["type"], err["message"], code=err["code"],
                       param=err.get("param"), decline_code=err.get("decline_code"),
                       charge=err.get("charge"), extra=extra, stored=stored)


def _card_like(state, pm) -> dict:
    """The legacy-card fields ``charge_objects.build_charge`` reads, from a PaymentMethod."""
    if pm["object"] == "card":
        return pm
    address = pm["billing_details"]["address"]
    checks = pm["card"]["checks"]
    card = pm["card"]
    return {"id": pm["id"], "address_city": address["city"],
            "address_country": address["country"], "address_line1": address["line1"],
            "address_line2": address["line2"], "address_zip": address["postal_code"],
            "address_state": address["state"], "name": pm["billing_details"]["name"],
            "address_line1_check": checks["address_line1_check"],
            "address_zip_check": checks["address_postal_code_check"],
            "cvc_check": checks["cvc_check"], "country": card["country"],
            "exp_month": card["exp_month"], "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"], "funding": card["funding"],
            "last4": card["last4"]}


def three_d_secure_result() -> dict:
    """``payment_method_details.card.three_d_secure`` after a completed test challenge."""
    return {"authentication_flow": "challenge", "electronic_commerce_indicator": "05",
            "exemption_indicator": None, "result": "authenticated", "result_reason": None,
            "transaction_id": str(uuid.uuid4()), "version": "2.2.0"}


def capture_method(pi) -> str:
    """The intent's capture method for a card: ``payment_method_options[card]`` overrides."""
    card = pi["payment_method_options"].get("card") or {}
    return card.get("capture_method") or pi["capture_method"]


def setup_future_usage(pi):
    """The intent's ``setup_future_usage`` for a card (``none`` there turns it off)."""
    card = pi["payment_method_options"].get("card") or {}
    usage = card.get("setup_future_usage") or pi["setup_future_usage"]
    return None if usage == "none" else usage


def build_intent_charge(ctx, pi, pm, *, authenticated):
    """The charge of one payment attempt (stored), and the decline tuple or None."""
    state = ctx.state
    behaviour = state.card_behaviour.get(pm["id"])
    rule = cards.THREE_D_SECURE.get(behaviour)
    if rule is not None:  # authenticated, or set up for off-session: only ``then`` declines
        decline, outcome = co.charge_outcome(rule.then if authenticated else None)
    else:
        decline, outcome = co.charge_outcome(behaviour)
    captured = capture_method(pi) != "manual"
    charge = co.build_charge(
        ctx, amount=pi["amount"], currency=pi["currency"], card=_card_like(state, pm),
        customer=pi["customer"], captured=captured, outcome_=outcome,
        params={k: pi[k] for k in ("description", "receipt_email", "statement_descriptor",
                                   "statement_descriptor_suffix")},
        failure=decline and (decline[0], decline[2]))
    charge["payment_intent"] = pi["id"]
    charge["metadata"] = dict(pi["metadata"])
    charge["shipping"] = snapshot(pi["shipping"])
    charge["transfer_group"] = pi["transfer_group"]
    if pm["object"] == "payment_method":
        charge["source"] = None
        charge["billing_details"] = snapshot(pm["billing_details"])
    if authenticated:
        charge["payment_method_details"]["card"]["three_d_secure"] = three_d_secure_result()
    state.charges[charge["id"]] = charge
    return charge, decline


def pay(ctx, pi, pm, *, view, authenticated=False):
    """Charge ``pm`` for ``pi`` and move the intent on: ``succeeded``/``requires_capture``,
    or ``requires_payment_method`` with a 402 raised (``view(pi)`` goes in its body)."""
    state = ctx.state
    pms.first_use(state, pm)
    charge, decline = build_intent_charge(ctx, pi, pm, authenticated=authenticated)
    pi["latest_charge"] = charge["id"]
    pi["next_action"] = None
    pi["_auth"] = None
    if decline:
        if pm["object"] == "payment_method" and pm["customer"] is None:
            pm["_used"] = True
        ctx.emit("charge.failed", charge)
        err = decline_error(decline, charge["id"], pms.view(state, pm))
        fail(ctx, pi, err)
        raise intent_error(402, err, intent_key="payment_intent", intent_view=view(pi))
    _after_success(ctx, pi, pm)
    amount = pi["amount"]
    if capture_method(pi) == "manual":
        pi["status"] = "requires_capture"
        pi["amount_capturable"] = amount
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.amount_capturable_updated", public(pi))
        for hook in ON_SUCCEEDED:
            hook(ctx, pi)
    else:
        asynchronous = capture_method(pi) == "automatic_async"
        if not asynchronous:
            _settle(ctx, charge, amount)
        ctx.emit("charge.succeeded", charge)
        pi["status"] = "succeeded"
        pi["amount_received"] = amount
        ctx.emit("payment_intent.succeeded", public(pi))
        for hook in ON_SUCCEEDED:
            hook(ctx, pi)
        if asynchronous:  # the balance transaction follows (2024-04-10 automatic_async)
            _settle(ctx, charge, amount)
            event = ctx.emit("charge.updated", charge)
            event["data"]["previous_attributes"] = {"balance_transaction": None}
    behaviour = state.card_behaviour.get(pm["id"])
    if behaviour in co.DISPUTES:
        dispute = co.dispute(ctx, charge, behaviour)
        dispute["payment_intent"] = pi["id"]
        charge["disputed"] = True
        ctx.emit("charge.dispute.created", dispute)
    return charge


def _after_success(ctx, pi, pm):
    """``setup_future_usage`` attaches the PaymentMethod to the customer (and sets it up)."""
    pi["payment_method"] = pm["id"]
    if pm["object"] != "payment_method":
        return
    usage = setup_future_usage(pi)
    if usage:
        customer = ctx.state.customers.get(pi["customer"]) if pi["customer"] else None
        if customer is not None:
            pms.attach(ctx, pm, customer)
        if usage == "off_session":
            pm["_set_up"] = True
    elif pm["customer"] is None:
        pm["_used"] = True


def fail(ctx, pi, err):
    """The attempt failed: back to ``requires_payment_method`` with ``last_payment_error``."""
    pi["status"] = "requires_payment_method"
    pi["last_payment_error"] = err
    pi["payment_method"] = None
    pi["next_action"] = None
    pi["_auth"] = None
    ctx.emit("payment_intent.payment_failed", public(pi))
