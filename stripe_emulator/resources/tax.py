"""Stripe Tax, as far as the store uses it: Tax Calculations (``POST /v1/tax/calculations``,
its ``line_items``) and Tax Transactions (``create_from_calculation``,
``create_reversal``, retrieve), following Stripe's ``tax.calculation`` and
``tax.transaction`` objects.

The account is taken as registered in every jurisdiction of ``RATES`` (the standard
rate of the EU-27, the UK, Norway, Switzerland, Australia, Japan and a few US states,
whose rates for electronically supplied services are the state's own); anywhere else
nothing is collected (``taxability_reason: "not_collecting"``); a business buyer in
another EU member state than the head office (``tax_settings.py``) who gives an EU VAT
number (``customer_details[tax_ids]``) is reverse charged (no tax, ``"reverse_charge"``).
Tax is worked out per
line item and rounded half up in minor units: ``amount * rate`` for an exclusive price,
``amount * rate / (1 + rate)`` of an inclusive one.
"""
from decimal import ROUND_HALF_UP, Decimal

from ..currencies import parse_int, validate_currency
from ..errors import invalid, missing_param, no_such
from ..ids import new_id
from ..parameters import ADDRESS, HASH, PAGE, STR, UNSUPPORTED
from ..router import route
from .common import new_metadata, public

#: country (or "US-<state>") -> (percent, tax type)
RATES = {
    "AT": ("20", "vat"), "BE": ("21", "vat"), "BG": ("20", "vat"), "HR": ("25", "vat"),
    "CY": ("19", "vat"), "CZ": ("21", "vat"), "DK": ("25", "vat"), "EE": ("24", "vat"),
    "FI": ("25.5", "vat"), "FR": ("20", "vat"), "DE": ("19", "vat"), "GR": ("24", "vat"),
    "HU": ("27", "vat"), "IE": ("23", "vat"), "IT": ("22", "vat"), "LV": ("21", "vat"),
    "LT": ("21", "vat"), "LU": ("17", "vat"), "MT": ("18", "vat"), "NL": ("21", "vat"),
    "PL": ("23", "vat"), "PT": ("23", "vat"), "RO": ("21", "vat"), "SK": ("23", "vat"),
    "SI": ("22", "vat"), "ES": ("21", "vat"), "SE": ("25", "vat"),
    "GB": ("20", "vat"), "NO": ("25", "vat"), "CH": ("8.1", "vat"), "AU": ("10", "gst"),
    "JP": ("10", "jct"),
    "US-WA": ("6.5", "sales_tax"), "US-TX": ("6.25", "sales_tax"),
    "US-NY": ("4", "sales_tax"), "US-PA": ("6", "sales_tax"), "US-UT": ("4.85", "sales_tax"),
}
BEHAVIORS = ("inclusive", "exclusive")
LINE_ITEM = {"amount": STR, "reference": STR, "tax_behavior": STR, "tax_code": STR,
             "quantity": STR, "product": UNSUPPORTED}
CALCULATION = {
    "currency": STR, "line_items": [LINE_ITEM],
    "customer_details": {"address": ADDRESS, "address_source": STR, "ip_address": UNSUPPORTED,
                         "tax_ids": [{"type": STR, "value": STR}],
                         "taxability_override": UNSUPPORTED},
    "tax_date": STR, "customer": UNSUPPORTED, "shipping_cost": UNSUPPORTED,
    "ship_from_details": UNSUPPORTED,
}
DEFAULT_TAX_CODE = "txcd_10000000"
LIFETIME = 90 * 24 * 3600


def _percent_text(rate):
    """Stripe's ``percentage_decimal``: "19.0", "8.1", "6.25"."""
    value = Decimal(rate)
    return f"{value:.1f}" if value == value.to_integral() else str(value)


def _round(value):
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _jurisdiction(address):
    if not isinstance(address, dict) or not address.get("country"):
        raise missing_param("customer_details[address][country]")
    country = str(address["country"]).upper()
    if len(country) != 2 or not country.isalpha():
        raise invalid(f"Invalid country: {address['country']}",
                      param="customer_details[address][country]")
    if country == "US":
        state = str(address.get("state") or "").upper()
        if not state and not address.get("postal_code"):
            raise invalid("We could not determine the customer's tax location based on the "
                          "provided customer address.", code="customer_tax_location_invalid",
                          param="customer_details[address]")
        return country, state or None, RATES.get(f"US-{state}")
    return country, None, RATES.get(country)


