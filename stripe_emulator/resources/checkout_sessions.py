"""Checkout Sessions in ``payment`` mode (INTENTS §6): create, retrieve (``expand`` of
``line_items``, ``payment_intent``, ``customer``), list, ``line_items``, expire, and what
the hosted payment page (``hosted/checkout.py``) does with them: each attempt pays a
PaymentIntent owned by the Session (created at the first attempt, as since 2022-08-01),
a paid one completes it (``checkout.session.completed``), and an expired one
(``expire``, or its ``expires_at`` passing) cancels its intent (``checkout.session.expired``).

Bookkeeping in ``_`` keys: ``_line_items`` (the ``item`` objects), ``_intent`` (what
``payment_intent_data`` asked for), ``_details`` (what the buyer typed, for
``customer_details`` at completion), ``_form`` (the page's custom field values, consent
and shipping address, shown at completion), ``_customer_update`` and ``_allow_redisplay``
(``customer_update``, ``payment_method_data[allow_redisplay]``). The optional settings
are checked and turned into fields by ``checkout_options.py``.
"""
from urllib.parse import urlsplit

from .. import parameters, versions
from ..currencies import MAXIMUM, format_major, minimum, parse_int, validate_currency
from ..errors import StripeError, invalid, missing_param
from ..ids import new_id
from ..parameters import ARRAY, HASH, LIST, PAGE, STR, UNSUPPORTED
from ..router import route
from . import card_payments as cp
from . import checkout_options as options
from . import checkout_tax
from . import customers as customer_resource
from . import payment_intents as pis
from . import payment_methods as pms
from .common import (
    VIRTUAL_EXPANSIONS,
    list_page,
    lookup,
    new_metadata,
    paginate,
    public,
    shipping,
)
from .tokens import _validated_card

LINE_ITEM = {
    "price": STR, "quantity": STR, "metadata": HASH, **options.LINE_ITEM_EXTRA,
    "price_data": {"currency": STR, "unit_amount": STR, "unit_amount_decimal": STR,
                   "product": STR, "tax_behavior": STR,
                   "recurring": UNSUPPORTED,  # subscriptions are not emulated
                   "product_data": {"name": STR, "description": STR, "images": ARRAY,
                                    "metadata": HASH, "tax_code": STR}},
}
CREATE = {
    "mode": STR, "line_items": [LINE_ITEM], "success_url": STR, "cancel_url": STR,
    "client_reference_id": STR, "metadata": HASH, "customer": STR, "customer_email": STR,
    "customer_creation": STR, "expires_at": STR, "ui_mode": STR, "return_url": STR,
    "payment_method_types": ARRAY, "allowed_payment_method_types": ARRAY,
    "excluded_payment_method_types": ARRAY, "locale": STR, "submit_type": STR,
    "billing_address_collection": STR, **options.PARAMS,
}
#: ``ui_mode`` values: renamed on 2026-03-25.dahlia, the old ones failing from then on (§1).
RENAMED_UI_MODES = "2026-03-25"
UI_MODES_NEW = ("hosted_page", "embedded_page", "elements", "form")
UI_MODES_OLD = ("hosted", "embedded", "custom")
MIN_LIFETIME, MAX_LIFETIME = 30 * 60, 24 * 3600
NOT_EMULATED = "not supported by the offline emulator"
AUTH_FAILED = ("We are unable to authenticate your payment method. Please choose a "
               "different payment method and try again.")


def not_emulated(param, what):
    """A value Stripe takes that the emulator does not model, answered honestly (the code
    of ``parameters.unsupported``, no ``doc_url``)."""
    return parameters.not_emulated(f"{what} is {NOT_EMULATED}.", param)


def view(session) -> dict:
    """The Session as the API shows it (bookkeeping dropped; ``line_items`` only expanded)."""
    return public(session)


def get(ctx, session_id):
    """The stored Session (expired first if its time is up), or resource_missing."""
    session = lookup(ctx.state.checkout_sessions, "checkout.session", session_id)
    expire_if_due(ctx, session)
    return session


def _url(raw, param):
    """An absolute http(s) URL (``{CHECKOUT_SESSION_ID}`` may appear in it)."""
    try:
        parts = urlsplit(str(raw).replace("{CHECKOUT_SESSION_ID}", "x"))
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("Not a valid URL", param=param, code="url_invalid")
    return str(raw)


