"""Timestamps: always timezone-aware UTC."""

from datetime import UTC, datetime


def utcnow():
    """Return the current time in UTC."""
    return datetime.now(UTC)
