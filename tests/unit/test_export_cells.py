"""The export's cheap cell formatting writes exactly what the slow, obvious code would."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from app.admin.export import _Amounts, iso_utc
from app.money import decimal_string

CURRENCIES = ["usd", "eur", "jpy", "krw", "bhd", "kwd", "gbp"]


@given(st.integers(min_value=-10**12, max_value=10**12), st.sampled_from(CURRENCIES))
def test_amounts_are_the_decimal_strings_of_money(minor, currency):
    assert _Amounts()(minor, currency) == decimal_string(minor, currency)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_times_are_iso_8601_utc_whatever_the_zone(moment, offset_minutes):
    moment = moment.replace(microsecond=0)
    expected = moment.isoformat(timespec="seconds") + "Z"
    assert iso_utc(moment) == expected  # naive: stored as UTC
    assert iso_utc(moment.replace(tzinfo=UTC)) == expected
    zone = timezone(timedelta(minutes=offset_minutes))
    assert iso_utc(moment.replace(tzinfo=UTC).astimezone(zone)) == expected
    assert iso_utc(None) == ""