def _ui_mode(ctx, params):
    """``hosted_page`` (or ``hosted`` before dahlia); the others are not served here."""
    renamed = versions.on_or_after(ctx.api_version, RENAMED_UI_MODES)
    allowed = UI_MODES_NEW if renamed else UI_MODES_OLD
    mode = pis.choice(params, "ui_mode", allowed, allowed[0])
    if mode != allowed[0]:
        raise not_emulated("ui_mode", f"ui_mode={mode} (only the hosted page is served)")
    return mode


def _line_items(ctx, raw):
    """The ``item`` objects of ``line_items`` (``price_data`` only: no Prices here)."""
    if raw in (None, "", []):
        raise missing_param("line_items")
    if not isinstance(raw, list):
        raise invalid("Invalid array", param="line_items")
    if len(raw) > 100:
        raise invalid("A Checkout Session can have at most 100 line items.",
                      param="line_items")
    items, currency = [], None
    for i, line in enumerate(raw):
        name = f"line_items[{i}]"
        if line.get("price"):
            raise not_emulated(f"{name}[price]", "Prices (price_…)")
        data = line.get("price_data")
        if not isinstance(data, dict):
            raise invalid(f"You must specify either `price` or `price_data` in {name}.",
                          param=name)
        cur = validate_currency(data.get("currency"))
        if currency and cur != currency:
            raise invalid("All line items must use the same currency.",
                          param=f"{name}[price_data][currency]")
        currency = cur
        if data.get("product"):
            raise not_emulated(f"{name}[price_data][product]", "Products (prod_…)")
        product = data.get("product_data")
        if not isinstance(product, dict) or not product.get("name"):
            raise missing_param(f"{name}[price_data][product_data][name]")
        if data.get("unit_amount") not in (None, ""):
            unit = parse_int(data["unit_amount"], f"{name}[price_data][unit_amount]")
        elif data.get("unit_amount_decimal") not in (None, ""):
            raw_decimal = str(data["unit_amount_decimal"])
            if not raw_decimal.isdigit():
                raise not_emulated(f"{name}[price_data][unit_amount_decimal]",
                                   "A fractional unit_amount_decimal")
            unit = int(raw_decimal)
        else:
            raise missing_param(f"{name}[price_data][unit_amount]")
        if unit < 0:
            raise invalid("This value must be greater than or equal to 0.",
                          param=f"{name}[price_data][unit_amount]")
        if line.get("quantity") in (None, ""):
            raise missing_param(f"{name}[quantity]")
        quantity = parse_int(line["quantity"], f"{name}[quantity]")
        if quantity < 1:
            raise invalid("This value must be greater than or equal to 1.",
                          param=f"{name}[quantity]")
        behavior = pis.choice(data, "tax_behavior", ("exclusive", "inclusive", "unspecified"),
                              "unspecified", param=f"{name}[price_data][tax_behavior]")
        code = product.get("tax_code")
        if code not in (None, "") and not (str(code).startswith("txcd_") and len(code) == 13
                                           and code[5:].isdigit()):
            raise invalid(f"Invalid tax code: {code}",
                          param=f"{name}[price_data][product_data][tax_code]")
        item = _item(ctx, cur, unit, quantity, product, line)
        item["price"]["tax_behavior"] = behavior
        item["adjustable_quantity"] = options.adjustable_quantity(line, name, quantity)
        items.append(item)
    return items, currency


def _item(ctx, currency, unit, quantity, product, line):
    """One ``item`` (``li_…``) with its ad-hoc price, as Checkout lists them."""
    return {
        "id": new_id("li_"),
        "object": "item",
        "adjustable_quantity": None,
        "amount_discount": 0,
        "amount_subtotal": unit * quantity,
        "amount_tax": 0,
        "amount_total": unit * quantity,
        "currency": currency,
        "description": product["name"],
        "metadata": new_metadata(line.get("metadata")),
        "price": {
            "id": new_id("price_"), "object": "price", "active": False,
            "billing_scheme": "per_unit", "created": ctx.now, "currency": currency,
            "custom_unit_amount": None, "livemode": False, "lookup_key": None,
            "metadata": {}, "nickname": None, "product": new_id("prod_", 14),
            "recurring": None, "tax_behavior": "unspecified", "tiers_mode": None,
            "transform_quantity": None, "type": "one_time", "unit_amount": unit,
            "unit_amount_decimal": str(unit)},
        "quantity": quantity,
    }


