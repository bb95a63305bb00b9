"""Timestamps: always timezone-aware UTC."""

from datetime import UTC, datetime


def as_utc(value):
    """SQLite hands timestamps back without a zone; they are UTC. None stays None."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def utcnow():
    """Return the current time in UTC."""
    return datetime.now(UTC)
