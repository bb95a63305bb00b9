"""PaymentIntents (INTENTS §3): create, retrieve, update, confirm, cancel, capture, list and
search; the status machine (§3.4), 3-D Secure through the emulator's test authentication
page (§3.6, §3.8), the 402 bodies that carry the intent (§3.7) and the API-version rules
(§1: automatic payment methods by default, ``payment_method_types`` refused on endive).

Browser calls (Stripe.js) authenticate with the publishable key plus the client secret and
get the subset of fields Stripe gives a publishable key. Bookkeeping kept in ``_`` keys:
``_auth`` (the pending authentication: its ``source`` id, the flow, the PaymentMethod, or
``authenticated`` once a manual-confirmation intent passed it) and ``_checkout_session``.
"""
import contextlib
import secrets
import string
from urllib.parse import urlencode, urlsplit

from .. import search, versions
from ..currencies import parse_int, validate_amount, validate_currency
from ..errors import StripeError, invalid, missing_param
from ..ids import _rng, new_id
from ..parameters import ARRAY, HASH, LIST, SEARCH, STR, UNSUPPORTED, not_emulated
from ..router import route
from . import card_payments as cp
from . import payment_methods as pms
from .charges import SHIPPING, _settle
from .common import list_page, lookup, merge_metadata, new_metadata, public, shipping, truthy
from .refunds import _create as create_refund

#: ``payment_method_options[card]``: what the emulator's card payments use; the rest
#: (Mexican installments, Indian mandates, extended/incremental/multi/over-capture, CVC
#: recollection, Japanese descriptors, 3-D Secure run elsewhere) is not modelled.
CARD_OPTIONS = {
    "request_three_d_secure": STR, "setup_future_usage": STR, "capture_method": STR,
    "network": STR, **dict.fromkeys((
        "cvc_token", "installments", "mandate_options", "request_extended_authorization",
        "request_incremental_authorization", "request_multicapture", "request_overcapture",
        "require_cvc_recollection", "statement_descriptor_suffix_kana",
        "statement_descriptor_suffix_kanji", "three_d_secure"), UNSUPPORTED)}
OPTIONS = {"card": CARD_OPTIONS, **pms.NOT_CARD, "card_present": UNSUPPORTED}
#: The values each accepted card option takes ("" unsets it).
CARD_CHOICES = {
    "request_three_d_secure": ("any", "automatic", "challenge"),
    "capture_method": ("manual",),
    "setup_future_usage": ("none", "off_session", "on_session"),
    "network": ("amex", "cartes_bancaires", "diners", "discover", "eftpos_au", "interac",
                "jcb", "mastercard", "unionpay", "unknown", "visa")}
#: Connect (fees, transfers, another account's name on the charge), Radar sessions,
#: ConfirmationTokens and Mandates are not modelled.
NOT_MODELLED = dict.fromkeys(("application_fee_amount", "transfer_data", "on_behalf_of",
                              "radar_options", "confirmation_token", "mandate",
                              "mandate_data"), UNSUPPORTED)
CONFIRM = {
    "payment_method": STR, "payment_method_data": pms.PAYMENT_METHOD_DATA, "return_url": STR,
    "off_session": STR, "error_on_requires_action": STR, "setup_future_usage": STR,
    "receipt_email": STR, "use_stripe_sdk": STR, "payment_method_options": OPTIONS,
    "capture_method": STR, "payment_method_types": ARRAY,
    "allowed_payment_method_types": ARRAY, "excluded_payment_method_types": ARRAY,
    "shipping": SHIPPING,
    **{k: NOT_MODELLED[k] for k in ("radar_options", "confirmation_token", "mandate",
                                    "mandate_data")},
}
CREATE = {
    **CONFIRM, "amount": STR, "currency": STR, "customer": STR, "confirm": STR,
    "confirmation_method": STR, "description": STR, "metadata": HASH,
    "statement_descriptor": STR, "statement_descriptor_suffix": STR,
    "automatic_payment_methods": {"enabled": STR, "allow_redirects": STR},
    "transfer_group": STR, "payment_method_configuration": STR, **NOT_MODELLED,
}
UPDATE = {
    "amount": STR, "currency": STR, "customer": STR, "description": STR, "metadata": HASH,
    "payment_method": STR, "payment_method_data": pms.PAYMENT_METHOD_DATA,
    "receipt_email": STR, "setup_future_usage": STR, "statement_descriptor": STR,
    "statement_descriptor_suffix": STR, "capture_method": STR,
    "payment_method_options": OPTIONS, "payment_method_types": ARRAY,
    "allowed_payment_method_types": ARRAY, "excluded_payment_method_types": ARRAY,
    "shipping": SHIPPING, "transfer_group": STR, "payment_method_configuration": STR,
    "application_fee_amount": UNSUPPORTED, "transfer_data": UNSUPPORTED,
}
#: What Stripe.js adds when it confirms from the browser.
BROWSER = {"client_secret": STR, "expected_payment_method_type": STR}
#: The fields a publishable key gets back (INTENTS §3.1).
PUBLISHABLE_FIELDS = (
    "id", "object", "amount", "canceled_at", "cancellation_reason", "capture_method",
    "client_secret", "confirmation_method", "created", "currency", "description",
    "last_payment_error", "livemode", "next_action", "payment_method",
    "payment_method_types", "receipt_email", "setup_future_usage", "shipping", "status")
