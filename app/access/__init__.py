"""Buyers and their access to courses: who may take which course, and why."""

from app.access.services import (
    active_access,
    courses_with_access,
    ensure_buyer,
    find_buyer,
    has_access,
    normalise_email,
)


def buyer_has_access(course):
    """Whether this browser's buyer session may use active access to `course`.

    The real implementation of the catalog's seam `app.catalog.access.buyer_has_access`
    (same signature): the catalog calls it to decide who sees lesson bodies. A session
    opened by paying counts only the access its own orders gave (app/account/session.py).
    """
    from app.account.session import current_session

    visit = current_session()
    return visit is not None and course is not None and visit.has_access(course)


__all__ = [
    "active_access",
    "buyer_has_access",
    "courses_with_access",
    "ensure_buyer",
    "find_buyer",
    "has_access",
    "normalise_email",
]
