"""SetupIntents, as far as saving cards needs (INTENTS §4): create (``customer``,
``usage``), confirm (by the server, or by Stripe.js with the publishable key and the client
secret), retrieve, update, cancel, list; the 3-D Secure test cards through the test
authentication page; ``setup_intent.*`` events. Success attaches the PaymentMethod to the
customer and, for ``usage=off_session``, sets it up: 3155 then pays off-session.
"""
import secrets

from .. import cards
from ..errors import StripeError, invalid
from ..ids import new_id
from ..parameters import ARRAY, HASH, LIST, STR, UNSUPPORTED
from ..router import route
from . import card_payments as cp
from . import payment_intents as pis
from . import payment_methods as pms
from .common import list_page, lookup, merge_metadata, new_metadata, public, truthy

#: Card options the emulator uses; Indian mandates and 3-D Secure run elsewhere are not
#: modelled, nor the other types' options.
OPTIONS = {
    "card": {"request_three_d_secure": STR, "network": STR,
             "mandate_options": UNSUPPORTED, "three_d_secure": UNSUPPORTED},
    **dict.fromkeys(("acss_debit", "amazon_pay", "card_present", "link", "paypal",
                     "sepa_debit", "us_bank_account"), UNSUPPORTED)}
CARD_CHOICES = {k: pis.CARD_CHOICES[k] for k in ("request_three_d_secure", "network")}
#: Connect (attach_to_self, on_behalf_of, flow_directions), single-use mandates,
#: ConfirmationTokens and Mandates are not modelled.
NOT_MODELLED = dict.fromkeys(("attach_to_self", "flow_directions", "on_behalf_of",
                              "single_use", "confirmation_token", "mandate_data"), UNSUPPORTED)
CONFIRM = {
    "payment_method": STR, "payment_method_data": pms.PAYMENT_METHOD_DATA, "return_url": STR,
    "use_stripe_sdk": STR, "payment_method_options": OPTIONS,
    "confirmation_token": UNSUPPORTED, "mandate_data": UNSUPPORTED,
}
CREATE = {
    **CONFIRM, "customer": STR, "confirm": STR, "usage": STR, "description": STR,
    "metadata": HASH, "automatic_payment_methods": {"enabled": STR, "allow_redirects": STR},
    "payment_method_types": ARRAY, "allowed_payment_method_types": ARRAY,
    "excluded_payment_method_types": ARRAY, "payment_method_configuration": STR,
    **NOT_MODELLED,
}
UPDATE = {
    "customer": STR, "description": STR, "metadata": HASH, "payment_method": STR,
    "payment_method_data": pms.PAYMENT_METHOD_DATA, "payment_method_types": ARRAY,
    "allowed_payment_method_types": ARRAY, "excluded_payment_method_types": ARRAY,
    "payment_method_options": OPTIONS, "payment_method_configuration": STR,
    "attach_to_self": UNSUPPORTED, "flow_directions": UNSUPPORTED,
}
PUBLISHABLE_FIELDS = (
    "id", "object", "cancellation_reason", "client_secret", "created", "description",
    "last_setup_error", "livemode", "next_action", "payment_method", "payment_method_types",
    "status", "usage")
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
RETURN_URL_NEEDED = pis.RETURN_URL_NEEDED.replace("This PaymentIntent", "This SetupIntent")
NO_PAYMENT_METHOD = (
    "You cannot confirm this SetupIntent because it's missing a payment method. You can "
    "either update the SetupIntent with a payment method and then confirm it again, or "
    "confirm it again directly with a payment method or ConfirmationToken.")


def view(ctx, si) -> dict:
    """The SetupIntent as this request may see it (all, or the publishable subset)."""
    out = public(si)
    if ctx.publishable:
        return {k: out[k] for k in PUBLISHABLE_FIELDS}
    return out


def get(ctx, si_id):
    """The stored SetupIntent, or ``No such setupintent: 'seti_x'``."""
    return lookup(ctx.state.setup_intents, "setupintent", si_id)