def _line_items(raw):
    if raw in (None, "", []):
        raise missing_param("line_items")
    if not isinstance(raw, list):
        raise invalid("Invalid array", param="line_items")
    if len(raw) > 100:
        raise invalid("A calculation can have at most 100 line items.", param="line_items")
    items = []
    for i, line in enumerate(raw):
        name = f"line_items[{i}]"
        if line.get("amount") in (None, ""):
            raise missing_param(f"{name}[amount]")
        amount = parse_int(line["amount"], f"{name}[amount]")
        if amount < 0:
            raise invalid("Invalid non-negative integer", param=f"{name}[amount]")
        behavior = line.get("tax_behavior") or "exclusive"
        if behavior not in BEHAVIORS:
            raise invalid(f"Invalid {name}[tax_behavior]: must be one of inclusive or "
                          "exclusive", param=f"{name}[tax_behavior]")
        quantity = parse_int(line.get("quantity") or "1", f"{name}[quantity]")
        if quantity < 1:
            raise invalid("Invalid positive integer", param=f"{name}[quantity]")
        code = line.get("tax_code") or DEFAULT_TAX_CODE
        if not (code.startswith("txcd_") and len(code) == 13 and code[5:].isdigit()):
            raise invalid(f"Invalid tax code: {code}", param=f"{name}[tax_code]")
        items.append({"amount": amount, "behavior": behavior, "quantity": quantity,
                      "reference": line.get("reference") or None, "tax_code": code})
    return items


#: The EU member states (VAT numbers' prefixes: Greece writes EL, Northern Ireland XI).
EU = frozenset(("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR",
                "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI",
                "ES", "SE"))
VAT_PREFIX = {"EL": "GR", "XI": "GB"}
TAX_ID_TYPES = ("eu_vat", "gb_vat", "ch_vat", "no_vat", "au_abn", "us_ein", "ca_bn", "jp_cn")


def tax_ids(raw, param="customer_details[tax_ids]"):
    """``customer_details[tax_ids]``: ``[{type, value}]``, Stripe's 400 for an unknown type
    or an EU VAT number that is not one."""
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list):
        raise invalid("Invalid array", param=param)
    found = []
    for i, item in enumerate(raw):
        kind, value = item.get("type"), str(item.get("value") or "").replace(" ", "")
        if kind not in TAX_ID_TYPES:
            raise invalid(f"Invalid {param}[{i}][type]: must be one of "
                          f"{', '.join(TAX_ID_TYPES)}", param=f"{param}[{i}][type]")
        if not value:
            raise missing_param(f"{param}[{i}][value]")
        prefix = value[:2].upper()
        if kind == "eu_vat" and not (VAT_PREFIX.get(prefix, prefix) in EU | {"GB"}
                                     and value[2:].isalnum() and 2 <= len(value) - 2 <= 12):
            raise invalid(f"Invalid value for eu_vat: {value}.", param=f"{param}[{i}][value]",
                          code="tax_id_invalid")
        found.append({"type": kind, "value": value.upper() if kind == "eu_vat" else value})
    return found


def reverse_charged(ctx, country, ids):
    """A business buyer in another EU member state than the head office, with an EU VAT
    number: no VAT, the buyer accounts for it (Stripe's ``reverse_charge``)."""
    from .tax_settings import head_office_country

    return country in EU and any(t["type"] == "eu_vat" for t in ids) and \
        head_office_country(ctx.state) != country


def _tax_of(amount, behavior, rate):
    if rate is None or amount == 0:
        return 0
    percent = Decimal(rate)
    if behavior == "exclusive":
        return _round(Decimal(amount) * percent / 100)
    return _round(Decimal(amount) * percent / (100 + percent))


