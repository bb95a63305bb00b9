"""Money: integer minor units <-> Decimal, per-currency exponents, minimums, display.

Follows Stripe's currency rules (docs.stripe.com/currencies): zero-decimal currencies
are charged in whole units, three-decimal ones in thousandths with a trailing zero.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO_DECIMAL = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
     "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]  # fmt: skip
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

#: Currencies the store offers (a subset of Stripe's), with their display symbol.
SYMBOLS = {
    "usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$",
    "chf": "CHF ", "sek": "SEK ", "nok": "NOK ", "dkk": "DKK ", "pln": "PLN ",
    "nzd": "NZ$", "sgd": "SGD ", "hkd": "HK$", "mxn": "MX$", "brl": "R$",
    "inr": "₹", "krw": "₩", "kwd": "KWD ", "bhd": "BHD ", "jod": "JOD ",
    "czk": "CZK ", "huf": "HUF ", "zar": "ZAR ",
}  # fmt: skip
SUPPORTED = frozenset(SYMBOLS)

#: Stripe's minimum charge per currency, in minor units.
MINIMUM_MINOR = {
    "usd": 50, "eur": 50, "gbp": 30, "jpy": 50, "cad": 50, "aud": 50, "chf": 50,
    "sek": 300, "nok": 300, "dkk": 250, "pln": 200, "nzd": 50, "sgd": 50,
    "hkd": 400, "mxn": 1000, "brl": 50, "inr": 50, "krw": 50, "czk": 1500,
    "huf": 17500, "zar": 50,
}  # fmt: skip
#: Largest amount Stripe accepts on most accounts (eight digits of minor units).
MAXIMUM_MINOR = 99_999_999


#: What a typed amount may look like: ASCII digits, optionally a point and more digits
#: (a leading minus is read, so "-5" gets the "must be more than" message). No exponents
#: (1e999999), underscores (1_0), plus signs, inner spaces or non-ASCII digits (١٢), all
#: of which Python's Decimal would otherwise accept.
PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,12})?")


class MoneyError(ValueError):
    """A price that cannot be charged: wrong precision, too small, unknown currency."""


def exponent(currency):
    """Number of decimal places of `currency` (0, 2 or 3)."""
    currency = currency.lower()
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def check_currency(currency):
    """Return the lower-case code, or raise MoneyError for one the store does not offer."""
    code = (currency or "").strip().lower()
    if code not in SUPPORTED:
        raise MoneyError(f"Unsupported currency {currency!r}.")
    return code


def to_minor(amount, currency):
    """Convert a decimal amount ("69.00", Decimal) to integer minor units, exactly."""
    currency = check_currency(currency)
    if isinstance(amount, str):
        amount = amount.strip()
        if not PLAIN_AMOUNT.fullmatch(amount):
            shown = amount if len(amount) <= 40 else amount[:40] + "…"
            raise MoneyError(f"{shown!r} is not a number. Write digits with an optional "
                             "decimal point, like 12.50.")
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise MoneyError(f"{amount!r} is not a number.") from None
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not a number.")
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise MoneyError(
            f"{amount} has more decimals than {currency.upper()} allows "
            f"({exponent(currency)})."
        )
    minor = int(minor)
    if exponent(currency) == 3 and minor % 10:
        raise MoneyError(f"{currency.upper()} amounts must end in 0 for Stripe.")
    return minor


def from_minor(minor, currency):
    """Convert integer minor units to a Decimal in the currency's unit."""
    places = exponent(currency)
    return (Decimal(int(minor)).scaleb(-places)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def decimal_string(minor, currency):
    """Plain decimal string for exports, e.g. "69.00", "5000", "1.250"."""
    return str(from_minor(minor, currency))


def check_chargeable(minor, currency):
    """Raise MoneyError if Stripe would refuse to charge this amount."""
    currency = check_currency(currency)
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise MoneyError("Amounts are integers of minor units.")
    minimum = MINIMUM_MINOR.get(currency, 50)
    if minor < minimum:
        raise MoneyError(
            f"The price must be at least {format_money(minimum, currency)}."
        )
    if minor > MAXIMUM_MINOR:
        raise MoneyError(f"The price must be at most {format_money(MAXIMUM_MINOR, currency)}.")


def format_money(minor, currency):
    """Human display: "$69.00", "¥5,000", "€49.00"."""
    currency = currency.lower()
    minor = int(minor)
    places = exponent(currency)
    major, cents = divmod(abs(minor), 10 ** places)  # exact: no Decimal needed
    text = f"{major:,}.{cents:0{places}d}" if places else f"{major:,}"
    symbol = SYMBOLS.get(currency, currency.upper() + " ")
    return f"{'-' if minor < 0 else ''}{symbol}{text}"