SEARCH_FIELDS = {"amount": "number", "created": "number", "currency": "string",
                 "customer": "string", "status": "string"}
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation",
              "requires_action", "processing")
CANCEL_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
CAPTURE_METHODS = ("automatic", "automatic_async", "manual")
#: The emulator's one payment method configuration (automatic payment methods).
CONFIGURATION = {"id": "pmc_1EmulatorDefaultConfiguration", "parent": None}
ZERO_AMOUNT = (
    "The amount must be greater than or equal to the minimum charge amount allowed for your "
    "account and the currency set (https://docs.stripe.com/currencies#minimum-and-maximum-"
    "charge-amounts). If you want to save a Payment Method for future use without an "
    "immediate payment, use a Setup Intent instead: https://docs.stripe.com/payments/"
    "setup-intents")
RETURN_URL_NEEDED = (
    "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. "
    "Because some of these payment methods might redirect your customer off of your page, "
    "you must provide a `return_url`. If you don't want to accept redirect-based payment "
    "methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents "
    "and Payment Intents.")
NO_PAYMENT_METHOD = (
    "You cannot confirm this PaymentIntent because it's missing a payment method. You can "
    "either update the PaymentIntent with a payment method and then confirm it again, or "
    "confirm it again directly with a payment method or ConfirmationToken.")
CHECKOUT_OWNED = ("You can't confirm or cancel the PaymentIntent for a Checkout Session. To "
                  "cancel, expire the Checkout Session instead.")
TYPES_GONE = (
    "The `payment_method_types` parameter is no longer supported on API version "
    "2026-09-30.endive and later. Use dynamic payment methods, or limit them with "
    "`allowed_payment_method_types` or `excluded_payment_method_types`.")
#: ``payment_method_types`` is refused from this version on (INTENTS §1).
ENDIVE = "2026-09-30"
#: Automatic payment methods became the default with this version.
AUTOMATIC_DEFAULT = "2023-08-16"
#: ``capture_method`` defaults to ``automatic_async`` from this version.
ASYNC_DEFAULT = "2024-04-10"


# --- objects and views ------------------------------------------------------------------
def client_secret(obj_id: str) -> str:
    """``pi_…_secret_…`` (Stripe's form: the id, ``_secret_``, 25 random characters)."""
    return f"{obj_id}_secret_" + "".join(_rng.choices(string.ascii_letters + string.digits,
                                                      k=25))


def view(ctx, pi) -> dict:
    """The intent as this request may see it: all of it, or the publishable-key subset."""
    out = public(pi)
    if ctx.publishable:
        return {k: out[k] for k in PUBLISHABLE_FIELDS}
    return out


def viewer(ctx):
    """``view`` bound to this request (what goes into a 402 body), taken as a copy."""
    return lambda pi: cp.snapshot(view(ctx, pi))


def get(ctx, pi_id, param="intent"):
    """The stored PaymentIntent, or ``No such payment_intent: 'pi_x'``."""
    return lookup(ctx.state.payment_intents, "payment_intent", pi_id,
                  "id" if param == "intent" else param)