@route("POST", "/v1/tax/calculations", CALCULATION)
def create_calculation(ctx, params):
    """Calculate the tax of ``line_items`` for a customer's address."""
    currency = validate_currency(params.get("currency"))
    details = params.get("customer_details")
    if not isinstance(details, dict):
        raise missing_param("customer_details")
    address = details.get("address")
    country, state, found = _jurisdiction(address)
    rate, tax_type = found or (None, None)
    ids = tax_ids(details.get("tax_ids"))
    reason = "standard_rated" if rate else "not_collecting"
    if rate and reverse_charged(ctx, country, ids):
        rate, reason = None, "reverse_charge"  # the buyer accounts for the VAT
    items = _line_items(params.get("line_items"))
    calc_id = new_id("taxcalc_")
    lines, breakdown = [], {}
    total = tax_exclusive = tax_inclusive = 0
    for item in items:
        tax = _tax_of(item["amount"], item["behavior"], rate)
        inclusive = item["behavior"] == "inclusive"
        lines.append({"id": new_id("tax_li_"), "object": "tax.calculation_line_item",
                      "amount": item["amount"], "amount_tax": tax, "livemode": False,
                      "metadata": {}, "product": None,
                      "quantity": item["quantity"], "reference": item["reference"],
                      "tax_behavior": item["behavior"], "tax_code": item["tax_code"]})
        total += item["amount"] + (0 if inclusive else tax)
        if inclusive:
            tax_inclusive += tax
        else:
            tax_exclusive += tax
        entry = breakdown.setdefault(inclusive, {"amount": 0, "taxable_amount": 0})
        entry["amount"] += tax
        entry["taxable_amount"] += item["amount"] - (tax if inclusive else 0)
    calculation = {
        "id": calc_id, "object": "tax.calculation", "amount_total": total,
        "currency": currency, "customer": None,
        "customer_details": {
            "address": {k: (address.get(k) or None) for k in
                        ("city", "country", "line1", "line2", "postal_code", "state")},
            "address_source": details.get("address_source") or "billing",
            "ip_address": None, "tax_ids": ids, "taxability_override": "none"},
        "expires_at": ctx.now + LIFETIME, "livemode": False,
        "line_items": {"object": "list", "data": lines, "has_more": False,
                       "url": f"/v1/tax/calculations/{calc_id}/line_items"},
        "ship_from_details": None, "shipping_cost": None,
        "tax_amount_exclusive": tax_exclusive, "tax_amount_inclusive": tax_inclusive,
        "tax_breakdown": [
            {"amount": entry["amount"], "inclusive": inclusive,
             "tax_rate_details": {
                 "country": country, "flat_amount": None,
                 "percentage_decimal": _percent_text(rate) if rate else "0.0",
                 "rate_type": "percentage", "state": state,
                 "tax_type": tax_type}, "taxability_reason": reason,
             "taxable_amount": entry["taxable_amount"]}
            for inclusive, entry in breakdown.items()],
        "tax_date": parse_int(params["tax_date"], "tax_date") if params.get("tax_date")
        else ctx.now,
        "created": ctx.now,
    }
    ctx.state.tax_calculations[calc_id] = calculation
    return _shown(calculation)


def _shown(obj):
    return {k: v for k, v in public(obj).items() if k != "created"}


def _calculation(ctx, calc_id, param="id"):
    calculation = ctx.state.tax_calculations.get(calc_id)
    if calculation is None:
        raise no_such("tax.calculation", calc_id, param)
    return calculation


@route("GET", "/v1/tax/calculations/{calc_id}/line_items", PAGE)
def calculation_line_items(ctx, params, calc_id):
    return _calculation(ctx, calc_id)["line_items"]


def _transaction(ctx, *, kind, reference, metadata, currency, details, lines, reversal=None,
                 tax_date=None):
    txn_id = new_id("tax_")
    txn = {
        "id": txn_id, "object": "tax.transaction", "created": ctx.now, "currency": currency,
        "customer": None, "customer_details": details,
        "line_items": {"object": "list", "data": lines, "has_more": False,
                       "url": f"/v1/tax/transactions/{txn_id}/line_items"},
        "livemode": False, "metadata": metadata, "posted_at": ctx.now,
        "reference": reference, "reversal": reversal, "ship_from_details": None,
        "shipping_cost": None, "tax_date": tax_date or ctx.now, "type": kind,
    }
    ctx.state.tax_transactions[txn_id] = txn
    return txn


def _unique_reference(ctx, reference):
    if not reference:
        raise missing_param("reference")
    if any(t["reference"] == reference for t in ctx.state.tax_transactions.values()):
        raise invalid(f"A transaction with reference {reference} already exists.",
                      param="reference", code="tax_transaction_reference_already_exists")


@route("POST", "/v1/tax/transactions/create_from_calculation",
       {"calculation": STR, "reference": STR, "metadata": HASH})
def create_from_calculation(ctx, params):
    """Record a calculation as a transaction (once paid)."""
    if not params.get("calculation"):
        raise missing_param("calculation")
    calculation = _calculation(ctx, params["calculation"], "calculation")
    if calculation["expires_at"] < ctx.now:
        raise invalid("The calculation has expired.", param="calculation")
    _unique_reference(ctx, params.get("reference"))
    lines = [{"id": new_id("tax_li_"), "object": "tax.transaction_line_item",
              "amount": line["amount"], "amount_tax": line["amount_tax"], "livemode": False,
              "metadata": line["metadata"], "product": None, "quantity": line["quantity"],
              "reference": line["reference"] or f"L{i}", "reversal": None,
              "tax_behavior": line["tax_behavior"], "tax_code": line["tax_code"],
              "type": "transaction"}
             for i, line in enumerate(calculation["line_items"]["data"])]
    txn = _transaction(ctx, kind="transaction", reference=params["reference"],
                       metadata=new_metadata(params.get("metadata")),
                       currency=calculation["currency"],
                       details=calculation["customer_details"], lines=lines,
                       tax_date=calculation["tax_date"])
    txn["_calculation"] = calculation["id"]
    txn["_reversed"] = {line["id"]: [0, 0] for line in lines}
    return public(txn)


