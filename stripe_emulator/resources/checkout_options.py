"""The optional settings of a Checkout Session (INTENTS §6.1): what the route accepts, and
each setting checked as Stripe checks it and turned into the Session's fields. What the
hosted page does with them (phone, shipping address, consent, custom fields and text, tax
ids, saving the card, adjustable quantities) is in ``checkout_sessions.attempt`` and
``hosted/checkout.py``. Values the emulator cannot honour (recovery URLs after expiry,
invoices, a connected account's tax liability) get the emulator's own "not supported" 400.
"""
import re

from ..currencies import parse_int, validate_currency
from ..errors import invalid, missing_param
from ..parameters import ARRAY, HASH, STR, UNSUPPORTED, unsupported_value
from . import payment_intents as pis
from . import payment_methods as pms
from .charges import SHIPPING
from .common import new_metadata, shipping

MESSAGE = {"message": STR}
CUSTOM_FIELD = {
    "key": STR, "type": STR, "optional": STR, "label": {"custom": STR, "type": STR},
    "dropdown": {"options": [{"label": STR, "value": STR}]},
    "numeric": {"maximum_length": STR, "minimum_length": STR},
    "text": {"maximum_length": STR, "minimum_length": STR},
}
#: Card options the Session passes to its PaymentIntent; installments and Japanese
#: descriptors are not modelled, nor the other types' options.
CHECKOUT_TYPES = tuple(t for t in pms.OTHER_TYPES
                       if t not in ("blik", "interac_present", "promptpay", "zip"))
OPTIONS = {
    "card": {"request_three_d_secure": STR, "setup_future_usage": STR,
             **dict.fromkeys(("installments", "statement_descriptor_suffix_kana",
                              "statement_descriptor_suffix_kanji"), UNSUPPORTED)},
    **dict.fromkeys(CHECKOUT_TYPES, UNSUPPORTED)}
CARD_CHOICES = {"request_three_d_secure": pis.CARD_CHOICES["request_three_d_secure"],
                "setup_future_usage": pis.CARD_CHOICES["setup_future_usage"]}
#: ``payment_intent_data``: Connect's fees, transfers and ``on_behalf_of`` are not modelled.
INTENT_DATA = {"description": STR, "metadata": HASH, "receipt_email": STR,
               "setup_future_usage": STR, "capture_method": STR, "statement_descriptor": STR,
               "statement_descriptor_suffix": STR, "shipping": SHIPPING, "transfer_group": STR,
               **dict.fromkeys(("application_fee_amount", "on_behalf_of", "transfer_data"),
                               UNSUPPORTED)}
PARAMS = {
    "after_expiration": {"recovery": {"allow_promotion_codes": STR, "enabled": STR}},
    "allow_promotion_codes": STR,
    "automatic_tax": {"enabled": STR, "liability": {"type": STR, "account": UNSUPPORTED}},
    "consent_collection": {"payment_method_reuse_agreement": {"position": STR},
                           "promotions": STR, "terms_of_service": STR},
    "currency": STR,
    "custom_fields": [CUSTOM_FIELD],
    "custom_text": dict.fromkeys(("after_submit", "shipping_address", "submit",
                                  "terms_of_service_acceptance"), MESSAGE),
    "customer_update": {"address": STR, "name": STR, "shipping": STR},
    # No Coupons or Promotion Codes here, nor Shipping Rates, Subscriptions, Tax Rates.
    "discounts": [{"coupon": UNSUPPORTED, "promotion_code": UNSUPPORTED}],
    "shipping_options": [{"shipping_rate": UNSUPPORTED, "shipping_rate_data": UNSUPPORTED}],
    "subscription_data": UNSUPPORTED,
    "invoice_creation": {"enabled": STR, "invoice_data": {
        "description": STR, "footer": STR, "metadata": HASH,
        "custom_fields": [{"name": STR, "value": STR}],
        "rendering_options": {"amount_tax_display": STR},
        "account_tax_ids": UNSUPPORTED, "issuer": UNSUPPORTED}},
    "payment_intent_data": INTENT_DATA,
    "payment_method_collection": STR,
    "payment_method_configuration": STR,
    "payment_method_data": {"allow_redisplay": STR},
    "payment_method_options": OPTIONS,
    "phone_number_collection": {"enabled": STR},
    "redirect_on_completion": STR,
    "saved_payment_method_options": {"allow_redisplay_filters": ARRAY,
                                     "payment_method_save": STR},
    "setup_intent_data": {"description": STR, "metadata": HASH, "on_behalf_of": UNSUPPORTED},
    "shipping_address_collection": {"allowed_countries": ARRAY},
    "tax_id_collection": {"enabled": STR},
}
LINE_ITEM_EXTRA = {"adjustable_quantity": {"enabled": STR, "maximum": STR, "minimum": STR},
                   "dynamic_tax_rates": UNSUPPORTED, "tax_rates": UNSUPPORTED}
