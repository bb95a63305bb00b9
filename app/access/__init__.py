"""Buyers and their access to courses: who may take which course, and why; and the
one-time sign-in links that prove a buyer controls their email."""

from app.access.links import consume, mint_link, peek, prune_expired
from app.access.services import (
    AccessError,
    access_rows_for,
    active_access,
    courses_with_access,
    ensure_buyer,
    events_for,
    find_buyer,
    grant_by_hand,
    has_access,
    holds_access,
    normalise_email,
    revoke_by_hand,
)

__all__ = [
    "AccessError",
    "access_rows_for",
    "active_access",
    "consume",
    "courses_with_access",
    "ensure_buyer",
    "events_for",
    "find_buyer",
    "grant_by_hand",
    "has_access",
    "holds_access",
    "mint_link",
    "normalise_email",
    "peek",
    "prune_expired",
    "revoke_by_hand",
]