def _from_secret(ctx, si_id, params):
    """Stripe.js's calls carry the client secret with the publishable key."""
    si = ctx.state.setup_intents.get(si_id)
    secret = params.get("client_secret")
    if ctx.publishable:
        if not secret:
            raise invalid("The client_secret parameter is required when using a publishable "
                          "key to access this SetupIntent.", param="client_secret")
        if si is None or secret != si["client_secret"]:
            raise StripeError(400, "invalid_request_error",
                              "The client_secret provided does not match any associated "
                              "SetupIntent on this account.", param="client_secret",
                              code="resource_missing")
    if si is None:
        return get(ctx, si_id)
    return si


def _new(ctx, params, customer_id):
    """A SetupIntent in ``requires_payment_method`` (not stored yet)."""
    automatic, types, excluded = pis.payment_method_types(ctx, params)
    automatic = pis.configuration(params, automatic)
    options = pis.card_options(params, {"card": {
        "mandate_options": None, "network": None, "request_three_d_secure": "automatic"}},
        CARD_CHOICES)
    si_id = new_id("seti_")
    return {
        "id": si_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": automatic,
        "cancellation_reason": None,
        "client_secret": pis.client_secret(si_id),
        "created": ctx.now,
        "customer": customer_id,
        "description": params.get("description") or None,
        "excluded_payment_method_types": excluded,
        "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": new_metadata(params.get("metadata")),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": dict(pis.CONFIGURATION) if automatic
        else None,
        "payment_method_options": options,
        "payment_method_types": types,
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": pis.choice(params, "usage", ("off_session", "on_session"), "off_session"),
        "_auth": None,
    }


def _plan(ctx, si, params):
    """Check a confirmation before anything changes; return the PaymentMethod and flags."""
    if si["status"] not in CONFIRMABLE:
        raise StripeError(400, "invalid_request_error",
                          f"You cannot confirm this SetupIntent because it has a status of "
                          f"{si['status']}.", code="setup_intent_unexpected_state",
                          extra={"setup_intent": cp.snapshot(view(ctx, si))})
    use_sdk = truthy(params.get("use_stripe_sdk")) or ctx.publishable
    return_url = pis.valid_url(params["return_url"]) if params.get("return_url") else None
    automatic = si["automatic_payment_methods"]
    if automatic and automatic.get("allow_redirects") != "never" and not return_url \
            and not use_sdk:
        raise invalid(RETURN_URL_NEEDED, param="return_url")
    options = pis.card_options(params, si["payment_method_options"], CARD_CHOICES)
    if params.get("payment_method") and params.get("payment_method_data"):
        raise invalid("You may only specify one of these parameters: payment_method, "
                      "payment_method_data.")
    if params.get("payment_method_data") is not None:
        pm = pms.create_from_data(ctx, params["payment_method_data"])
    elif params.get("payment_method"):
        pm = pms.resolve(ctx, params["payment_method"])
    elif si["payment_method"]:
        pm = pms.find(ctx, si["payment_method"])
    else:
        raise StripeError(400, "invalid_request_error", NO_PAYMENT_METHOD,
                          code="setup_intent_unexpected_state",
                          extra={"setup_intent": cp.snapshot(view(ctx, si))}
                          if si["id"] in ctx.state.setup_intents else {})
    pms.check_reusable(pm)
    pis.check_owner(pm, si["customer"])
    return {"pm": pm, "return_url": return_url, "use_stripe_sdk": use_sdk,
            "payment_method_options": options}


def _confirm(ctx, si, plan):
    """Set the card up, ask for authentication, or fail with the card's 402."""
    pm = plan["pm"]
    si["payment_method"] = pm["id"]
    si["last_setup_error"] = None
    si["latest_attempt"] = new_id("setatt_")
    si["payment_method_options"] = plan["payment_method_options"]
    forced = si["payment_method_options"]["card"]["request_three_d_secure"] in (
        "any", "challenge")
    if cp.needs_authentication(ctx.state, pm, off_session=False, forced=forced):
        source = "setatt_" + secrets.token_hex(12)
        si["status"] = "requires_action"
        si["next_action"] = pis.next_action(ctx.base_url, "setup_intent", si, source,
                                            plan["return_url"], plan["use_stripe_sdk"])
        si["_auth"] = {"source": source, "pm": pm["id"], "return_url": plan["return_url"],
                       "flow": si["next_action"]["type"]}
        ctx.emit("setup_intent.requires_action", public(si))
        return si
    _set_up(ctx, si, pm, raise_declines=True)
    return si