KEY = re.compile(r"^[A-Za-z0-9]{1,200}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_QUANTITY = 999999
#: The tax id types the hosted page offers (Stripe's page infers one from the country).
TAX_ID_TYPES = ("eu_vat", "gb_vat", "us_ein", "ca_bn", "au_abn", "ch_vat", "no_vat")


def boolean(raw, param, default=None):
    """``true``/``false`` (stripe-python sends booleans so), else Stripe's 400."""
    if raw in (None, ""):
        return default
    text = str(raw).lower()
    if text not in ("true", "false"):
        raise invalid(f"Invalid boolean: {raw}", param=param)
    return text == "true"


def _enabled(params, name):
    """``name[enabled]`` of a hash whose ``enabled`` Stripe requires (False when absent)."""
    raw = _hash(params, name)
    if raw and raw.get("enabled") in (None, ""):
        raise missing_param(f"{name}[enabled]")
    return boolean(raw.get("enabled"), f"{name}[enabled]", False)


def _hash(params, name):
    """A hash parameter (``{}`` when absent or ``""``)."""
    raw = params.get(name)
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise invalid("Invalid hash", param=name)
    return raw


def _length(raw, param, low, high):
    value = parse_int(raw, param)
    if value < low:
        raise invalid(f"This value must be greater than or equal to {low}.", param=param)
    if value > high:
        raise invalid(f"This value must be less than or equal to {high}.", param=param)
    return value


def intent_data(params):
    """``payment_intent_data``, checked (what the Session's intent will be made with)."""
    data = _hash(params, "payment_intent_data")
    return {"description": data.get("description") or None,
            "metadata": new_metadata(data.get("metadata")),
            "receipt_email": data.get("receipt_email") or None,
            "setup_future_usage": pis.choice(data, "setup_future_usage",
                                             ("off_session", "on_session"),
                                             param="payment_intent_data[setup_future_usage]"),
            "capture_method": pis.choice(data, "capture_method", pis.CAPTURE_METHODS,
                                         param="payment_intent_data[capture_method]"),
            "statement_descriptor": data.get("statement_descriptor") or None,
            "statement_descriptor_suffix": data.get("statement_descriptor_suffix") or None,
            "shipping": shipping(data.get("shipping"), "payment_intent_data[shipping]"),
            "transfer_group": data.get("transfer_group") or None}


def adjustable_quantity(line, name, quantity):
    """``line_items[i][adjustable_quantity]``: the range the buyer may pick from."""
    raw = line.get("adjustable_quantity")
    if raw in (None, ""):
        return None
    if not isinstance(raw, dict):
        raise invalid("Invalid hash", param=f"{name}[adjustable_quantity]")
    param = f"{name}[adjustable_quantity]"
    enabled = boolean(raw.get("enabled"), f"{param}[enabled]")
    if enabled is None:
        raise missing_param(f"{param}[enabled]")
    low = _length(raw["minimum"], f"{param}[minimum]", 0, MAX_QUANTITY) \
        if raw.get("minimum") not in (None, "") else 0
    high = _length(raw["maximum"], f"{param}[maximum]", 1, MAX_QUANTITY) \
        if raw.get("maximum") not in (None, "") else 99
    if low > high:
        raise invalid(f"{param}[minimum] must be less than or equal to {param}[maximum].",
                      param=f"{param}[minimum]")
    if enabled and not low <= quantity <= high:
        raise invalid(f"{name}[quantity] must be between {param}[minimum] ({low}) and "
                      f"{param}[maximum] ({high}).", param=f"{name}[quantity]")
    return {"enabled": enabled, "maximum": high if enabled else None,
            "minimum": low if enabled else None}


def _custom_field(raw, i):
    """One ``custom_fields[i]``, as the Session shows it (``value`` null until paid)."""
    name = f"custom_fields[{i}]"
    key = raw.get("key")
    if key in (None, ""):
        raise missing_param(f"{name}[key]")
    if not KEY.match(key):
        raise invalid(f"{name}[key] must be alphanumeric and at most 200 characters.",
                      param=f"{name}[key]")
    label = raw.get("label")
    if not isinstance(label, dict) or label.get("custom") in (None, ""):
        raise missing_param(f"{name}[label][custom]")
    if pis.choice(label, "type", ("custom",), param=f"{name}[label][type]") is None:
        raise missing_param(f"{name}[label][type]")
    if len(label["custom"]) > 50:
        raise invalid(f"{name}[label][custom] must be at most 50 characters.",
                      param=f"{name}[label][custom]")
    kind = pis.choice(raw, "type", ("dropdown", "numeric", "text"), param=f"{name}[type]")
    if kind is None:
        raise missing_param(f"{name}[type]")
    field = {"key": key, "label": {"custom": label["custom"], "type": "custom"},
             "optional": boolean(raw.get("optional"), f"{name}[optional]", False),
             "type": kind}  # and the hash of its type only (``dropdown``, ``numeric``…)
    for other in ("dropdown", "numeric", "text"):
        if other != kind and raw.get(other) not in (None, ""):
            raise invalid(f"{name}[{other}] can only be set when {name}[type] is {other}.",
                          param=f"{name}[{other}]")
    inner = raw.get(kind) if isinstance(raw.get(kind), dict) else {}
    if kind == "dropdown":
        options = inner.get("options")
        if not isinstance(options, list) or not options:
            raise missing_param(f"{name}[dropdown][options]")
        if len(options) > 200:
            raise invalid(f"{name}[dropdown][options] can have at most 200 options.",
                          param=f"{name}[dropdown][options]")
        listed = []
        for j, option in enumerate(options):
            where = f"{name}[dropdown][options][{j}]"
            for part in ("label", "value"):
                if option.get(part) in (None, ""):
                    raise missing_param(f"{where}[{part}]")
            if not KEY.match(option["value"]) or len(option["value"]) > 100:
                raise invalid(f"{where}[value] must be alphanumeric and at most 100 "
                              "characters.", param=f"{where}[value]")
            listed.append({"label": option["label"], "value": option["value"]})
        field["dropdown"] = {"options": listed, "value": None}
    else:
        where = f"{name}[{kind}]"
        low = _length(inner["minimum_length"], f"{where}[minimum_length]", 1, 255) \
            if inner.get("minimum_length") not in (None, "") else None
        high = _length(inner["maximum_length"], f"{where}[maximum_length]", 1, 255) \
            if inner.get("maximum_length") not in (None, "") else None
        if low is not None and high is not None and low > high:
            raise invalid(f"{where}[minimum_length] must be less than or equal to "
                          f"{where}[maximum_length].", param=f"{where}[minimum_length]")
        field[kind] = {"maximum_length": high, "minimum_length": low, "value": None}
    return field


def custom_fields(raw):
    """``custom_fields``: up to 3 fields the hosted page asks the buyer to fill in."""
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list):
        raise invalid("Invalid array", param="custom_fields")
    if len(raw) > 3:
        raise invalid("You can only specify up to 3 custom fields.", param="custom_fields")
    fields = [_custom_field(item, i) for i, item in enumerate(raw)]
    keys = [f["key"] for f in fields]
    if len(set(keys)) != len(keys):
        raise invalid("Each custom field must have a unique key.", param="custom_fields")
    return fields