def _intent_from_secret(ctx, pi_id, params):
    """A publishable-key request must carry the intent's client secret (Stripe.js does)."""
    pi = ctx.state.payment_intents.get(pi_id)
    secret = params.get("client_secret")
    if ctx.publishable:
        if not secret:
            raise invalid("The client_secret parameter is required when using a publishable "
                          "key to access this PaymentIntent.", param="client_secret")
        if pi is None or secret != pi["client_secret"]:
            raise StripeError(400, "invalid_request_error",
                              "The client_secret provided does not match any associated "
                              "PaymentIntent on this account. Ensure the publishable key "
                              "used belongs to the same account that created the "
                              "PaymentIntent.", param="client_secret", code="resource_missing")
    if pi is None:
        return get(ctx, pi_id)
    if secret and secret != pi["client_secret"]:
        raise invalid("The client_secret provided does not match the client_secret associated "
                      "with the PaymentIntent.", param="client_secret")
    return pi


def choice(params, name, allowed, default=None, param=None):
    """A parameter limited to ``allowed`` values (Stripe's ``Invalid x: must be one of``);
    ``param``: its full name when it sits in a hash (``payment_method_options[card][…]``)."""
    value = params.get(name)
    if value in (None, ""):
        return default
    if value not in allowed:
        choices = (allowed[0] if len(allowed) == 1 else " or ".join(allowed)
                   if len(allowed) == 2 else ", ".join(allowed[:-1]) + f", or {allowed[-1]}")
        raise invalid(f"Invalid {param or name}: must be one of {choices}",
                      param=param or name)
    return value


def card_options(params, current, choices=None) -> dict:
    """The intent's ``payment_method_options`` once ``params``' card options apply
    (checked; ``""`` unsets one; ``capture_method``/``setup_future_usage`` there override
    the intent's own for card payments, as on Stripe)."""
    raw = params.get("payment_method_options")
    if raw in (None, ""):
        return current
    if not isinstance(raw, dict):
        raise invalid("Invalid hash", param="payment_method_options")
    card = raw.get("card")
    if card in (None, ""):
        return current
    if not isinstance(card, dict):
        raise invalid("Invalid hash", param="payment_method_options[card]")
    out = dict(current["card"])
    for name, allowed in (choices or CARD_CHOICES).items():
        if name not in card:
            continue
        value = choice(card, name, allowed, param=f"payment_method_options[card][{name}]")
        if name == "request_three_d_secure":
            out[name] = value or "automatic"
        elif name == "network" or value:
            out[name] = value
        else:
            out.pop(name, None)
    return {**current, "card": out}


def configuration(params, automatic, param="payment_method_configuration"):
    """``payment_method_configuration``: the emulator's one configuration (its id is in
    ``payment_method_configuration_details``), which takes automatic payment methods (on
    from then, on API versions before they were the default): ``automatic`` as it is then.
    """
    raw = params.get(param)
    if raw in (None, ""):
        return automatic
    if raw != CONFIGURATION["id"]:
        raise invalid(f"No such payment_method_configuration: '{raw}'", param=param,
                      code="resource_missing")
    named = [n for n in ("allowed_payment_method_types", "payment_method_types")
             if params.get(n) is not None]
    if named:
        raise invalid("You may only specify one of these parameters: "
                      f"{', '.join(sorted([*named, param]))}.")
    return automatic or {"allow_redirects": "always", "enabled": True}


def payment_method_types(ctx, params, automatic_default=True):
    """``(automatic_payment_methods, payment_method_types, excluded)`` for these params.

    On 2026-09-30.endive and later ``payment_method_types`` is a 400 (§1); before, only
    ``card`` can be named. ``allowed_payment_method_types`` keeps the card and turns the
    automatic ones off; otherwise automatic payment methods are on by default (2023-08-16).
    """
    given = params.get("payment_method_types")
    allowed = params.get("allowed_payment_method_types")
    automatic = params.get("automatic_payment_methods")
    excluded = params.get("excluded_payment_method_types")
    if given is not None and versions.on_or_after(ctx.api_version, ENDIVE):
        raise invalid(TYPES_GONE, param="payment_method_types",
                      code="payment_method_types_no_longer_supported")
    named = [(n, v) for n, v in (("allowed_payment_method_types", allowed),
                                 ("automatic_payment_methods", automatic),
                                 ("payment_method_types", given)) if v is not None]
    if len(named) > 1 or (excluded is not None and (given is not None or allowed is not None)):
        names = sorted([n for n, _ in named] + (["excluded_payment_method_types"]
                                                if excluded is not None else []))
        raise invalid(f"You may only specify one of these parameters: {', '.join(names)}.")
    for name, value in (("payment_method_types", given),
                        ("allowed_payment_method_types", allowed),
                        ("excluded_payment_method_types", excluded)):
        if value is not None and not isinstance(value, list):
            raise invalid("Invalid array", param=name)
    if given is not None:
        for kind in given:
            if kind != "card":
                raise pms.not_card(kind, "payment_method_types")
        return None, ["card"], None
    if allowed is not None:
        if "card" not in allowed:
            raise not_emulated("None of the allowed_payment_method_types can be used: the "
                               "offline emulator supports card payments only.",
                               "allowed_payment_method_types")
        return None, ["card"], None
    if excluded is not None and "card" in excluded:
        raise not_emulated("Excluding card leaves no payment method: the offline emulator "
                           "supports card payments only.", "excluded_payment_method_types")
    if isinstance(automatic, dict):
        enabled = truthy(automatic.get("enabled"), default=False)
        redirects = choice(automatic, "allow_redirects", ("always", "never"), "always")
        if not enabled:
            raise invalid("automatic_payment_methods[enabled]=false leaves no payment method: "
                          "pass allowed_payment_method_types[]=card instead.",
                          param="automatic_payment_methods[enabled]")
        return {"allow_redirects": redirects, "enabled": True}, ["card"], excluded
    if automatic not in (None, ""):
        raise invalid("Invalid hash", param="automatic_payment_methods")
    if automatic_default and versions.on_or_after(ctx.api_version, AUTOMATIC_DEFAULT):
        return {"allow_redirects": "always", "enabled": True}, ["card"], excluded
    return None, ["card"], excluded


