"""PaymentMethods of type card (INTENTS §2): create (card details from Stripe.js with a
publishable key, a token, the ``pm_card_…`` test ids), retrieve (a legacy ``card_…`` too,
as Stripe shows it), update, attach, detach and list, with the reuse rules of §2.5.

The emulator's own bookkeeping lives in ``_`` keys of the stored object (never served):
``_used`` (charged or set up once without a customer), ``_detached``, ``_set_up`` (set up
for off-session use: the 3-D Secure card 3155 then pays off-session without a challenge).
The card's test behaviour and number are kept in ``state.card_behaviour``/``card_numbers``
under the PaymentMethod's id, as for legacy cards.
"""
import copy
import time

from .. import cards
from ..currencies import parse_int
from ..errors import StripeError, card_error, invalid, missing_param
from ..ids import new_id
from ..parameters import HASH, PAGE, STR, UNSUPPORTED, not_emulated
from ..router import route
from .common import list_page, lookup, merge_metadata, new_metadata, paginate, public
from .tokens import _CHECKS, RAW_PAN, _validated_card, consume_source, preferred_network, verify_cvc

ADDRESS = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"), STR)
BILLING_DETAILS = {"address": ADDRESS, "email": STR, "name": STR, "phone": STR, "tax_id": STR}
CARD = {"number": STR, "exp_month": STR, "exp_year": STR, "cvc": STR, "token": STR,
        "networks": {"preferred": STR}}
#: The payment method types of Stripe's spec other than card: the emulator emulates card
#: payments only, so their details (``sepa_debit[iban]``…) and options are refused as not
#: supported by it.
OTHER_TYPES = (
    "acss_debit", "affirm", "afterpay_clearpay", "alipay", "amazon_pay", "au_becs_debit",
    "bacs_debit", "bancontact", "blik", "boleto", "cashapp", "customer_balance", "eps",
    "fpx", "giropay", "grabpay", "ideal", "interac_present", "klarna", "konbini", "link",
    "mobilepay", "oxxo", "p24", "paynow", "paypal", "pix", "promptpay", "revolut_pay",
    "sepa_debit", "sofort", "swish", "us_bank_account", "wechat_pay", "zip")
NOT_CARD = dict.fromkeys(OTHER_TYPES, UNSUPPORTED)
#: ``payment_method_data`` on intents: a PaymentMethod made on the fly (Radar sessions
#: are not modelled).
PAYMENT_METHOD_DATA = {"type": STR, "card": CARD, "billing_details": BILLING_DETAILS,
                       "metadata": HASH, "allow_redisplay": STR, **NOT_CARD,
                       "radar_options": UNSUPPORTED}
REDISPLAY = ("always", "limited", "unspecified")
REUSED = ("This PaymentMethod was previously used without being attached to a Customer or was "
          "detached from a Customer, and may not be used again.")
NO_CUSTOMER_AT_CREATION = (
    "You cannot attach a PaymentMethod to a Customer during PaymentMethod creation. Please "
    "instead create the PaymentMethod and then attach it using the attachment method of the "
    "PaymentMethods API.")


def missing_pm(pm_id, param="payment_method", status=400):
    """Stripe's ``No such PaymentMethod: 'pm_x'`` (404 on the URL, 400 as a parameter)."""
    return StripeError(status, "invalid_request_error", f"No such PaymentMethod: '{pm_id}'",
                       code="resource_missing", param=param)


def _billing_details(raw) -> dict:
    """A fully keyed ``billing_details`` hash from the request's (possibly partial) one."""
    raw = raw if isinstance(raw, dict) else {}
    address = raw.get("address") if isinstance(raw.get("address"), dict) else {}
    return {"address": {k: address.get(k) or None for k in ADDRESS},
            "email": raw.get("email") or None, "name": raw.get("name") or None,
            "phone": raw.get("phone") or None, "tax_id": raw.get("tax_id") or None}