def custom_text(raw):
    """``custom_text``: messages the hosted page shows (``""`` for none)."""
    raw = raw if isinstance(raw, dict) else {}
    out = {}
    for position in ("after_submit", "shipping_address", "submit",
                     "terms_of_service_acceptance"):
        value = raw.get(position)
        param = f"custom_text[{position}]"
        if value in (None, ""):
            out[position] = None
            continue
        if not isinstance(value, dict):
            raise invalid("Invalid hash", param=param)
        message = value.get("message")
        if message in (None, ""):
            raise missing_param(f"{param}[message]")
        if len(message) > 1200:
            raise invalid(f"{param}[message] must be at most 1200 characters.",
                          param=f"{param}[message]")
        out[position] = {"message": message}
    return out


def _consent_collection(params):
    raw = _hash(params, "consent_collection")
    if not raw:
        return None
    reuse = raw.get("payment_method_reuse_agreement")
    agreement = None
    if reuse not in (None, ""):
        if not isinstance(reuse, dict):
            raise invalid("Invalid hash", param="consent_collection[payment_method_reuse_"
                                                "agreement]")
        position = pis.choice(reuse, "position", ("auto", "hidden"), param=(
            "consent_collection[payment_method_reuse_agreement][position]"))
        if position is None:
            raise missing_param("consent_collection[payment_method_reuse_agreement]"
                                "[position]")
        agreement = {"position": position}
    return {"payment_method_reuse_agreement": agreement,
            "promotions": pis.choice(raw, "promotions", ("auto", "none"),
                                     param="consent_collection[promotions]"),
            "terms_of_service": pis.choice(raw, "terms_of_service", ("none", "required"),
                                           param="consent_collection[terms_of_service]")}


