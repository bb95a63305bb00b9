"""Timestamps: always timezone-aware UTC."""

from datetime import UTC, date, datetime

#: The days a date typed into a filter or a form may name. Outside them a date cannot
#: be in the store, and the day after an end day (or a zone's offset) would overflow
#: Python's dates (year 1 to 9999) or SQL's: every parser of typed dates holds to them.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(9998, 12, 31)


def as_utc(value):
    """SQLite hands timestamps back without a zone; they are UTC. None stays None."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def utcnow():
    """Return the current time in UTC."""
    return datetime.now(UTC)