def new_intent(ctx, params, amount, currency, customer_id):
    """A PaymentIntent object in ``requires_payment_method`` (not stored yet)."""
    automatic, types, excluded = payment_method_types(ctx, params)
    automatic = configuration(params, automatic)
    capture_default = ("automatic_async" if versions.on_or_after(ctx.api_version,
                                                                  ASYNC_DEFAULT)
                       else "automatic")
    confirmation = choice(params, "confirmation_method", ("automatic", "manual"), "automatic")
    if confirmation == "manual" and automatic:
        raise invalid("You may only specify one of these parameters: automatic_payment_methods,"
                      " confirmation_method.")
    options = card_options(params, {"card": {
        "installments": None, "mandate_options": None, "network": None,
        "request_three_d_secure": "automatic"}})
    pi_id = new_id("pi_")
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": automatic,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": choice(params, "capture_method", CAPTURE_METHODS, capture_default),
        "client_secret": client_secret(pi_id),
        "confirmation_method": confirmation,
        "created": ctx.now,
        "currency": currency,
        "customer": customer_id,
        "customer_account": None,
        "description": params.get("description") or None,
        "excluded_payment_method_types": excluded,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": new_metadata(params.get("metadata")),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": dict(CONFIGURATION) if automatic else None,
        "payment_method_options": options,
        "payment_method_types": types,
        "processing": None,
        "receipt_email": params.get("receipt_email") or None,
        "review": None,
        "setup_future_usage": choice(params, "setup_future_usage",
                                    ("off_session", "on_session")),
        "shipping": shipping(params.get("shipping")),
        "source": None,
        "statement_descriptor": params.get("statement_descriptor") or None,
        "statement_descriptor_suffix": params.get("statement_descriptor_suffix") or None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": params.get("transfer_group") or None,
        "_auth": None,
    }


def _amount(params, currency, name="amount"):
    """The intent's amount: 0 gets Stripe's SetupIntent hint, the rest the charge limits."""
    raw = params.get(name)
    if raw in (None, ""):
        raise missing_param(name)
    if parse_int(raw, name) == 0:
        raise invalid(ZERO_AMOUNT, param=name, code="parameter_invalid_integer")
    return validate_amount(raw, currency)


def valid_url(raw, param="return_url"):
    """An absolute http(s) URL, or Stripe's ``Not a valid URL``."""
    try:
        parts = urlsplit(str(raw))
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("Not a valid URL", param=param, code="url_invalid")
    return str(raw)


# --- confirmation -----------------------------------------------------------------------
def check_owner(pm, customer_id):
    """A PaymentMethod attached to a customer is used with that customer only (§3.7)."""
    owner = pm.get("customer")
    if owner and customer_id is None:
        raise invalid(f"The `payment_method` parameter supplied {pm['id']} belongs to the "
                      f"Customer {owner}. Please include the Customer in the `customer` "
                      "parameter on the PaymentIntent.", param="source",
                      code="parameter_missing")
    if owner and owner != customer_id:
        raise invalid(f"The PaymentMethod {pm['id']} does not belong to the Customer you "
                      f"supplied {customer_id}. Please use this PaymentMethod with the "
                      "Customer that it belongs to instead.", param="payment_method")


