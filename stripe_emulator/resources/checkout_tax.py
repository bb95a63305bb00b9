"""``automatic_tax[enabled]=true`` on Checkout Sessions, as Stripe Tax does it on its
hosted page: the tax of every line item for the buyer's billing address, at the rates of
``tax.RATES`` (the account counts as registered there, nothing is collected elsewhere).

At creation the Session has ``automatic_tax.status: requires_location_inputs`` unless its
customer already has an address (then ``complete``, with the tax in the totals). The page
asks for the billing country (and a US state); each line's ``amount_tax`` and
``amount_total``, the Session's ``amount_total`` and ``total_details.amount_tax`` follow,
and ``expand[]=total_details.breakdown`` lists the tax per rate (``taxes[]`` with a
``tax_rate`` object, ``taxability_reason``, ``taxable_amount``). Prices need a
``tax_behavior`` (``inclusive`` or ``exclusive``: the emulator's account sets no default),
and a Session for an existing customer needs ``customer_update[address]=auto`` unless the
customer has an address, as on Stripe.
"""
from decimal import Decimal

from ..errors import StripeError, invalid
from ..ids import new_id
from .common import VIRTUAL_EXPANSIONS
from .tax import RATES, _tax_of, reverse_charged, tax_ids
from .tax_settings import default_behavior

NEEDS_BEHAVIOR = ("Automatic tax requires every price to have a tax_behavior of inclusive "
                  "or exclusive: set line_items[{i}][price_data][tax_behavior] (the account "
                  "has no default tax behavior).")
NEEDS_ADDRESS = ("Automatic tax calculation in Checkout requires a valid address on the "
                 "Customer. Add a valid address to the Customer or set either "
                 "`customer_update[address]` to 'auto' or `customer_update[shipping]` to "
                 "'auto' to save the address entered in Checkout to the Customer.")
DISPLAY = {"vat": "VAT", "gst": "GST", "jct": "JCT", "sales_tax": "Sales Tax"}


def enabled(session):
    return bool((session.get("automatic_tax") or {}).get("enabled"))


def prepare(ctx, session, params, customer):
    """Check a new Session's automatic tax settings; tax it now when its customer has an
    address already."""
    if not enabled(session):
        return
    fallback = default_behavior(ctx.state)
    behaviors = []
    for i, item in enumerate(session["_line_items"]):
        behavior = item["price"]["tax_behavior"]
        if behavior == "unspecified" and fallback in ("inclusive", "exclusive"):
            behavior = fallback  # the tax settings' default
        if behavior not in ("inclusive", "exclusive"):
            raise invalid(NEEDS_BEHAVIOR.format(i=i),
                          param=f"line_items[{i}][price_data][tax_behavior]")
        behaviors.append(behavior)
    session["_behaviors"] = behaviors
    address = (customer or {}).get("address") or {}
    updates = session.get("_customer_update") or {}
    if customer is not None and not address.get("country") and \
            "auto" not in (updates.get("address"), updates.get("shipping")):
        raise invalid(NEEDS_ADDRESS, param="customer_update[address]")
    if address.get("country"):
        apply(ctx, session, address)


def _rate_of(address):
    """(country, state, (percent, tax type) or None) of a billing address."""
    country = str(address.get("country") or "").upper()
    state = str(address.get("state") or "").upper() or None
    if country == "US":
        return country, state, RATES.get(f"US-{state}")
    return country, None, RATES.get(country)


def _tax_rate(ctx, country, state, rate, inclusive):
    """A ``tax_rate`` object as Stripe Tax attaches to a Checkout line."""
    percent, kind = rate
    return {"id": new_id("txr_"), "object": "tax_rate", "active": True, "country": country,
            "created": ctx.now, "description": None, "display_name": DISPLAY[kind],
            "effective_percentage": float(Decimal(percent)),
            "inclusive": inclusive, "jurisdiction": state or country,
            "jurisdiction_level": "state" if state else "country", "livemode": False,
            "metadata": {}, "percentage": float(Decimal(percent)),
            "state": state, "tax_type": kind}


def problem(address, tax_id=None):
    """Why the page cannot tax this address (what the buyer is told), or None."""
    country = str((address or {}).get("country") or "")
    if len(country) != 2 or not country.isalpha():
        return "Choose your country or region."
    if country.upper() == "US" and not address.get("state"):
        return "Enter your state."  # (Stripe's page finds it from the ZIP code)
    if tax_id:
        try:
            tax_ids([tax_id])
        except StripeError:
            return "Your tax ID is invalid."
    return None


def apply(ctx, session, address, tax_id=None):
    """Tax the Session's lines for `address` (a business buyer's `tax_id` may make it a
    reverse charge); its totals follow. Returns its total."""
    country, state, rate = _rate_of(address)
    reason = "standard_rated" if rate else "not_collecting"
    if rate and reverse_charged(ctx, country, tax_ids([tax_id]) if tax_id else []):
        reason, kind = "reverse_charge", rate[1]
        rate = None
    breakdown, subtotal, tax_total = {}, 0, 0
    for i, item in enumerate(session["_line_items"]):
        behavior = session["_behaviors"][i]
        inclusive = behavior == "inclusive"
        base = item["price"]["unit_amount"] * item["quantity"]
        tax = _tax_of(base, behavior, rate[0] if rate else None)
        item["amount_subtotal"] = base
        item["amount_tax"] = tax
        item["amount_total"] = base if inclusive else base + tax
        subtotal += base
        tax_total += tax
        entry = breakdown.setdefault(inclusive, {"amount": 0, "taxable_amount": 0})
        entry["amount"] += tax
        entry["taxable_amount"] += base - tax if inclusive else base
    exclusive_tax = sum(e["amount"] for inc, e in breakdown.items() if not inc)
    session["amount_subtotal"] = subtotal
    session["amount_total"] = subtotal + exclusive_tax
    session["total_details"]["amount_tax"] = tax_total
    session["automatic_tax"]["status"] = "complete"
    zero = _tax_rate(ctx, country, state, ("0", kind), False) \
        if reason == "reverse_charge" else {
            **_tax_rate(ctx, country, state, ("0", "vat"), False),
            "display_name": "Tax", "tax_type": None}
    session["_tax_breakdown"] = [
        {"amount": entry["amount"],
         "rate": _tax_rate(ctx, country, state, rate, inclusive) if rate else {
             **zero, "inclusive": inclusive},
         "taxability_reason": reason, "taxable_amount": entry["taxable_amount"]}
        for inclusive, entry in breakdown.items()]
    return session["amount_total"]


def label(session):
    """The summary's tax row label: "VAT (19%)", or "Tax" before an address is known."""
    taxes = session.get("_tax_breakdown") or []
    if not taxes or session["automatic_tax"]["status"] != "complete":
        return "Tax"
    rate = taxes[0]["rate"]
    if taxes[0]["taxability_reason"] == "reverse_charge":
        return f"{rate['display_name']} (reverse charge)"
    percent = Decimal(str(rate["percentage"])).normalize()
    return f"{rate['display_name']} ({percent:f}%)"


def _breakdown(session, state):
    """``expand[]=total_details.breakdown``: the tax per rate (and no discounts here)."""
    stored = state.checkout_sessions.get(session["id"]) or {}
    return {**session["total_details"], "breakdown": {
        "discounts": [], "taxes": list(stored.get("_tax_breakdown") or [])}}


VIRTUAL_EXPANSIONS["checkout.session", "total_details.breakdown"] = _breakdown