def _set_up(ctx, si, pm, *, raise_declines):
    """Check the card with its bank (declines fail) and save it to the customer."""
    pms.first_use(ctx.state, pm)
    behaviour = ctx.state.card_behaviour.get(pm["id"])
    if behaviour in cards.ATTACH_DECLINES:
        code, decline_code, message, param, advice = cards.DECLINES[behaviour]
        err = cp.error_dict("card_error", code, message, decline_code=decline_code,
                            param=param, advice=advice, pm_view=pms.view(ctx.state, pm),
                            intent_type="setup_intent")
        _fail(ctx, si, err)
        if raise_declines:
            raise cp.intent_error(402, err, intent_key="setup_intent",
                                  intent_view=cp.snapshot(view(ctx, si)))
        return
    customer = ctx.state.customers.get(si["customer"]) if si["customer"] else None
    if customer is not None:
        pms.attach(ctx, pm, customer)
    if pm["object"] == "payment_method":
        pm["_set_up"] = pm["_set_up"] or si["usage"] == "off_session"
        if customer is None:
            pm["_used"] = False  # a PaymentMethod set up without a customer can be attached
    si["status"] = "succeeded"
    si["next_action"] = None
    si["_auth"] = None
    ctx.emit("setup_intent.succeeded", public(si))


def _fail(ctx, si, err):
    """Back to ``requires_payment_method`` with ``last_setup_error``."""
    si["status"] = "requires_payment_method"
    si["last_setup_error"] = err
    si["payment_method"] = None
    si["next_action"] = None
    si["_auth"] = None
    ctx.emit("setup_intent.setup_failed", public(si))


def authenticate(ctx, si, source, completed: bool):
    """The test page's Complete or Fail for a SetupIntent."""
    auth = si.get("_auth") or {}
    if si["status"] != "requires_action" or auth.get("source") != source:
        return False
    pm = pms.find(ctx, auth["pm"])
    if completed:
        _set_up(ctx, si, pm, raise_declines=False)
    else:
        _fail(ctx, si, cp.authentication_failed_error(pms.view(ctx.state, pm),
                                                      intent_type="setup_intent"))
    return True


@route("POST", "/v1/setup_intents", CREATE)
def create_setup_intent(ctx, params):
    """Create, and with ``confirm=true`` confirm in the same call."""
    customer_id = params.get("customer") or None
    if customer_id:
        pms.customer_of(ctx, customer_id)
    si = _new(ctx, params, customer_id)
    confirm = truthy(params.get("confirm"))
    if not confirm and params.get("return_url") not in (None, ""):
        raise invalid("You can only pass `return_url` when `confirm` is `true`.",
                      param="return_url")
    plan = None
    if confirm:
        plan = _plan(ctx, si, params)
    elif params.get("payment_method") or params.get("payment_method_data") is not None:
        pm = (pms.create_from_data(ctx, params["payment_method_data"])
              if params.get("payment_method_data") is not None
              else pms.resolve(ctx, params["payment_method"]))
        pms.check_reusable(pm)
        pis.check_owner(pm, customer_id)
        si["payment_method"] = pm["id"]
        si["status"] = "requires_confirmation"
    ctx.state.setup_intents[si["id"]] = si
    ctx.emit("setup_intent.created", public(si))
    if plan is not None:
        _confirm(ctx, si, plan)
    return view(ctx, si)


@route("GET", "/v1/setup_intents/{si_id}", {"client_secret": STR}, publishable=True)
def retrieve_setup_intent(ctx, params, si_id):
    """By secret key, or by Stripe.js with the publishable key and the client secret."""
    return view(ctx, _from_secret(ctx, si_id, params))