def check_confirmation(ctx, pi, params, *, creating=False, checkout=False):
    """Check a confirmation before anything changes; return what it will set."""
    if pi.get("_checkout_session") and not checkout:
        raise StripeError(400, "invalid_request_error", CHECKOUT_OWNED,
                          extra={"payment_intent": cp.snapshot(view(ctx, pi))})
    if pi["status"] not in CONFIRMABLE:
        raise StripeError(400, "invalid_request_error",
                          f"You cannot confirm this PaymentIntent because it has a status of "
                          f"{pi['status']}.", code="payment_intent_unexpected_state",
                          extra={"payment_intent": cp.snapshot(view(ctx, pi))})
    off = params.get("off_session")
    off_session = off not in (None, "", "false") and (off in ("one_off", "recurring")
                                                      or truthy(off))
    if off not in (None, "", "true", "false", "one_off", "recurring"):
        raise invalid("Invalid off_session: must be one of true, false, one_off, or "
                      "recurring", param="off_session")
    plan = {"off_session": off_session,
            "error_on_requires_action": truthy(params.get("error_on_requires_action")),
            "use_stripe_sdk": truthy(params.get("use_stripe_sdk")) or ctx.publishable}
    if params.get("return_url") not in (None, ""):
        plan["return_url"] = valid_url(params["return_url"])
    if "setup_future_usage" in params and not creating:
        plan["setup_future_usage"] = choice(params, "setup_future_usage",
                                           ("off_session", "on_session"))
    if params.get("receipt_email") not in (None, "") and not creating:
        plan["receipt_email"] = params["receipt_email"]
    if params.get("capture_method") not in (None, "") and not creating:
        plan["capture_method"] = choice(params, "capture_method", CAPTURE_METHODS)
    if not creating and any(params.get(n) is not None for n in (
            "payment_method_types", "allowed_payment_method_types",
            "excluded_payment_method_types")):
        automatic, types, excluded = payment_method_types(ctx, params, automatic_default=False)
        plan["types"] = (automatic, types, excluded)
    plan["payment_method_options"] = card_options(params, pi["payment_method_options"])
    if "shipping" in params:
        plan["shipping"] = shipping(params["shipping"])
    automatic = plan.get("types", (pi["automatic_payment_methods"],))[0]
    if (automatic and automatic.get("allow_redirects") != "never" and not off_session
            and not plan.get("return_url") and not plan["use_stripe_sdk"]):
        raise invalid(RETURN_URL_NEEDED, param="return_url")
    if params.get("payment_method") and params.get("payment_method_data"):
        raise invalid("You may only specify one of these parameters: payment_method, "
                      "payment_method_data.")
    customer_id = pi["customer"]
    if params.get("payment_method_data") is not None:
        pm = pms.create_from_data(ctx, params["payment_method_data"])
    elif params.get("payment_method"):
        pm = pms.resolve(ctx, params["payment_method"])
    elif pi["payment_method"]:
        pm = pms.find(ctx, pi["payment_method"])
    else:
        pm = _customer_default(ctx, customer_id)
    if pm is None:
        raise StripeError(400, "invalid_request_error", NO_PAYMENT_METHOD,
                          code="payment_intent_unexpected_state",
                          extra={} if creating else {"payment_intent":
                                                     cp.snapshot(view(ctx, pi))})
    pms.check_reusable(pm)
    check_owner(pm, customer_id)
    plan["pm"] = pm
    return plan


def _customer_default(ctx, customer_id):
    """With no PaymentMethod given: the customer's default one, or its default card."""
    customer = ctx.state.customers.get(customer_id) if customer_id else None
    if customer is None:
        return None
    default = customer["invoice_settings"]["default_payment_method"] or \
        customer["default_source"]
    return ctx.state.get(default) if default else None