def make_payment_method(state, number, exp_month, exp_year, *, created, cvc=None,
                        billing_details=None, behaviour=None, metadata=None,
                        allow_redisplay="unspecified", preferred_network=None):
    """Store and return a new card PaymentMethod for ``number``."""
    info = cards.lookup(number)
    beh = behaviour or info.behaviour
    details = _billing_details(billing_details)
    _, zip_check, line1_check = _CHECKS.get(beh, (None, None, None))
    address = details["address"]
    pm = {
        "id": new_id("pm_"),
        "object": "payment_method",
        "allow_redisplay": allow_redisplay,
        "billing_details": details,
        "card": {
            "brand": info.brand,
            "checks": {"address_line1_check": (line1_check or "pass") if address["line1"]
                       else None,
                       "address_postal_code_check": (zip_check or "pass")
                       if address["postal_code"] else None,
                       "cvc_check": "unchecked" if cvc else None},
            "country": info.country,
            "display_brand": info.brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": cards.fingerprint(number),
            "funding": info.funding,
            "generated_from": None,
            "last4": number[-4:],
            "networks": {"available": [info.brand], "preferred": preferred_network},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": beh not in cards.NO_THREE_D_SECURE},
            "wallet": None,
        },
        "created": created,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": metadata or {},
        "type": "card",
        "_used": False,
        "_detached": False,
        "_set_up": beh == "set_up_for_off_session",
    }
    state.payment_methods[pm["id"]] = pm
    state.card_behaviour[pm["id"]] = beh
    state.card_numbers[pm["id"]] = number
    return pm


def from_test_id(ctx, test_id, billing_details=None):
    """A fresh PaymentMethod copied from a ``pm_card_…`` test id (each use makes a new one)."""
    number, behaviour = cards.TEST_PAYMENT_METHODS[test_id]
    return make_payment_method(ctx.state, number, 12, time.gmtime().tm_year + 5, cvc="123",
                               created=ctx.now, behaviour=behaviour,
                               billing_details=billing_details)


