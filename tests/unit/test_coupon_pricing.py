"""What a code takes off, in each kind of currency (no database: the arithmetic only)."""

import pytest

from app.models import Coupon
from app.pricing.coupons import below_minimum, discount_of, normalise, shown


@pytest.mark.parametrize(("coupon", "price", "currency", "off"), [
    (Coupon(percent_off=20), 6900, "usd", 1380),
    (Coupon(percent_off=33), 4999, "eur", 1650),  # 1649.67 -> 1650 (half up)
    (Coupon(percent_off=50), 1, "usd", 1),  # 0.5 -> 1
    (Coupon(percent_off=15), 5001, "jpy", 750),  # 750.15 yen -> 750, whole yen
    (Coupon(percent_off=15), 12340, "kwd", 1850),  # 1851 -> 1850: ends in 0 for Stripe
    (Coupon(percent_off=100), 6900, "usd", 6900),
    (Coupon(amount_off=1000, currency="usd"), 6900, "usd", 1000),
    (Coupon(amount_off=9000, currency="usd"), 6900, "usd", 6900),  # never past the price
])
def test_discount_of(coupon, price, currency, off):
    assert discount_of(coupon, price, currency) == off


def test_below_minimum_is_only_between_nothing_and_stripes_minimum():
    assert below_minimum(0, "usd") is None  # free
    assert below_minimum(50, "usd") is None
    assert "¥49" in below_minimum(49, "jpy")
    assert "$0.49" in below_minimum(49, "usd")


@pytest.mark.parametrize(("raw", "code"), [
    ("launch20", "LAUNCH20"), ("  Spring-Sale_2026 ", "SPRING-SALE_2026"), ("ab", None),
    ("-ABC", None), ("A" * 41, None), ("ＬＡＵＮＣＨ", None), ("LAUNCH 20", None),
    (None, None), (12, None),
])
def test_normalise(raw, code):
    assert normalise(raw) == code


def test_shown_drops_control_characters_and_shortens():
    assert shown("AB\x1b[31mC\r\n") == "AB[31mC"
    assert len(shown("x" * 10_000)) == 40
