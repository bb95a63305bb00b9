"""Buyers and access rows. Everything here works inside the caller's transaction."""

from sqlalchemy import select

from app.extensions import db
from app.models import Access, AccessEvent, Buyer
from app.models._time import utcnow
from app.models._unique import insert_or_skip


class AccessError(ValueError):
    """A manual access change that cannot be made; the message says why."""


def normalise_email(email):
    """Buyers are stored and compared by their lower-case email."""
    return (email or "").strip().lower()


def find_buyer(email):
    """The buyer with this email, or None."""
    return db.session.scalar(select(Buyer).where(Buyer.email == normalise_email(email)))


def ensure_buyer(email):
    """The buyer with this email, created if needed (a racing insert is not an error)."""
    email = normalise_email(email)
    buyer = find_buyer(email)
    if buyer is None:
        insert_or_skip(Buyer, email=email, session_version=1, created_at=utcnow())
        buyer = find_buyer(email)
    return buyer


def active_access(buyer_id, course_id):
    """The buyer's active access row for the course, or None."""
    return db.session.scalar(
        select(Access).where(Access.buyer_id == buyer_id, Access.course_id == course_id,
                             Access.revoked_at.is_(None))
    )


def has_access(buyer_id, course_id):
    """Whether the buyer holds active access to the course (archived courses included)."""
    return active_access(buyer_id, course_id) is not None


def courses_with_access(buyer_id):
    """The buyer's active access rows, by course title."""
    return db.session.scalars(
        select(Access).where(Access.buyer_id == buyer_id, Access.revoked_at.is_(None))
    ).all()


def grant(buyer, course_id, *, order=None, granted_by="order", reason=None):
    """Ensure an active access row; return (row, created). An existing one is kept."""
    existing = active_access(buyer.id, course_id)
    if existing is not None:
        return existing, False
    created = insert_or_skip(Access, buyer_id=buyer.id, course_id=course_id,
                             order_id=order.id if order is not None else None,
                             granted_by=granted_by, grant_reason=reason,
                             granted_at=utcnow())
    return active_access(buyer.id, course_id), created


def revoke(access, *, by, reason):
    """Mark an access row revoked (it stays, for the record)."""
    access.revoked_at = utcnow()
    access.revoked_by = by
    access.revoke_reason = (reason or "")[:500]
    db.session.flush()
    return access


def record(*, buyer_id, course_id, action, source, actor, reason=None, access=None,
           order=None, dedupe_key=None):
    """Add an audit event; with a dedupe key, return None if that event exists already."""
    values = dict(buyer_id=buyer_id, course_id=course_id, action=action, source=source,
                  actor=actor, reason=(reason or None) and reason[:500],
                  access_id=access.id if access is not None else None,
                  order_id=order.id if order is not None else None, created_at=utcnow())
    if dedupe_key is None:
        event = AccessEvent(**values)
        db.session.add(event)
        db.session.flush()
        return event
    if not insert_or_skip(AccessEvent, dedupe_key=dedupe_key, **values):
        return None
    return db.session.scalar(select(AccessEvent).where(AccessEvent.dedupe_key == dedupe_key))


def events_for(buyer_id):
    """The buyer's access history, newest first."""
    return db.session.scalars(
        select(AccessEvent).where(AccessEvent.buyer_id == buyer_id)
        .order_by(AccessEvent.id.desc())
    ).all()


def access_rows_for(buyer_id):
    """Every access row of the buyer (active and revoked), newest first."""
    return db.session.scalars(
        select(Access).where(Access.buyer_id == buyer_id).order_by(Access.id.desc())
    ).all()


def grant_by_hand(*, buyer, course, admin_email, reason):
    """An admin grants access with a reason (recorded); commit is the caller's."""
    reason = (reason or "").strip()
    if not reason:
        raise AccessError("Give a reason: it is recorded with the grant.")
    if active_access(buyer.id, course.id) is not None:
        raise AccessError(f"{buyer.email} already has access to {course.title}.")
    access, _ = grant(buyer, course.id, granted_by=admin_email, reason=reason)
    record(buyer_id=buyer.id, course_id=course.id, action="granted", source="admin",
           actor=admin_email, reason=reason, access=access)
    return access


def revoke_by_hand(*, access, admin_email, reason):
    """An admin revokes access with a reason (recorded); commit is the caller's."""
    reason = (reason or "").strip()
    if not reason:
        raise AccessError("Give a reason: it is recorded with the revocation.")
    if not access.active:
        raise AccessError("This access was revoked already.")
    revoke(access, by=admin_email, reason=reason)
    record(buyer_id=access.buyer_id, course_id=access.course_id, action="revoked",
           source="admin", actor=admin_email, reason=reason, access=access)
    return access