def _expires_at(ctx, raw):
    """30 minutes to 24 hours after creation (default 24 hours)."""
    if raw in (None, ""):
        return ctx.now + MAX_LIFETIME
    at = parse_int(raw, "expires_at")
    if at < ctx.now + MIN_LIFETIME:
        raise invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout "
                      "Session creation.", param="expires_at")
    if at > ctx.now + MAX_LIFETIME:
        raise invalid("The `expires_at` timestamp must be less than 24 hours from Checkout "
                      "Session creation.", param="expires_at")
    return at


def _check_types(ctx, params):
    """``payment_method_types`` is refused on endive; only card can be allowed before."""
    if params.get("payment_method_types") is not None:
        if versions.on_or_after(ctx.api_version, pis.ENDIVE):
            raise invalid(pis.TYPES_GONE, param="payment_method_types",
                          code="payment_method_types_no_longer_supported")
        for kind in params["payment_method_types"]:
            if kind != "card":
                raise pms.not_card(kind, "payment_method_types")
    allowed = params.get("allowed_payment_method_types")
    if allowed is not None and "card" not in allowed:
        raise parameters.not_emulated("None of the allowed_payment_method_types can be used: "
                                      "the offline emulator supports card payments only.",
                                      "allowed_payment_method_types")
    excluded = params.get("excluded_payment_method_types")
    if excluded is not None and "card" in excluded:
        raise parameters.not_emulated("Excluding card leaves no payment method: the offline "
                                      "emulator supports card payments only.",
                                      "excluded_payment_method_types")


@route("POST", "/v1/checkout/sessions", CREATE)
def create_session(ctx, params):
    """Create a hosted Checkout Session in payment mode; its ``url`` is the emulator's page."""
    mode = params.get("mode")
    if mode in (None, ""):
        raise missing_param("mode")
    if mode not in ("payment", "setup", "subscription"):
        raise invalid("Invalid mode: must be one of payment, setup, or subscription",
                      param="mode")
    if mode != "payment":
        raise not_emulated("mode", f"mode={mode} (Checkout emulates payment mode)")
    ui_mode = _ui_mode(ctx, params)
    _check_types(ctx, params)
    items, currency = _line_items(ctx, params.get("line_items"))
    total = sum(item["amount_total"] for item in items)
    if total > MAXIMUM:
        raise invalid("The Checkout Session's total amount due must be no more than "
                      f"{format_major(MAXIMUM, currency, grouping=True)}", param="line_items",
                      code="amount_too_large")
    if total < minimum(currency):
        raise invalid("The Checkout Session's total amount due must add up to at least "
                      f"{format_major(minimum(currency), currency)} {currency}",
                      param="line_items", code="amount_too_small")
    if params.get("customer") and params.get("customer_email"):
        raise invalid("You may only specify one of these parameters: customer, customer_email.")
    customer = pms.customer_of(ctx, params["customer"]) if params.get("customer") else None
    success = _url(params["success_url"], "success_url") if params.get("success_url") else None
    cancel = _url(params["cancel_url"], "cancel_url") if params.get("cancel_url") else None
    embedded = UI_MODES_NEW[1] if ui_mode == UI_MODES_NEW[0] else UI_MODES_OLD[1]
    if params.get("return_url"):
        custom = UI_MODES_NEW[2] if embedded == UI_MODES_NEW[1] else UI_MODES_OLD[2]
        raise invalid(f"You can only set `return_url` when `ui_mode` is `{embedded}` or "
                      f"`{custom}`.", param="return_url")
    reference = params.get("client_reference_id") or None
    if reference and len(reference) > 200:
        raise invalid("client_reference_id must be at most 200 characters.",
                      param="client_reference_id")
    intent = options.intent_data(params)
    settings = options.session_fields(ctx, params, customer, currency, embedded)
    expires_at = _expires_at(ctx, params.get("expires_at"))
    session_id = new_id("cs_test_a1", 56)
    session = {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": total,
        "amount_total": total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None,
                          "status": None},
        "billing_address_collection": pis.choice(params, "billing_address_collection",
                                                ("auto", "required")),
        "cancel_url": cancel,
        "client_reference_id": reference,
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": ctx.now,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": customer["id"] if customer else None,
        "customer_account": None,
        "customer_creation": pis.choice(params, "customer_creation", ("always", "if_required"),
                                       None if customer else "if_required"),
        "customer_details": None,
        "customer_email": params.get("customer_email") or None,
        "discounts": [],
        "expires_at": expires_at,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": {"enabled": False, "invoice_data": {
            "account_tax_ids": None, "custom_fields": None, "description": None,
            "footer": None, "issuer": None, "metadata": {}, "rendering_options": None}},
        "livemode": False,
        "locale": params.get("locale") or None,
        "managed_payments": None,
        "metadata": new_metadata(params.get("metadata")),
        "mode": "payment",
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": pis.choice(params, "submit_type", ("auto", "book", "donate", "pay")),
        "subscription": None,
        "success_url": success,
        "tax_id_collection": {"enabled": False},
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": ui_mode,
        "url": f"{ctx.base_url}/c/pay/{session_id}",
        "wallet_options": None,
        "_line_items": items,
        "_intent": intent,
        "_details": None,
    }
    session.update(settings)
    checkout_tax.prepare(ctx, session, params, customer)
    ctx.state.checkout_sessions[session_id] = session
    return view(session)


