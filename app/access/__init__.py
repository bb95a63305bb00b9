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
    """Whether the buyer signed in on this request holds active access to `course`.

    The real implementation of the catalog's seam `app.catalog.access.buyer_has_access`
    (same signature): the catalog calls it to decide who sees lesson bodies.
    """
    from app.account.session import current_buyer

    buyer = current_buyer()
    return buyer is not None and course is not None and has_access(buyer.id, course.id)


__all__ = [
    "active_access",
    "buyer_has_access",
    "courses_with_access",
    "ensure_buyer",
    "find_buyer",
    "has_access",
    "normalise_email",
]