REVERSAL_LINE = {"amount": STR, "amount_tax": STR, "original_line_item": STR,
                 "quantity": STR, "reference": STR, "metadata": HASH}


@route("POST", "/v1/tax/transactions/create_reversal", {
    "mode": STR, "original_transaction": STR, "reference": STR, "metadata": HASH,
    "flat_amount": STR, "line_items": [REVERSAL_LINE], "shipping_cost": UNSUPPORTED})
def create_reversal(ctx, params):
    """Reverse a transaction in full or in part (a refund), amounts negative."""
    mode = params.get("mode")
    if mode not in ("full", "partial"):
        raise invalid("Invalid mode: must be one of full or partial", param="mode")
    original_id = params.get("original_transaction")
    if not original_id:
        raise missing_param("original_transaction")
    original = ctx.state.tax_transactions.get(original_id)
    if original is None or original["type"] != "transaction":
        raise no_such("tax.transaction", original_id, "original_transaction")
    _unique_reference(ctx, params.get("reference"))
    reversed_ = original["_reversed"]
    wanted = {}
    if mode == "full":
        for line in original["line_items"]["data"]:
            done = reversed_[line["id"]]
            wanted[line["id"]] = (line["amount"] - done[0], line["amount_tax"] - done[1])
    elif params.get("flat_amount") not in (None, ""):
        flat = -parse_int(params["flat_amount"], "flat_amount")
        gross_total = sum(item["amount"] + (0 if item["tax_behavior"] == "inclusive"
                                            else item["amount_tax"])
                          for item in original["line_items"]["data"])
        for line in original["line_items"]["data"]:
            gross = line["amount"] + (0 if line["tax_behavior"] == "inclusive"
                                      else line["amount_tax"])
            share = _round(Decimal(flat) * gross / gross_total) if gross_total else 0
            tax = _round(Decimal(share) * line["amount_tax"] / gross) if gross else 0
            wanted[line["id"]] = (share if line["tax_behavior"] == "inclusive"
                                  else share - tax, tax)
    else:
        raw = params.get("line_items")
        if not isinstance(raw, list) or not raw:
            raise missing_param("line_items")
        by_id = {line["id"]: line for line in original["line_items"]["data"]}
        for i, line in enumerate(raw):
            name = f"line_items[{i}]"
            item = by_id.get(line.get("original_line_item"))
            if item is None:
                raise invalid(f"Invalid {name}[original_line_item]",
                              param=f"{name}[original_line_item]")
            amount = -parse_int(line.get("amount", "0"), f"{name}[amount]")
            tax = -parse_int(line.get("amount_tax", "0"), f"{name}[amount_tax]")
            wanted[item["id"]] = (amount, tax)
    lines = []
    for line in original["line_items"]["data"]:
        if line["id"] not in wanted:
            continue
        amount, tax = wanted[line["id"]]
        done = reversed_[line["id"]]
        if amount < 0 or tax < 0 or done[0] + amount > line["amount"] or \
                done[1] + tax > line["amount_tax"]:
            raise invalid("The reversal exceeds what remains of the original transaction.",
                          param="line_items" if mode == "partial" else "mode")
        done[0] += amount
        done[1] += tax
        lines.append({"id": new_id("tax_li_"), "object": "tax.transaction_line_item",
                      "amount": -amount, "amount_tax": -tax, "livemode": False,
                      "metadata": {}, "product": None, "quantity": line["quantity"],
                      "reference": line["reference"],
                      "reversal": {"original_line_item": line["id"]},
                      "tax_behavior": line["tax_behavior"], "tax_code": line["tax_code"],
                      "type": "reversal"})
    ctx.state.tax_transactions[original_id] = original
    txn = _transaction(ctx, kind="reversal", reference=params["reference"],
                       metadata=new_metadata(params.get("metadata")),
                       currency=original["currency"], details=original["customer_details"],
                       lines=lines, reversal={"original_transaction": original_id})
    return public(txn)


@route("GET", "/v1/tax/transactions/{txn_id}")
def retrieve_transaction(ctx, params, txn_id):
    txn = ctx.state.tax_transactions.get(txn_id)
    if txn is None:
        raise no_such("tax.transaction", txn_id)
    return public(txn)