@route("GET", "/v1/checkout/sessions/{session_id}")
def retrieve_session(ctx, params, session_id):
    """A Session (``expand[]=line_items``, ``payment_intent``, ``customer``…)."""
    return view(get(ctx, session_id))


@route("GET", "/v1/checkout/sessions/{session_id}/line_items", PAGE)
def list_line_items(ctx, params, session_id):
    """The Session's line items, paginated."""
    session = get(ctx, session_id)
    return paginate(list(session["_line_items"]), params,
                    f"/v1/checkout/sessions/{session_id}/line_items", "item")


def _expanded_line_items(session, state):
    """``expand[]=line_items`` on a Session (never included otherwise)."""
    stored = state.checkout_sessions.get(session["id"]) or {}
    items = stored.get("_line_items", [])
    return {"object": "list", "data": items, "has_more": False,
            "url": f"/v1/checkout/sessions/{session['id']}/line_items"}


VIRTUAL_EXPANSIONS["checkout.session", "line_items"] = _expanded_line_items


@route("GET", "/v1/checkout/sessions", {
    **LIST, "payment_intent": STR, "customer": STR, "status": STR,
    "customer_details": {"email": STR},
    "payment_link": UNSUPPORTED, "subscription": UNSUPPORTED})  # neither is emulated
def list_sessions(ctx, params):
    """Newest first; ``payment_intent=`` finds the Session of an intent."""
    expire_due(ctx)
    email = (params.get("customer_details") or {}).get("email") \
        if isinstance(params.get("customer_details"), dict) else None
    page = list_page(ctx.state.checkout_sessions, params, "/v1/checkout/sessions",
                     "checkout.session",
                     where={f: params.get(f) for f in ("payment_intent", "customer", "status")},
                     match=lambda s: not email or (s["customer_details"] or {}).get(
                         "email") == email)
    page["data"] = [view(s) for s in page["data"]]
    return page


@route("POST", "/v1/checkout/sessions/{session_id}/expire")
def expire_session(ctx, params, session_id):
    """Expire an open Session now (its intent, if any, is canceled)."""
    session = get(ctx, session_id)
    if session["status"] != "open":
        raise invalid("Only Checkout Sessions with a status in [\"open\"] can be expired. This "
                      f"Checkout Session has a status of \"{session['status']}\".",
                      stored=True)
    expire(ctx, session)
    return view(session)


def expire(ctx, session):
    """``open`` → ``expired``: the page stops taking payments, the intent is canceled."""
    session["status"] = "expired"
    session["url"] = None
    pi = ctx.state.payment_intents.get(session["payment_intent"]) \
        if session["payment_intent"] else None
    if pi is not None and pi["status"] in pis.CANCELABLE and pi["status"] != "requires_capture":
        pis.cancel(ctx, pi, "abandoned")
    ctx.emit("checkout.session.expired", view(session))


def expire_if_due(ctx, session):
    """Expire ``session`` if its ``expires_at`` has passed (time moves on without requests)."""
    if session["status"] == "open" and session["expires_at"] <= ctx.now:
        expire(ctx, session)


def expire_due(ctx):
    """Expire every open Session whose time is up (lists, the sweeper, the control API)."""
    coll = ctx.state.checkout_sessions
    ids = coll.ids("status", "open")
    due = [s["id"] for s in coll.walk(ids, 0, len(ids), lambda s: s["status"] == "open"
                                      and s["expires_at"] <= ctx.now, len(ids))]
    for session_id in due:
        expire_if_due(ctx, coll.get(session_id))
    return due


def expire_now(ctx, session_id):
    """The control API's "time passes": the Session expires as if ``expires_at`` came."""
    session = lookup(ctx.state.checkout_sessions, "checkout.session", session_id)
    if session["status"] != "open":
        raise ValueError(f"checkout session {session_id} is {session['status']}, not open")
    session["expires_at"] = min(session["expires_at"], ctx.now)
    expire(ctx, session)
    return view(session)