def run_confirmation(ctx, pi, plan):
    """Run a checked confirmation: pay, or ask for authentication, or fail (402)."""
    for field in ("setup_future_usage", "receipt_email", "capture_method", "shipping",
                  "payment_method_options"):
        if field in plan:
            pi[field] = plan[field]
    if "types" in plan:
        automatic, types, excluded = plan["types"]
        pi["automatic_payment_methods"] = automatic
        pi["payment_method_types"] = types
        pi["excluded_payment_method_types"] = excluded
    pm = plan["pm"]
    pi["last_payment_error"] = None
    pi["payment_method"] = pm["id"]
    auth = pi.get("_auth") or {}
    if auth.get("authenticated") == pm["id"]:  # manual confirmation after 3DS
        return cp.pay(ctx, pi, pm, authenticated=True, view=viewer(ctx))
    forced = pi["payment_method_options"]["card"]["request_three_d_secure"] in (
        "any", "challenge")
    if cp.needs_authentication(ctx.state, pm, off_session=plan["off_session"], forced=forced):
        if plan["off_session"] or plan["error_on_requires_action"]:
            err = cp.authentication_required_error(pms.view(ctx.state, pm))
            cp.fail(ctx, pi, err)
            raise cp.intent_error(402, err, intent_key="payment_intent",
                                  intent_view=viewer(ctx)(pi))
        return _require_action(ctx, pi, pm, plan)
    return cp.pay(ctx, pi, pm, view=viewer(ctx))


def authentication_url(base_url, kind, intent, source) -> str:
    """The emulator's test authentication page for one attempt (§3.8)."""
    return f"{base_url}/3d_secure_2/hosted?" + urlencode({
        kind: intent["id"], f"{kind}_client_secret": intent["client_secret"],
        "source": source})


def next_action(base_url, kind, intent, source, return_url, use_stripe_sdk) -> dict:
    """``use_stripe_sdk`` (Stripe.js opens the page in a modal) or ``redirect_to_url``."""
    url = authentication_url(base_url, kind, intent, source)
    if use_stripe_sdk or not return_url:
        return {"type": "use_stripe_sdk",
                "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url,
                                   "source": source}}
    return {"type": "redirect_to_url",
            "redirect_to_url": {"url": url, "return_url": return_url}}


def _require_action(ctx, pi, pm, plan):
    """Stop in ``requires_action`` until the buyer passes the test authentication page."""
    source = "payatt_" + secrets.token_hex(12)
    return_url = plan.get("return_url")
    pi["status"] = "requires_action"
    pi["next_action"] = next_action(ctx.base_url, "payment_intent", pi, source, return_url,
                                    plan["use_stripe_sdk"])
    pi["_auth"] = {"source": source, "pm": pm["id"], "return_url": return_url,
                   "flow": pi["next_action"]["type"]}
    ctx.emit("payment_intent.requires_action", public(pi))
    return pi


def authenticate(ctx, pi, source, completed: bool):
    """The test page's Complete or Fail: move the intent on (never raises a card error)."""
    auth = pi.get("_auth") or {}
    if pi["status"] != "requires_action" or auth.get("source") != source:
        return False
    pm = pms.find(ctx, auth["pm"])
    if not completed:
        err = cp.authentication_failed_error(pms.view(ctx.state, pm))
        cp.fail(ctx, pi, err)
        return True
    if pi["confirmation_method"] == "manual":
        pi["status"] = "requires_confirmation"
        pi["next_action"] = None
        pi["_auth"] = {"authenticated": pm["id"]}
        return True
    # A decline after authenticating (3178, 1629) is recorded on the intent.
    with contextlib.suppress(StripeError):
        cp.pay(ctx, pi, pm, authenticated=True, view=public)
    return True


# --- endpoints --------------------------------------------------------------------------
@route("POST", "/v1/payment_intents", CREATE)
def create_payment_intent(ctx, params):
    """Create, and with ``confirm=true`` confirm in the same call."""
    currency = validate_currency(params.get("currency"))
    amount = _amount(params, currency)
    customer_id = params.get("customer") or None
    if customer_id:
        pms.customer_of(ctx, customer_id)
    pi = new_intent(ctx, params, amount, currency, customer_id)
    confirm = truthy(params.get("confirm"))
    if not confirm:
        for name in ("off_session", "return_url", "error_on_requires_action"):
            if params.get(name) not in (None, ""):
                raise invalid(f"You can only pass `{name}` when `confirm` is `true`.",
                              param=name)
    plan = None
    if confirm:
        plan = check_confirmation(ctx, pi, params, creating=True)
    elif params.get("payment_method_data") is not None or params.get("payment_method"):
        pm = (pms.create_from_data(ctx, params["payment_method_data"])
              if params.get("payment_method_data") is not None
              else pms.resolve(ctx, params["payment_method"]))
        pms.check_reusable(pm)
        check_owner(pm, customer_id)
        pi["payment_method"] = pm["id"]
        pi["status"] = "requires_confirmation"
    ctx.state.payment_intents[pi["id"]] = pi
    ctx.emit("payment_intent.created", public(pi))
    if plan is not None:
        run_confirmation(ctx, pi, plan)
    return view(ctx, pi)