@route("POST", "/v1/setup_intents/{si_id}", UPDATE)
def update_setup_intent(ctx, params, si_id):
    """Update metadata, description, customer or the PaymentMethod before confirming."""
    si = get(ctx, si_id)
    changes_method = params.get("payment_method") or params.get("payment_method_data")
    if changes_method and si["status"] not in CONFIRMABLE:
        raise StripeError(400, "invalid_request_error",
                          f"You cannot update this SetupIntent because it has a status of "
                          f"{si['status']}.", code="setup_intent_unexpected_state",
                          extra={"setup_intent": cp.snapshot(view(ctx, si))})
    if params.get("customer"):
        pms.customer_of(ctx, params["customer"])
    types = None
    if any(params.get(n) is not None for n in ("payment_method_types",
                                               "allowed_payment_method_types",
                                               "excluded_payment_method_types")):
        types = pis.payment_method_types(ctx, params, automatic_default=False)
    automatic = pis.configuration(params, (types or (si["automatic_payment_methods"],))[0])
    options = pis.card_options(params, si["payment_method_options"], CARD_CHOICES)
    pm = None
    if params.get("payment_method_data") is not None:
        pm = pms.create_from_data(ctx, params["payment_method_data"])
    elif params.get("payment_method"):
        pm = pms.resolve(ctx, params["payment_method"])
    if pm is not None:
        pms.check_reusable(pm)
        pis.check_owner(pm, params.get("customer") or si["customer"])
    if params.get("customer"):
        si["customer"] = params["customer"]
    if "description" in params:
        si["description"] = params["description"] or None
    si["payment_method_options"] = options
    if automatic and not si["automatic_payment_methods"] and types is None:
        si["automatic_payment_methods"] = automatic
        si["payment_method_configuration_details"] = dict(pis.CONFIGURATION)
    if types is not None:
        si["automatic_payment_methods"], si["payment_method_types"], \
            si["excluded_payment_method_types"] = types
    merge_metadata(si, params.get("metadata"))
    if pm is not None:
        si["payment_method"] = pm["id"]
        si["status"] = "requires_confirmation"
        si["next_action"] = si["_auth"] = si["last_setup_error"] = None
    return view(ctx, si)


@route("POST", "/v1/setup_intents/{si_id}/confirm",
       {**CONFIRM, "client_secret": STR, "expected_payment_method_type": STR},
       publishable=True)
def confirm_setup_intent(ctx, params, si_id):
    """Confirm: by the server, or by Stripe.js's confirmCardSetup/confirmSetup."""
    si = _from_secret(ctx, si_id, params)
    if params.get("expected_payment_method_type") not in (None, "", "card"):
        raise pms.not_card(params["expected_payment_method_type"],
                           "expected_payment_method_type")
    _confirm(ctx, si, _plan(ctx, si, params))
    return view(ctx, si)


@route("POST", "/v1/setup_intents/{si_id}/cancel", {"cancellation_reason": STR})
def cancel_setup_intent(ctx, params, si_id):
    """Cancel a SetupIntent that has not succeeded."""
    si = get(ctx, si_id)
    reason = pis.choice(params, "cancellation_reason",
                       ("abandoned", "duplicate", "requested_by_customer"))
    if si["status"] not in CONFIRMABLE:
        raise StripeError(400, "invalid_request_error",
                          f"You cannot cancel this SetupIntent because it has a status of "
                          f"{si['status']}. Only a SetupIntent with one of the following "
                          "statuses may be canceled: requires_payment_method, "
                          "requires_confirmation, requires_action.",
                          code="setup_intent_unexpected_state",
                          extra={"setup_intent": cp.snapshot(view(ctx, si))})
    si["status"] = "canceled"
    si["cancellation_reason"] = reason
    si["next_action"] = si["_auth"] = None
    ctx.emit("setup_intent.canceled", public(si))
    return view(ctx, si)


@route("GET", "/v1/setup_intents", {**LIST, "customer": STR, "payment_method": STR,
                                    "attach_to_self": UNSUPPORTED})
def list_setup_intents(ctx, params):
    """Newest first, by ``customer``, ``payment_method`` and ``created``."""
    page = list_page(ctx.state.setup_intents, params, "/v1/setup_intents", "setupintent",
                     where={"customer": params.get("customer"),
                            "payment_method": params.get("payment_method")})
    page["data"] = [public(s) for s in page["data"]]
    return page