# --- the hosted page's payments -----------------------------------------------------------
def _complete(ctx, pi):
    """A Session's intent was paid (or authorized): the Session completes (card_payments
    calls this for every intent; it acts on Checkout's own)."""
    session = ctx.state.checkout_sessions.get(pi.get("_checkout_session") or "")
    if session is None or session["status"] != "open":
        return
    session["status"] = "complete"
    session["payment_status"] = "paid" if pi["status"] == "succeeded" else "unpaid"
    session["url"] = None
    session["customer"] = pi["customer"]
    session["customer_details"] = session["_details"]
    form = session.get("_form") or {}
    for field in session["custom_fields"]:
        field[field["type"]]["value"] = (form.get("custom") or {}).get(field["key"])
    consent = session["consent_collection"]
    if consent:
        promotions = None
        if consent["promotions"] == "auto":
            promotions = "opt_in" if form.get("promotions") else "opt_out"
        session["consent"] = {"promotions": promotions, "terms_of_service":
                              "accepted" if form.get("terms") else None}
    if form.get("shipping"):
        session["collected_information"] = {"business_name": None, "individual_name": None,
                                            "shipping_details": form["shipping"]}
    _update_customer(ctx, session, form)
    ctx.emit("checkout.session.completed", view(session))


cp.ON_SUCCEEDED.append(_complete)


def _update_customer(ctx, session, form):
    """``customer_update``: what the buyer typed replaces the customer's name, address or
    shipping (``customer.updated`` with the old values)."""
    changes = session.get("_customer_update") or {}
    customer = ctx.state.customers.get(session["customer"] or "")
    if customer is None:
        return
    details = session["customer_details"]
    new = {}
    if changes.get("name") == "auto" and details["name"]:
        new["name"] = details["name"]
    if changes.get("address") == "auto":
        new["address"] = dict(details["address"])
    if changes.get("shipping") == "auto" and form.get("shipping"):
        new["shipping"] = shipping({**form["shipping"], "phone": details["phone"]})
    previous = {k: customer[k] for k, v in new.items() if customer[k] != v}
    if previous:
        customer.update(new)
        event = ctx.emit("customer.updated", customer_resource.view(ctx, customer))
        event["data"]["previous_attributes"] = previous


def _requantify(session, quantities):
    """The buyer's quantities for adjustable line items: the Session's amounts follow, or
    why they cannot (the total out of the currency's range)."""
    items = session["_line_items"]
    wanted = {i: q for i, q in quantities.items() if items[i]["quantity"] != q}
    if not wanted:
        return None
    total = sum(wanted.get(i, item["quantity"]) * item["price"]["unit_amount"]
                for i, item in enumerate(items))
    currency = session["currency"]
    if total < minimum(currency):
        return ("The total must be at least "
                f"{format_major(minimum(currency), currency)} {currency.upper()}.")
    if total > MAXIMUM:
        return f"The total must be no more than {format_major(MAXIMUM, currency)}."
    for i, quantity in wanted.items():
        item = items[i]
        item["quantity"] = quantity
        item["amount_subtotal"] = item["amount_total"] = quantity * item["price"]["unit_amount"]
    session["amount_subtotal"] = session["amount_total"] = total
    return None


def _buyer_customer(ctx, session, email, name, extra):
    """The Session's customer, or one made now when ``customer_creation=always`` (with the
    phone and shipping address the page collected)."""
    if session["customer"]:
        return session["customer"]
    if session["customer_creation"] == "always":
        params = {"email": email, "name": name}
        if extra.get("phone"):
            params["phone"] = extra["phone"]
        if extra.get("shipping"):
            params["shipping"] = {**extra["shipping"], "phone": extra.get("phone")}
        made = customer_resource.create_customer(ctx, params)
        session["customer"] = made["id"]
        return made["id"]
    return None


def _intent(ctx, session, customer_id):
    """The Session's PaymentIntent: made at the first attempt, reused after a decline."""
    if session["payment_intent"]:
        return ctx.state.payment_intents.get(session["payment_intent"])
    data = session["_intent"]
    params = {k: v for k, v in data.items() if v not in (None, {})}
    params["allowed_payment_method_types"] = ["card"]
    params["payment_method_options"] = {"card": dict(session["payment_method_options"]["card"])}
    pi = pis.new_intent(ctx, params, session["amount_total"], session["currency"],
                         customer_id)
    pi["metadata"] = dict(data["metadata"])
    pi["_checkout_session"] = session["id"]
    ctx.state.payment_intents[pi["id"]] = pi
    session["payment_intent"] = pi["id"]
    ctx.emit("payment_intent.created", public(pi))
    return pi