@route("GET", "/v1/payment_intents/search", SEARCH)
def search_payment_intents(ctx, params):
    """Stripe's search language over PaymentIntents (amount, status, customer, metadata…)."""
    return search.run(ctx.state.payment_intents, params, "/v1/payment_intents/search",
                      SEARCH_FIELDS, present=public)


@route("GET", "/v1/payment_intents/{pi_id}", {"client_secret": STR}, publishable=True)
def retrieve_payment_intent(ctx, params, pi_id):
    """By secret key, or by Stripe.js with the publishable key and the client secret."""
    return view(ctx, _intent_from_secret(ctx, pi_id, params))


@route("POST", "/v1/payment_intents/{pi_id}", UPDATE)
def update_payment_intent(ctx, params, pi_id):
    """Update without confirming; a new payment method means confirming again."""
    pi = get(ctx, pi_id)
    money = [n for n in ("amount", "currency", "payment_method", "payment_method_data")
             if params.get(n) not in (None, "")]
    if money and pi["status"] not in CONFIRMABLE:
        field = money[0]
        raise StripeError(400, "invalid_request_error",
                          f"This PaymentIntent's {field} could not be updated because it has a "
                          f"status of {pi['status']}. You may only update the {field} of a "
                          "PaymentIntent with one of the following statuses: "
                          "requires_payment_method, requires_confirmation, requires_action.",
                          code="payment_intent_unexpected_state", param=field,
                          extra={"payment_intent": cp.snapshot(view(ctx, pi))})
    currency = validate_currency(params["currency"]) if params.get("currency") else \
        pi["currency"]
    amount = _amount(params, currency) if params.get("amount") not in (None, "") else None
    if params.get("customer"):
        pms.customer_of(ctx, params["customer"])
    pm = None
    if params.get("payment_method_data") is not None:
        pm = pms.create_from_data(ctx, params["payment_method_data"])
    elif params.get("payment_method"):
        pm = pms.resolve(ctx, params["payment_method"])
    types = None
    if any(params.get(n) is not None for n in ("payment_method_types",
                                               "allowed_payment_method_types",
                                               "excluded_payment_method_types")):
        types = payment_method_types(ctx, params, automatic_default=False)
    usage = choice(params, "setup_future_usage", ("off_session", "on_session"),
                  pi["setup_future_usage"]) if "setup_future_usage" in params else None
    capture = choice(params, "capture_method", CAPTURE_METHODS, pi["capture_method"])
    options = card_options(params, pi["payment_method_options"])
    ship = shipping(params["shipping"]) if "shipping" in params else pi["shipping"]
    automatic = configuration(params, (types or (pi["automatic_payment_methods"],))[0])
    if amount is not None:
        pi["amount"] = amount
    pi["currency"] = currency
    if params.get("customer"):
        pi["customer"] = params["customer"]
    for field in ("description", "receipt_email", "statement_descriptor",
                  "statement_descriptor_suffix", "transfer_group"):
        if field in params:
            pi[field] = params[field] or None
    pi["shipping"] = ship
    pi["payment_method_options"] = options
    if automatic and not pi["automatic_payment_methods"] and types is None:
        pi["automatic_payment_methods"] = automatic
        pi["payment_method_configuration_details"] = dict(CONFIGURATION)
    if "setup_future_usage" in params:
        pi["setup_future_usage"] = usage
    pi["capture_method"] = capture
    if types is not None:
        pi["automatic_payment_methods"], pi["payment_method_types"], \
            pi["excluded_payment_method_types"] = types
    merge_metadata(pi, params.get("metadata"))
    if pm is not None:
        pms.check_reusable(pm)
        check_owner(pm, pi["customer"])
        pi["payment_method"] = pm["id"]
        pi["status"] = "requires_confirmation"
        pi["next_action"] = None
        pi["_auth"] = None
    if money or pm is not None:
        pi["last_payment_error"] = None
    return view(ctx, pi)


@route("POST", "/v1/payment_intents/{pi_id}/confirm", {**CONFIRM, **BROWSER},
       publishable=True)
