"""Currencies, minor units, minimum and maximum amounts (REFERENCE §6)."""
from .errors import invalid

_ZERO = "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf"
ZERO_DECIMAL = frozenset(_ZERO.split())
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
_SUPPORTED = (
    "usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd "
    "bwp byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp "
    "gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw "
    "kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad "
    "ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek "
    "sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst "
    "xaf xcd xof xpf yer zar zmw"
)
SUPPORTED = _SUPPORTED.split()
SUPPORTED_SET = frozenset(SUPPORTED)

# Minimum charge in minor units (settlement-currency table).
MINIMUM = {
    "usd": 50, "aed": 200, "ars": 50, "aud": 50, "brl": 50, "cad": 50, "chf": 50, "cop": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "idr": 50,
    "ils": 50, "inr": 50, "jpy": 50, "krw": 50, "mxn": 1000, "myr": 200, "nok": 300,
    "nzd": 50, "php": 50, "pln": 200, "ron": 200, "rub": 50, "sek": 300, "sgd": 50,
    "thb": 1000, "zar": 50, "bgn": 100,
}
MAXIMUM = 99_999_999  # 8 digits: "Amount must be no more than $999,999.99"
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "$", "aud": "$",
           "nzd": "$", "sgd": "$", "hkd": "$", "mxn": "$", "inr": "₹", "krw": "₩"}


def exponent(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def format_major(amount: int, currency: str, grouping: bool = False) -> str:
    """Minor units -> "$0.50" style text used in Stripe's messages."""
    exp = exponent(currency)
    value = amount / (10 ** exp)
    text = f"{value:,.{exp}f}" if grouping else f"{value:.{exp}f}"
    return SYMBOLS.get(currency, "") + text


def minimum(currency: str) -> int:
    if currency in MINIMUM:
        return MINIMUM[currency]
    exp = exponent(currency)
    return 50 if exp == 2 else (1 if exp == 0 else 500)


def validate_currency(raw) -> str:
    if raw in (None, ""):
        from .errors import missing_param
        raise missing_param("currency")
    cur = str(raw).lower()
    if cur not in SUPPORTED_SET:
        raise invalid(
            f"Invalid currency: {cur}. Stripe currently supports these currencies: "
            + ", ".join(SUPPORTED),
            param="currency",
        )
    return cur


def parse_int(raw, param: str) -> int:
    text = str(raw).strip()
    if not text.lstrip("-").isdigit():
        raise invalid(f"Invalid integer: {raw}", param=param, code="parameter_invalid_integer")
    return int(text)


def validate_amount(raw, currency: str) -> int:
    """Check a charge amount for ``currency`` and return it as an int."""
    if raw in (None, ""):
        from .errors import missing_param
        raise missing_param("amount")
    amount = parse_int(raw, "amount")
    low = minimum(currency)
    if amount < low:
        raise invalid(
            f"Amount must be at least {format_major(low, currency)} {currency}",
            param="amount", code="amount_too_small",
        )
    if amount > MAXIMUM:
        raise invalid(
            f"Amount must be no more than {format_major(MAXIMUM, currency, grouping=True)}",
            param="amount", code="amount_too_large",
        )
    if currency in THREE_DECIMAL and amount % 10:
        raise invalid(
            f"Amounts in {currency} must end in 0: the last of the three decimal digits "
            "has to be zero.", param="amount", code="invalid_amount",
        )
    return amount
