"""Stripe Tax's settings (``GET``/``POST /v1/tax/settings``): the head office, where the
seller is established, and the default tax behavior and code.

The head office decides the reverse charge (``tax.py``): a business buyer in an EU
member state other than the head office's, with an EU VAT number, is charged no VAT
(``taxability_reason: reverse_charge``). Without a head office the account's own country
(the US) counts, so every EU business buyer is reverse charged, as for a seller outside
the EU. The settings live with the account's policy flags (kept in the state file).
"""
from ..errors import invalid
from ..parameters import ADDRESS, STR
from ..router import route
from .account import COUNTRY
from .common import address

BEHAVIORS = ("exclusive", "inclusive", "inferred_by_currency")


def settings(state) -> dict:
    return state.policy.setdefault("tax_settings", {"head_office": None, "defaults": {
        "tax_behavior": None, "tax_code": None}})


def head_office_country(state) -> str:
    office = settings(state)["head_office"]
    return ((office or {}).get("address") or {}).get("country") or COUNTRY


def default_behavior(state):
    return settings(state)["defaults"]["tax_behavior"]


def view(state) -> dict:
    stored = settings(state)
    office = stored["head_office"]
    return {"object": "tax.settings", "livemode": False,
            "defaults": {"provider": "stripe", **stored["defaults"]},
            "head_office": office,
            "status": "active" if office else "pending",
            "status_details": {"active": {}} if office else {
                "pending": {"missing_fields": ["head_office"]}}}


@route("GET", "/v1/tax/settings")
def retrieve_settings(ctx, params):
    return view(ctx.state)


@route("POST", "/v1/tax/settings", {
    "defaults": {"tax_behavior": STR, "tax_code": STR},
    "head_office": {"address": ADDRESS}})
def update_settings(ctx, params):
    stored = settings(ctx.state)
    defaults = params.get("defaults")
    if isinstance(defaults, dict):
        behavior = defaults.get("tax_behavior")
        if behavior not in (None, "") and behavior not in BEHAVIORS:
            raise invalid("Invalid defaults[tax_behavior]: must be one of exclusive, "
                          "inclusive, or inferred_by_currency",
                          param="defaults[tax_behavior]")
        if behavior not in (None, ""):
            stored["defaults"]["tax_behavior"] = behavior
        code = defaults.get("tax_code")
        if code not in (None, ""):
            if not (code.startswith("txcd_") and len(code) == 13 and code[5:].isdigit()):
                raise invalid(f"Invalid tax code: {code}", param="defaults[tax_code]")
            stored["defaults"]["tax_code"] = code
    office = params.get("head_office")
    if isinstance(office, dict) and office.get("address") not in (None, ""):
        where = address(office["address"], "head_office[address]")
        country = str(where.get("country") or "")
        if len(country) != 2 or not country.isalpha():
            raise invalid("Missing required param: head_office[address][country].",
                          param="head_office[address][country]", code="parameter_missing")
        where["country"] = country.upper()
        stored["head_office"] = {"address": where}
    ctx.state.policy_changed()
    return view(ctx.state)
