"""The money helper: exact minor units, currency exponents, Stripe's limits, display."""

from decimal import Decimal

import pytest

from app.money import (
    MoneyError,
    check_chargeable,
    decimal_string,
    exponent,
    format_money,
    from_minor,
    to_minor,
)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("69.00", "usd", 6900),
        ("69", "usd", 6900),
        ("0.50", "eur", 50),
        (Decimal("19.99"), "gbp", 1999),
        ("5000", "jpy", 5000),
        ("5000", "JPY", 5000),
        ("1.250", "kwd", 1250),
        ("12345678.90", "usd", 1234567890),
    ],
)
def test_to_minor_is_exact(amount, currency, minor):
    """Decimal amounts become integer minor units with the currency's exponent."""
    assert to_minor(amount, currency) == minor
    assert isinstance(to_minor(amount, currency), int)


@pytest.mark.parametrize(
    ("amount", "currency", "fragment"),
    [
        ("69.001", "usd", "more decimals"),
        ("5000.5", "jpy", "more decimals"),
        ("1.255", "kwd", "end in 0"),
        ("abc", "usd", "not a number"),
        ("NaN", "usd", "not a number"),
        ("1e999999", "usd", "not a number"),
        ("١٢", "usd", "not a number"),
        ("1_0", "usd", "not a number"),
        ("0.1e1", "usd", "not a number"),
        ("1" * 13, "usd", "not a number"),
        ("10", "xyz", "Unsupported currency"),
    ],
)
def test_to_minor_rejects_what_cannot_be_charged(amount, currency, fragment):
    """Too many decimals, bad numbers and unknown currencies raise MoneyError."""
    with pytest.raises(MoneyError, match=fragment):
        to_minor(amount, currency)


@pytest.mark.parametrize(
    ("currency", "places"), [("usd", 2), ("jpy", 0), ("krw", 0), ("kwd", 3), ("eur", 2)]
)
def test_exponent(currency, places):
    """Zero- and three-decimal currencies are known."""
    assert exponent(currency) == places


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (6900, "usd", "$69.00"),
        (5000, "jpy", "¥5,000"),
        (4900, "eur", "€49.00"),
        (123456789, "usd", "$1,234,567.89"),
        (1250, "kwd", "KWD 1.250"),
        (-500, "usd", "-$5.00"),
    ],
)
def test_format_money(minor, currency, text):
    """Display strings carry the symbol, grouping and the currency's decimals."""
    assert format_money(minor, currency) == text


def test_from_minor_and_decimal_string_round_trip():
    """from_minor is the inverse of to_minor; exports use plain decimal strings."""
    assert from_minor(6900, "usd") == Decimal("69.00")
    assert decimal_string(5000, "jpy") == "5000"
    assert decimal_string(1250, "kwd") == "1.250"
    assert to_minor(decimal_string(1999, "gbp"), "gbp") == 1999


@pytest.mark.parametrize(
    ("minor", "currency", "ok"),
    [
        (50, "usd", True),
        (49, "usd", False),
        (30, "gbp", True),
        (29, "gbp", False),
        (50, "jpy", True),
        (49, "jpy", False),
        (99_999_999, "usd", True),
        (100_000_000, "usd", False),
    ],
)
def test_check_chargeable_applies_stripe_minimum_and_maximum(minor, currency, ok):
    """Stripe's per-currency minimum and the 8-digit maximum are enforced."""
    if ok:
        check_chargeable(minor, currency)
    else:
        with pytest.raises(MoneyError):
            check_chargeable(minor, currency)


def test_check_chargeable_refuses_non_integers():
    """Floats never reach Stripe."""
    with pytest.raises(MoneyError, match="integers"):
        check_chargeable(69.0, "usd")