def confirm_payment_intent(ctx, params, pi_id):
    """Confirm: by the server (secret key) or by Stripe.js (publishable key + secret)."""
    pi = _intent_from_secret(ctx, pi_id, params)
    if params.get("expected_payment_method_type") not in (None, "", "card"):
        raise pms.not_card(params["expected_payment_method_type"],
                           "expected_payment_method_type")
    plan = check_confirmation(ctx, pi, params)
    run_confirmation(ctx, pi, plan)
    return view(ctx, pi)


@route("POST", "/v1/payment_intents/{pi_id}/cancel", {"cancellation_reason": STR})
def cancel_payment_intent(ctx, params, pi_id):
    """Cancel; from ``requires_capture`` the held amount is released (refunded)."""
    pi = get(ctx, pi_id)
    reason = choice(params, "cancellation_reason", CANCEL_REASONS)
    if pi.get("_checkout_session") and pi["status"] != "requires_capture":
        raise StripeError(400, "invalid_request_error", CHECKOUT_OWNED,
                          extra={"payment_intent": cp.snapshot(view(ctx, pi))})
    if pi["status"] not in CANCELABLE:
        raise StripeError(400, "invalid_request_error",
                          f"You cannot cancel this PaymentIntent because it has a status of "
                          f"{pi['status']}. Only a PaymentIntent with one of the following "
                          "statuses may be canceled: requires_payment_method, "
                          "requires_capture, requires_reauthorization, requires_confirmation, "
                          "requires_action, expired, processing.",
                          code="payment_intent_unexpected_state",
                          extra={"payment_intent": cp.snapshot(view(ctx, pi))})
    cancel(ctx, pi, reason)
    return view(ctx, pi)


def cancel(ctx, pi, reason):
    """Cancel ``pi`` (also used when its Checkout Session expires)."""
    if pi["status"] == "requires_capture" and pi["latest_charge"]:
        charge = ctx.state.charges.get(pi["latest_charge"])
        if charge is not None:
            create_refund(ctx, {}, charge)
        pi["amount_capturable"] = 0
    pi["status"] = "canceled"
    pi["canceled_at"] = ctx.now
    pi["cancellation_reason"] = reason
    pi["next_action"] = None
    pi["_auth"] = None
    ctx.emit("payment_intent.canceled", public(pi))


@route("POST", "/v1/payment_intents/{pi_id}/capture", {
    "amount_to_capture": STR, "final_capture": STR, "metadata": HASH,
    "statement_descriptor": STR, "statement_descriptor_suffix": STR,
    "application_fee_amount": UNSUPPORTED, "transfer_data": UNSUPPORTED})
def capture_payment_intent(ctx, params, pi_id):
    """Capture a ``requires_capture`` intent (all of it, or ``amount_to_capture``)."""
    pi = get(ctx, pi_id)
    if pi["status"] != "requires_capture":
        raise StripeError(400, "invalid_request_error",
                          f"This PaymentIntent could not be captured because it has a status "
                          f"of {pi['status']}. Only a PaymentIntent with one of the following "
                          "statuses may be captured: requires_capture.",
                          code="payment_intent_unexpected_state",
                          extra={"payment_intent": cp.snapshot(view(ctx, pi))})
    amount = pi["amount_capturable"]
    if params.get("amount_to_capture") not in (None, ""):
        amount = parse_int(params["amount_to_capture"], "amount_to_capture")
        if amount <= 0 or amount > pi["amount_capturable"]:
            raise invalid("The amount_to_capture must be a positive integer no greater than "
                          f"the amount_capturable of this PaymentIntent ({pi['amount_capturable']})"
                          ".", param="amount_to_capture")
    for field in ("statement_descriptor", "statement_descriptor_suffix"):
        if field in params:
            pi[field] = params[field] or None
    merge_metadata(pi, params.get("metadata"))
    charge = ctx.state.charges[pi["latest_charge"]]
    _settle(ctx, charge, amount)
    ctx.emit("charge.captured", charge)
    pi["amount_capturable"] = 0
    pi["amount_received"] = amount
    pi["status"] = "succeeded"
    ctx.emit("payment_intent.succeeded", public(pi))
    return view(ctx, pi)


@route("GET", "/v1/payment_intents", {**LIST, "customer": STR})
def list_payment_intents(ctx, params):
    """Newest first, by ``customer`` and ``created``."""
    page = list_page(ctx.state.payment_intents, params, "/v1/payment_intents",
                     "payment_intent", where={"customer": params.get("customer")})
    page["data"] = [public(p) for p in page["data"]]
    return page

