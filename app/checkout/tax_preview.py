"""The tax line a checkout shows before the buyer pays (TAX_MODE on).

The buy box's script (static/js/tax_preview.js) asks `GET /courses/<slug>/tax.json` with
the country (and a US buyer's state, the coupon code, the email) the buyer has chosen,
and shows the tax, its rate and the total beside Pay. The figures come from the
checkout's own pricing step — the coupon (`services.price`), then Stripe Tax
(`pricing.with_tax`) — so the line says what Pay charges. With hosted Checkout it is
Stripe Tax's figure for the declared country, and Stripe's page confirms it for the
billing address given there.

Opening a course page asks Stripe nothing; each preview may ask Stripe Tax once, and the
answers are kept for CACHE_SECONDS per price, country and state (at most CACHE_SIZE of
them), so a buyer trying countries or a script hammering the address costs at most one
calculation per combination.
"""

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import replace

from flask import current_app

from app import payments, pricing
from app.checkout import services
from app.countries import COUNTRIES, US_STATES, country_name
from app.money import format_money
from app.pricing import vat_numbers

log = logging.getLogger(__name__)

CACHE_SECONDS = 600
CACHE_SIZE = 2048
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()

UNAVAILABLE = ("The tax could not be worked out just now; it is added when you pay, "
               "and shown on the receipt.")


def _cached(key):
    with _lock:
        found = _cache.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        _cache.move_to_end(key)
        return found[1]


def _keep(key, value):
    with _lock:
        _cache[key] = (time.monotonic() + CACHE_SECONDS, value)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def clear():
    """Forget every kept answer (tests, or after changing TAX_MODE)."""
    with _lock:
        _cache.clear()


def _taxed(quote, country, state, vat=None):
    """`quote` with Stripe Tax's tax for the country (kept answers first): a business
    buyer's VAT number counts as whether it is given (its format is checked)."""
    mode = current_app.config.get("TAX_MODE", "off")
    key = (quote.course_id, quote.list_price - quote.discount, quote.currency, country,
           state, mode, current_app.config.get("TAX_CODE_ELEARNING"), vat is not None)
    found = _cached(key)
    if found is not None:
        return replace(quote, **found)
    taxed = pricing.with_tax(quote, country=country, state=state, vat=vat)
    _keep(key, {"tax": taxed.tax, "tax_inclusive": taxed.tax_inclusive,
                "tax_rate": taxed.tax_rate, "tax_country": taxed.tax_country,
                "tax_reason": taxed.tax_reason})
    return taxed


def _line(quote, country, flow):
    name = country_name(country)
    tax = format_money(quote.tax, quote.currency)
    if quote.tax_reason == "reverse_charge":
        line = ("No VAT: reverse charge, your business accounts for the VAT in "
                f"{name}.")
    elif not quote.tax:
        line = f"No tax is charged for {name}."
    elif quote.tax_inclusive:
        line = f"Includes tax of {tax} ({quote.tax_rate}% for {name})."
    else:
        line = f"Tax {tax} ({quote.tax_rate}% for {name}) is added."
    if flow == "checkout":
        line += " Stripe's payment page confirms it for your billing address."
    return line


def preview(course, *, country, state=None, code=None, email=None, flow=None, vat=None,
            ip=None):
    """(JSON body, HTTP status) of the tax line for `course` bought from `country` (by a
    business with the VAT number `vat`, as typed), asked from the address `ip` (its
    code-guessing limit)."""
    if current_app.config.get("TAX_MODE", "off") == "off":
        return {"error": "This store charges no tax."}, 404
    country = (country or "").strip().upper()
    if country not in COUNTRIES:
        return {"error": "Choose the country you live in from the list."}, 400
    state = (state or "").strip().upper() or None
    if country != "US":
        state = None
    elif state not in US_STATES:
        return {"needs_state": True, "line": "Choose your state to see the tax."}, 200
    try:
        number = vat_numbers.parse(vat, country=country) if flow != "checkout" else None
    except vat_numbers.VatNumberError as error:
        return {"error": str(error), "field": "vat_number"}, 400
    quote = services.price(course, code, email, ip=ip)
    if quote.code_error is not None:  # the page shows why; the price is the list price
        quote = services.price(course, None, email, ip=ip)
    if quote.free:
        return {"free": True, "line": "", "amount": 0}, 200
    try:
        quote = _taxed(quote, country, state, number)
    except payments.PaymentError as error:
        log.warning("Tax preview for %s (%s) failed: %s", course.slug, country, error)
        return {"error": UNAVAILABLE}, 503
    return {"country": country, "state": state, "tax": quote.tax, "rate": quote.tax_rate,
            "inclusive": quote.tax_inclusive, "amount": quote.amount,
            "currency": quote.currency,
            "amount_text": format_money(quote.amount, quote.currency),
            "tax_text": format_money(quote.tax, quote.currency),
            "line": _line(quote, country, flow)}, 200