def card_from_form(number, expiry, cvc):
    """``(number, month, year, cvc)`` from the page's fields, checked as at tokenization."""
    digits = "".join(ch for ch in str(expiry) if ch.isdigit())
    month, year = (digits[:2], digits[2:]) if len(digits) in (4, 6) else ("", "")
    return _validated_card({"number": number, "exp_month": month, "exp_year": year,
                            "cvc": cvc})


def attempt(ctx, session, *, email, name, postal, card, extra=None):
    """One press of Pay on the hosted page: ``{"outcome": "paid"|"declined"|"action"|
    "invalid", "message", "url"}``. ``card`` is ``card_from_form``'s tuple; ``extra`` what
    the page collected beyond it, checked (``quantities`` {index: n}, ``phone``,
    ``shipping`` {name, address}, ``custom`` {key: value}, ``tax_id`` {type, value},
    ``save``, ``promotions``, ``terms``)."""
    number, month, year, cvc = card
    extra = extra or {}
    pi = ctx.state.payment_intents.get(session["payment_intent"] or "")
    if pi is None or pi["status"] in pis.CONFIRMABLE:
        problem = _requantify(session, extra.get("quantities") or {})
        if problem is None and checkout_tax.enabled(session):
            problem = checkout_tax.problem(extra.get("address"), extra.get("tax_id"))
            if problem is None:
                checkout_tax.apply(ctx, session, extra["address"], extra.get("tax_id"))
        if problem:
            return {"outcome": "invalid", "message": problem}
        if pi is not None:
            pi["amount"] = session["amount_total"]
    where = extra.get("address") or {}
    details = {"address": {"city": None, "country": where.get("country") or None,
                           "line1": None, "line2": None, "postal_code": postal or None,
                           "state": where.get("state") or None},
               "email": email, "name": name, "phone": extra.get("phone"),
               "tax_exempt": "none", "tax_ids": [extra["tax_id"]] if extra.get("tax_id")
               else [], "business_name": None, "individual_name": None}
    session["_details"] = details
    session["_form"] = {k: extra.get(k) for k in ("custom", "promotions", "terms", "shipping")}
    customer_id = _buyer_customer(ctx, session, email, name, extra)
    pi = _intent(ctx, session, customer_id)
    if pi["status"] not in pis.CONFIRMABLE:
        return {"outcome": "paid" if session["status"] == "complete" else "declined",
                "message": "This payment can no longer be changed."}
    if extra.get("shipping"):
        pi["shipping"] = shipping({**extra["shipping"], "phone": extra.get("phone")})
    saving = (session["saved_payment_method_options"] or {}).get("payment_method_save")
    if saving == "enabled":
        pi["setup_future_usage"] = session["_intent"]["setup_future_usage"] or (
            "on_session" if extra.get("save") else None)
    pm = pms.make_payment_method(
        ctx.state, number, month, year, cvc=cvc, created=ctx.now,
        billing_details={"name": name, "email": email, "address": {"postal_code": postal},
                         "phone": extra.get("phone")},
        allow_redisplay="always" if extra.get("save") else session["_allow_redisplay"])
    return_url = f"{ctx.base_url}/c/pay/{session['id']}/return"
    try:
        plan = pis.check_confirmation(ctx, pi, {"payment_method": pm["id"],
                                           "return_url": return_url}, checkout=True)
        pis.run_confirmation(ctx, pi, plan)
    except StripeError as exc:
        return {"outcome": "declined", "message": exc.message}
    if pi["status"] == "requires_action":
        return {"outcome": "action", "url": pi["next_action"]["redirect_to_url"]["url"]}
    return {"outcome": "paid"}


def failure_message(ctx, session) -> str | None:
    """Why the Session's last attempt failed, as the hosted page says it."""
    pi = ctx.state.payment_intents.get(session["payment_intent"] or "")
    error = (pi or {}).get("last_payment_error")
    if not error:
        return None
    if error["code"] == "payment_intent_authentication_failure":
        return AUTH_FAILED
    return error["message"]


def success_redirect(session) -> str | None:
    """``success_url`` with ``{CHECKOUT_SESSION_ID}`` replaced by the Session's id."""
    url = session["success_url"]
    return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None