def _invoice_creation(params):
    raw = _hash(params, "invoice_creation")
    if boolean(raw.get("enabled"), "invoice_creation[enabled]", False):
        raise unsupported_value("invoice_creation[enabled]", "true",
                                "it has no Invoices: the payment's receipt is the charge's")
    if raw and raw.get("enabled") in (None, ""):
        raise missing_param("invoice_creation[enabled]")
    data = raw.get("invoice_data")
    if data in (None, ""):
        data = {}
    if not isinstance(data, dict):
        raise invalid("Invalid hash", param="invoice_creation[invoice_data]")
    fields = data.get("custom_fields")
    listed = None
    if fields not in (None, ""):
        if len(fields) > 4:
            raise invalid("You can only specify up to 4 custom fields.",
                          param="invoice_creation[invoice_data][custom_fields]")
        listed = []
        for i, field in enumerate(fields):
            for part in ("name", "value"):
                if field.get(part) in (None, ""):
                    raise missing_param(
                        f"invoice_creation[invoice_data][custom_fields][{i}][{part}]")
            listed.append({"name": field["name"], "value": field["value"]})
    rendering = data.get("rendering_options")
    options = None
    if isinstance(rendering, dict):
        options = {"amount_tax_display": pis.choice(
            rendering, "amount_tax_display", ("exclude_tax", "include_inclusive_tax"),
            param="invoice_creation[invoice_data][rendering_options][amount_tax_display]")}
    return {"enabled": False, "invoice_data": {
        "account_tax_ids": None, "custom_fields": listed,
        "description": data.get("description") or None,
        "footer": data.get("footer") or None, "issuer": None,
        "metadata": new_metadata(data.get("metadata")), "rendering_options": options}}


def _after_expiration(params):
    raw = _hash(params, "after_expiration")
    recovery = raw.get("recovery")
    if recovery in (None, ""):
        return None
    if not isinstance(recovery, dict):
        raise invalid("Invalid hash", param="after_expiration[recovery]")
    if boolean(recovery.get("enabled"), "after_expiration[recovery][enabled]") is None:
        raise missing_param("after_expiration[recovery][enabled]")
    if recovery["enabled"].lower() == "true":
        raise unsupported_value("after_expiration[recovery][enabled]", "true",
                                "it makes no recovery URLs for expired Sessions")
    return {"recovery": {
        "allow_promotion_codes": boolean(recovery.get("allow_promotion_codes"),
                                         "after_expiration[recovery][allow_promotion_codes]",
                                         False),
        "enabled": False, "expires_at": None, "url": None}}


def _automatic_tax(params):
    """``automatic_tax``: off, or on with liability ``self`` (``checkout_tax.py`` taxes the
    Session once the buyer's address is known)."""
    raw = _hash(params, "automatic_tax")
    if raw and raw.get("enabled") in (None, ""):
        raise missing_param("automatic_tax[enabled]")
    on = boolean(raw.get("enabled"), "automatic_tax[enabled]", False) if raw else False
    liability = raw.get("liability")
    out = None
    if liability not in (None, ""):
        if not isinstance(liability, dict):
            raise invalid("Invalid hash", param="automatic_tax[liability]")
        kind = pis.choice(liability, "type", ("account", "self"),
                          param="automatic_tax[liability][type]")
        if kind is None:
            raise missing_param("automatic_tax[liability][type]")
        if kind == "account":
            raise unsupported_value("automatic_tax[liability][type]", "account",
                                    "it has no connected accounts")
        out = {"type": "self"}
    if on:
        return {"enabled": True, "liability": out or {"type": "self"}, "provider": "stripe",
                "status": "requires_location_inputs"}
    return {"enabled": False, "liability": out, "provider": None, "status": None}


def _card_options(params):
    """The Session's ``payment_method_options`` (its card ones go to its PaymentIntent)."""
    current = {"card": {"request_three_d_secure": "automatic"}}
    options = pis.card_options(params, current, CARD_CHOICES)
    if options["card"].get("setup_future_usage") is None:
        options["card"].pop("setup_future_usage", None)
    return options