def card_as_payment_method(state, card) -> dict:
    """A legacy ``card_…`` source shown as a PaymentMethod (as Stripe's API does)."""
    key = state.cards.sort_key_of(card["id"])
    return {
        "id": card["id"],
        "object": "payment_method",
        "allow_redisplay": card.get("allow_redisplay") or "unspecified",
        "billing_details": {
            "address": {"city": card["address_city"], "country": card["address_country"],
                        "line1": card["address_line1"], "line2": card["address_line2"],
                        "postal_code": card["address_zip"], "state": card["address_state"]},
            "email": None, "name": card["name"], "phone": None, "tax_id": None},
        "card": {
            "brand": cards.lookup(state.card_numbers.get(card["id"], "")).brand,
            "checks": {"address_line1_check": card["address_line1_check"],
                       "address_postal_code_check": card["address_zip_check"],
                       "cvc_check": card["cvc_check"]},
            "country": card["country"],
            "display_brand": cards.lookup(state.card_numbers.get(card["id"], "")).brand,
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "generated_from": None,
            "last4": card["last4"],
            "networks": {"available": [cards.lookup(state.card_numbers.get(card["id"], ""))
                                       .brand], "preferred": None},
            "regulated_status": card.get("regulated_status") or "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": key >> 32 if key is not None else 0,
        "customer": card["customer"],
        "customer_account": None,
        "livemode": False,
        "metadata": card.get("metadata") or {},
        "type": "card",
    }


def view(state, pm) -> dict:
    """The PaymentMethod as the API shows it (a legacy card converted, bookkeeping dropped)."""
    if pm.get("object") == "card":
        return card_as_payment_method(state, pm)
    return public(pm)


def find(ctx, pm_id, param="payment_method"):
    """The stored PaymentMethod ``pm_…`` or legacy card ``card_…``, else resource_missing."""
    if isinstance(pm_id, str) and pm_id.startswith("card_"):
        card = ctx.state.cards.get(pm_id)
        if card is not None:
            return card
    elif isinstance(pm_id, str) and pm_id.startswith("pm_"):
        pm = ctx.state.payment_methods.get(pm_id)
        if pm is not None:
            return pm
    raise missing_pm(pm_id, param, status=404 if param == "id" else 400)


def resolve(ctx, pm_id, param="payment_method"):
    """A PaymentMethod given as a parameter: test ids make a new one, others must exist."""
    if not isinstance(pm_id, str):
        raise invalid("Invalid string: " + str(pm_id)[:100], param=param)
    if pm_id in cards.TEST_PAYMENT_METHODS:
        return from_test_id(ctx, pm_id)
    return find(ctx, pm_id, param)


def check_reusable(pm):
    """§2.5: an unattached PaymentMethod is used once; a detached one never again."""
    if pm.get("object") == "payment_method" and (
            pm["_detached"] or (pm["_used"] and pm["customer"] is None)):
        raise invalid(REUSED, param="payment_method", stored=True)


def from_card_details(ctx, raw_card, billing_details=None, metadata=None,
                      allow_redisplay="unspecified", param="card"):
    """A new PaymentMethod from ``card[…]``: a token, or numbers sent by Stripe.js."""
    if raw_card in (None, ""):
        raise missing_param(param)
    if not isinstance(raw_card, dict):
        raise invalid("Invalid hash", param=param)
    preferred = preferred_network(raw_card.get("networks"), f"{param}[networks]")
    token = raw_card.get("token")
    if token:
        if not str(token).startswith("tok_"):
            raise invalid(f"Invalid token id: {token}", param="token")
        card = consume_source(ctx, token, param=f"{param}[token]")
        number = ctx.state.card_numbers.get(card["id"], "")
        details = billing_details or {"name": card["name"], "address": {
            "postal_code": card["address_zip"], "line1": card["address_line1"]}}
        return make_payment_method(ctx.state, number, card["exp_month"], card["exp_year"],
                                   cvc=None, created=ctx.now, billing_details=details,
                                   behaviour=ctx.state.card_behaviour.get(card["id"]),
                                   metadata=metadata, allow_redisplay=allow_redisplay,
                                   preferred_network=preferred
                                   or card.get("networks", {}).get("preferred"))
    if not ctx.publishable:
        raise StripeError(402, "invalid_request_error", RAW_PAN, param=param, stored=False)
    number, month, year, cvc = _validated_card(raw_card)
    return make_payment_method(ctx.state, number, month, year, cvc=cvc, created=ctx.now,
                               billing_details=billing_details, metadata=metadata,
                               allow_redisplay=allow_redisplay, preferred_network=preferred)


def create_from_data(ctx, data, param="payment_method_data"):
    """The PaymentMethod of a ``payment_method_data`` hash (intents' confirm)."""
    if not isinstance(data, dict):
        raise invalid("Invalid hash", param=param)
    kind = data.get("type")
    if kind in (None, ""):
        raise missing_param(f"{param}[type]")
    if kind != "card":
        raise not_card(kind, f"{param}[type]")
    redisplay = _redisplay(data.get("allow_redisplay"), f"{param}[allow_redisplay]")
    return from_card_details(ctx, data.get("card"), data.get("billing_details"),
                             new_metadata(data.get("metadata")), redisplay,
                             param=f"{param}[card]")


def not_card(kind, param):
    """PaymentMethod types other than card, answered honestly."""
    return not_emulated(f"PaymentMethods of type {kind!r} are not supported by the offline "
                        "emulator: it emulates card payments only.", param)


def _redisplay(raw, param="allow_redisplay"):
    """An allow_redisplay value (always, limited, unspecified; unspecified by default)."""
    if raw in (None, ""):
        return "unspecified"
    if raw not in REDISPLAY:
        raise invalid(f"Invalid {param}: must be one of always, limited, or unspecified",
                      param=param)
    return raw


@route("POST", "/v1/payment_methods", {
    "type": STR, "card": CARD, "billing_details": BILLING_DETAILS, "metadata": HASH,
    "allow_redisplay": STR, "customer": STR, **NOT_CARD,
    # Connect (sharing a platform's PaymentMethod with a connected account), Radar sessions
    "payment_method": UNSUPPORTED, "radar_options": UNSUPPORTED}, publishable=True)
def create_payment_method(ctx, params):
    """Create a card PaymentMethod (Stripe.js's createPaymentMethod, or a token server-side)."""
    if params.get("customer"):
        raise invalid(NO_CUSTOMER_AT_CREATION, param="customer")
    kind = params.get("type")
    if kind in (None, ""):
        raise missing_param("type")
    if kind != "card":
        raise not_card(kind, "type")
    pm = from_card_details(ctx, params.get("card"), params.get("billing_details"),
                           new_metadata(params.get("metadata")),
                           _redisplay(params.get("allow_redisplay")))
    return view(ctx.state, pm)


@route("GET", "/v1/payment_methods/{pm_id}")
def retrieve_payment_method(ctx, params, pm_id):
    """A PaymentMethod, or a legacy card (``card_…``) shown as one."""
    return view(ctx.state, find(ctx, pm_id, "id"))


@route("POST", "/v1/payment_methods/{pm_id}", {
    "metadata": HASH, "billing_details": BILLING_DETAILS, "allow_redisplay": STR,
    "card": {"exp_month": STR, "exp_year": STR, "networks": {"preferred": STR}},
    "link": UNSUPPORTED, "us_bank_account": UNSUPPORTED})
def update_payment_method(ctx, params, pm_id):
    """Update metadata, billing details, expiry, preferred network or allow_redisplay of an
    attached one."""
    pm = find(ctx, pm_id, "id")
    if pm["customer"] is None:
        raise invalid("You must save this PaymentMethod to a customer before you can update "
                      "it.", stored=True)
    expiry = params.get("card") if isinstance(params.get("card"), dict) else {}
    preferred = preferred_network(expiry["networks"]) if "networks" in expiry else None
    before = copy.deepcopy(view(ctx.state, pm))
    merge_metadata(pm, params.get("metadata"))
    if pm["object"] == "payment_method":
        given = params.get("billing_details")
        if isinstance(given, dict):
            merged = _billing_details({**pm["billing_details"], **_present(given)})
            merged["address"] = {**pm["billing_details"]["address"],
                                 **_present(given.get("address"))}
            pm["billing_details"] = merged
        elif given is not None:
            raise invalid("Invalid hash", param="billing_details")
        if "allow_redisplay" in params:
            pm["allow_redisplay"] = _redisplay(params["allow_redisplay"])
        for field in ("exp_month", "exp_year"):
            if expiry.get(field) not in (None, ""):
                pm["card"][field] = parse_int(expiry[field], f"card[{field}]")
        if "networks" in expiry:
            pm["card"]["networks"]["preferred"] = preferred
    after = view(ctx.state, pm)
    changed = {k: before[k] for k in after if before[k] != after[k]}
    if changed:
        event = ctx.emit("payment_method.updated", after)
        event["data"]["previous_attributes"] = changed
    return after


def _present(raw) -> dict:
    """The keys of a partial hash that were sent ("" unsets: stored as null)."""
    if not isinstance(raw, dict):
        return {}
    return {k: (v or None) for k, v in raw.items() if isinstance(v, str)}


def attach(ctx, pm, customer, *, emit=True):
    """Attach ``pm`` to ``customer`` (dict); decline test cards are refused (402)."""
    if pm["object"] == "card":
        if pm["customer"] != customer["id"]:
            raise invalid("The payment method you provided has already been attached to a "
                          "customer.", param="payment_method", stored=True)
        return pm
    check_reusable(pm)
    if pm["customer"] == customer["id"]:
        return pm
    if pm["customer"] is not None:
        raise invalid("The payment method you provided has already been attached to a "
                      "customer.", param="payment_method", stored=True)
    _verify_cvc(ctx.state, pm)
    behaviour = ctx.state.card_behaviour.get(pm["id"])
    if behaviour in cards.ATTACH_DECLINES:
        code, decline_code, message, param, advice = cards.DECLINES[behaviour]
        raise card_error(code, message, param=param, decline_code=decline_code, advice=advice)
    pm["customer"] = customer["id"]
    if emit:
        ctx.emit("payment_method.attached", view(ctx.state, pm))
    return pm


def _verify_cvc(state, pm):
    """``cvc_check`` goes from ``unchecked`` to its result on first use (attach, charge)."""
    checks = pm["card"]["checks"]
    if checks["cvc_check"] == "unchecked":
        probe = {"id": pm["id"], "cvc_check": "unchecked"}
        verify_cvc(state, probe)
        checks["cvc_check"] = probe["cvc_check"]


def first_use(state, pm):
    """What charging or setting up does to a PaymentMethod: its CVC gets checked."""
    if pm["object"] == "card":
        verify_cvc(state, pm)
    else:
        _verify_cvc(state, pm)


def customer_of(ctx, customer_id, param="customer"):
    """The customer dict for a ``customer`` parameter (400 resource_missing if unknown)."""
    return lookup(ctx.state.customers, "customer", customer_id, param)


@route("POST", "/v1/payment_methods/{pm_id}/attach", {"customer": STR})
def attach_payment_method(ctx, params, pm_id):
    """Attach to a customer (``pm_card_…`` ids attach a fresh copy, as Stripe's do)."""
    if not params.get("customer"):
        raise invalid("Must provide customer or customer_account.", code="parameter_missing")
    if pm_id in cards.TEST_PAYMENT_METHODS:
        customer = customer_of(ctx, params["customer"])
        pm = from_test_id(ctx, pm_id)
    else:
        pm = find(ctx, pm_id, "id")
        customer = customer_of(ctx, params["customer"])
    return view(ctx.state, attach(ctx, pm, customer))


@route("POST", "/v1/payment_methods/{pm_id}/detach")
def detach_payment_method(ctx, params, pm_id):
    """Detach from its customer, for good: a detached PaymentMethod is never used again."""
    pm = find(ctx, pm_id, "id")
    if pm["customer"] is None:
        raise invalid("The payment method you provided is not attached to a customer so "
                      "detachment is impossible.", stored=True)
    if pm["object"] == "card":
        raise invalid("Detaching a legacy card (card_…) through the PaymentMethods API is not "
                      "supported by the offline emulator: delete it with DELETE "
                      f"/v1/customers/{pm['customer']}/sources/{pm['id']}.", stored=True)
    previous = pm["customer"]
    pm["customer"] = None
    pm["_detached"] = True
    customer = ctx.state.customers.get(previous)
    if customer is not None and \
            customer["invoice_settings"]["default_payment_method"] == pm["id"]:
        customer["invoice_settings"]["default_payment_method"] = None
    event = ctx.emit("payment_method.detached", view(ctx.state, pm))
    event["data"]["previous_attributes"] = {"customer": previous}
    return view(ctx.state, pm)


def _of_customer(ctx, customer_id, params) -> list:
    """The customer's PaymentMethods and legacy cards as PaymentMethods, newest first."""
    state = ctx.state
    kind = params.get("type")
    if kind not in (None, "", "card"):
        return []
    pms = state.payment_methods
    ids = pms.ids("customer", customer_id)
    found = [(pms.sort_key_of(p["id"]), view(state, p))
             for p in pms.walk(ids, 0, len(ids), lambda p: p["customer"] == customer_id,
                               len(ids))]
    customer = state.customers.get(customer_id)
    for card_id in (customer or {}).get("_sources", []):
        card = state.cards.get(card_id)
        if card is not None:
            found.append((state.cards.sort_key_of(card_id), view(state, card)))
    redisplay = params.get("allow_redisplay")
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [pm for _, pm in found if not redisplay or pm["allow_redisplay"] == redisplay]


PM_LIST = {**PAGE, "type": STR, "allow_redisplay": STR}


@route("GET", "/v1/payment_methods", {**PM_LIST, "customer": STR})
def list_payment_methods(ctx, params):
    """A customer's PaymentMethods (its legacy cards too), or the account's newest ones."""
    if params.get("customer"):
        customer_of(ctx, params["customer"])
        items = _of_customer(ctx, params["customer"], params)
    else:
        wanted = params.get("type")
        if wanted not in (None, "", "card"):
            return {"object": "list", "data": [], "has_more": False,
                    "url": "/v1/payment_methods"}
        page = list_page(ctx.state.payment_methods, params, "/v1/payment_methods",
                         "payment_method", match=lambda p: not params.get("allow_redisplay")
                         or p["allow_redisplay"] == params["allow_redisplay"])
        page["data"] = [view(ctx.state, p) for p in page["data"]]
        return page
    return paginate(items, params, "/v1/payment_methods", "payment_method")


@route("GET", "/v1/customers/{customer_id}/payment_methods", PM_LIST)
def list_customer_payment_methods(ctx, params, customer_id):
    """``Customer.list_payment_methods``: the customer's PaymentMethods and legacy cards."""
    lookup(ctx.state.customers, "customer", customer_id)
    return paginate(_of_customer(ctx, customer_id, params), params,
                    f"/v1/customers/{customer_id}/payment_methods", "payment_method")


@route("GET", "/v1/customers/{customer_id}/payment_methods/{pm_id}")
def retrieve_customer_payment_method(ctx, params, customer_id, pm_id):
    """One of the customer's PaymentMethods (404 when it belongs to someone else)."""
    lookup(ctx.state.customers, "customer", customer_id)
    pm = find(ctx, pm_id, "id")
    if pm["customer"] != customer_id:
        raise missing_pm(pm_id, "payment_method", status=404)
    return view(ctx.state, pm)
