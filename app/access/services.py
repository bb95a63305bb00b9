"""Buyers and access rows. Everything here works inside the caller's transaction."""

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import Access, AccessEvent, Buyer
from app.models._time import utcnow
from app.models._unique import insert_returning_id


class AccessError(ValueError):
    """A manual access change that cannot be made; the message says why."""


def normalise_email(email):
    """Buyers are stored and compared by their lower-case email."""
    return (email or "").strip().lower()


def find_buyer(email):
    """The buyer with this email, or None."""
    return db.session.scalar(select(Buyer).where(Buyer.email == normalise_email(email)))


def buyer_id_for(email):
    """The id of the buyer with this email, created if needed, in one statement (a racing
    insert is not an error: both get the same row)."""
    return insert_returning_id(Buyer, update="email", email=normalise_email(email),
                               session_version=1, customer_generation=1,
                               created_at=utcnow())


def ensure_buyer(email):
    """The buyer with this email, created if needed."""
    return find_buyer(email) or db.session.get(Buyer, buyer_id_for(email))


def active_access(buyer_id, course_id):
    """The buyer's active access row for the course, or None."""
    return db.session.scalar(
        select(Access).where(Access.buyer_id == buyer_id, Access.course_id == course_id,
                             Access.revoked_at.is_(None))
    )


def has_access(buyer_id, course_id):
    """Whether the buyer holds active access to the course that has started (archived
    courses included)."""
    row = active_access(buyer_id, course_id)
    return row is not None and row.started


def holds_access(buyer_id, course_id):
    """Whether the buyer holds active access to the course, started or not yet."""
    return active_access(buyer_id, course_id) is not None


def courses_with_access(buyer_id):
    """The buyer's active access rows (started or waiting for their start time)."""
    return db.session.scalars(
        select(Access).where(Access.buyer_id == buyer_id, Access.revoked_at.is_(None))
    ).all()


def start_now(access):
    """Let an access row waiting for its start time be used from now on."""
    if access.starts_at is not None:
        access.starts_at = None
        db.session.flush()
    return access


def grant_id(buyer_id, course_id, *, order_id=None, granted_by="order", reason=None,
             starts_at=None):
    """Ensure an active access row (usable from `starts_at`, None: now); return (its id,
    created). An existing one is kept as it is."""
    access_id = insert_returning_id(Access, buyer_id=buyer_id, course_id=course_id,
                                    order_id=order_id, granted_by=granted_by,
                                    grant_reason=reason, granted_at=utcnow(),
                                    starts_at=starts_at)
    if access_id is not None:
        return access_id, True
    return db.session.scalar(select(Access.id).where(
        Access.buyer_id == buyer_id, Access.course_id == course_id,
        Access.revoked_at.is_(None))), False


def take_back_new(access_id):
    """Delete the access row this transaction has just inserted (a fulfilment found it
    had run before: the row must not outlive this no-op)."""
    db.session.execute(delete(Access).where(Access.id == access_id))


def grant(buyer, course_id, *, order=None, granted_by="order", reason=None):
    """Ensure an active access row; return (row, created). An existing one is kept."""
    access_id, created = grant_id(buyer.id, course_id,
                                  order_id=order.id if order is not None else None,
                                  granted_by=granted_by, reason=reason)
    return db.session.get(Access, access_id), created


def revoke(access, *, by, reason):
    """Mark an access row revoked (it stays, for the record)."""
    access.revoked_at = utcnow()
    access.revoked_by = by
    access.revoke_reason = (reason or "")[:500]
    db.session.flush()
    return access


def _event_values(*, buyer_id, course_id, action, source, actor, reason, access_id,
                  order_id):
    return dict(buyer_id=buyer_id, course_id=course_id, action=action, source=source,
                actor=actor, reason=(reason or None) and reason[:500], access_id=access_id,
                order_id=order_id, created_at=utcnow())


def record(*, buyer_id, course_id, action, source, actor, reason=None, access=None,
           order=None):
    """Add an audit event (an admin's change: no dedupe key)."""
    event = AccessEvent(**_event_values(
        buyer_id=buyer_id, course_id=course_id, action=action, source=source, actor=actor,
        reason=reason, access_id=access.id if access is not None else None,
        order_id=order.id if order is not None else None))
    db.session.add(event)
    db.session.flush()
    return event


def record_once(*, dedupe_key, buyer_id, course_id, action, source, actor, reason=None,
                access_id=None, order_id=None):
    """Add the audit event of one cause (its unique `dedupe_key`); its id, or None when
    that cause was recorded already (which is what makes fulfilment idempotent)."""
    return insert_returning_id(AccessEvent, dedupe_key=dedupe_key[:200], **_event_values(
        buyer_id=buyer_id, course_id=course_id, action=action, source=source, actor=actor,
        reason=reason, access_id=access_id, order_id=order_id))


def settle_event(event_id, **values):
    """Fill in what a recorded event decided (its access row, action, reason)."""
    if "reason" in values:
        values["reason"] = (values["reason"] or None) and values["reason"][:500]
    db.session.execute(update(AccessEvent).where(AccessEvent.id == event_id)
                       .values(**values))


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