def _saved_options(params, customer, creation):
    raw = _hash(params, "saved_payment_method_options")
    if not raw:
        return None
    filters = raw.get("allow_redisplay_filters")
    if filters not in (None, ""):
        for value in filters:
            if value not in pms.REDISPLAY:
                raise invalid("Invalid saved_payment_method_options[allow_redisplay_filters]"
                              "[]: must be one of always, limited, or unspecified",
                              param="saved_payment_method_options[allow_redisplay_filters]")
    save = pis.choice(raw, "payment_method_save", ("disabled", "enabled"),
                      param="saved_payment_method_options[payment_method_save]")
    if save == "enabled" and customer is None and creation != "always":
        raise invalid("saved_payment_method_options[payment_method_save] can only be enabled "
                      "with a `customer`, or with `customer_creation=always`.",
                      param="saved_payment_method_options[payment_method_save]")
    return {"allow_redisplay_filters": list(filters) if filters not in (None, "") else None,
            "payment_method_save": save}


def _shipping_collection(params):
    raw = _hash(params, "shipping_address_collection")
    if not raw:
        return None
    countries = raw.get("allowed_countries")
    if countries in (None, "", []):
        raise missing_param("shipping_address_collection[allowed_countries]")
    for country in countries:
        if not COUNTRY.match(country):
            raise invalid(f"Invalid shipping_address_collection[allowed_countries][]: "
                          f"{country} is not a two-letter country code (ISO 3166-1 alpha-2)",
                          param="shipping_address_collection[allowed_countries]")
    return {"allowed_countries": list(dict.fromkeys(countries))}


def _configuration(params):
    raw = params.get("payment_method_configuration")
    if raw in (None, ""):
        return None
    if raw != pis.CONFIGURATION["id"]:
        raise invalid(f"No such payment_method_configuration: '{raw}'",
                      param="payment_method_configuration", code="resource_missing")
    if params.get("payment_method_types") is not None:
        raise invalid("You may only specify one of these parameters: "
                      "payment_method_configuration, payment_method_types.")
    return dict(pis.CONFIGURATION)


def session_fields(ctx, params, customer, currency, embedded="embedded_page"):
    """The Session's fields these settings decide (checked), and the bookkeeping the hosted
    page and the Session's PaymentIntent use (``_``-keys). ``embedded``: the embedded
    ``ui_mode``'s name on the request's API version (``embedded`` before dahlia)."""
    if params.get("currency") not in (None, ""):
        asked = validate_currency(params["currency"])
        if asked != currency:
            raise invalid(f"The Checkout Session's currency ({asked}) must match the currency "
                          f"of its line items ({currency}).", param="currency")
    if params.get("setup_intent_data") not in (None, ""):
        raise invalid("You can only pass `setup_intent_data` when `mode` is `setup`.",
                      param="setup_intent_data")
    if pis.choice(params, "redirect_on_completion", ("always", "if_required", "never")):
        raise invalid("You can only set `redirect_on_completion` when `ui_mode` is "
                      f"`{embedded}`.", param="redirect_on_completion")
    update = _hash(params, "customer_update")
    if update and customer is None:
        raise invalid("customer_update can only be used with customer.",
                      param="customer_update")
    changes = {part: pis.choice(update, part, ("auto", "never"), "never",
                                param=f"customer_update[{part}]")
               for part in ("address", "name", "shipping")}
    creation = params.get("customer_creation")
    pm_data = _hash(params, "payment_method_data")
    phone = _enabled(params, "phone_number_collection")
    tax_ids = _enabled(params, "tax_id_collection")
    return {
        "after_expiration": _after_expiration(params),
        "allow_promotion_codes": boolean(params.get("allow_promotion_codes"),
                                         "allow_promotion_codes"),
        "automatic_tax": _automatic_tax(params),
        "consent_collection": _consent_collection(params),
        "custom_fields": custom_fields(params.get("custom_fields")),
        "custom_text": custom_text(params.get("custom_text")),
        "invoice_creation": _invoice_creation(params),
        "payment_method_collection": pis.choice(params, "payment_method_collection",
                                                ("always", "if_required"), "if_required"),
        "payment_method_configuration_details": _configuration(params),
        "payment_method_options": _card_options(params),
        "phone_number_collection": {"enabled": phone},
        "saved_payment_method_options": _saved_options(params, customer, creation),
        "shipping_address_collection": _shipping_collection(params),
        "tax_id_collection": {"enabled": tax_ids},
        "_customer_update": changes,
        "_allow_redisplay": pms._redisplay(pm_data.get("allow_redisplay"),
                                           "payment_method_data[allow_redisplay]"),
    }
