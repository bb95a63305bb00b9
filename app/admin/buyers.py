"""The admin's view of a buyer: orders, access (granted and revoked), emails, history."""

from dataclasses import dataclass

from sqlalchemy import select

from app.access import services as access
from app.extensions import db
from app.mail.outbox import messages_for
from app.models import Access, Buyer, Course, Order


@dataclass
class BuyerOverview:
    buyer: Buyer
    orders: list
    access_rows: list
    events: list
    emails: list
    grantable: list


def get_buyer(buyer_id):
    """The buyer with this id, or None."""
    return db.session.get(Buyer, buyer_id)


def overview(buyer):
    """Everything the buyer page shows."""
    orders = db.session.scalars(
        select(Order).where(Order.email == buyer.email).order_by(Order.id.desc())
    ).all()
    rows = access.access_rows_for(buyer.id)
    active = {row.course_id for row in rows if row.active}
    grantable = [course for course in db.session.scalars(select(Course).order_by(Course.title))
                 if course.id not in active]
    return BuyerOverview(buyer=buyer, orders=orders, access_rows=rows,
                         events=access.events_for(buyer.id),
                         emails=messages_for(buyer_id=buyer.id, email=buyer.email),
                         grantable=grantable)


def grant(*, buyer, course_id, admin_email, reason):
    """Grant access by hand; commit."""
    course = db.session.get(Course, course_id) if course_id else None
    if course is None:
        raise access.AccessError("Choose a course.")
    row = access.grant_by_hand(buyer=buyer, course=course, admin_email=admin_email,
                               reason=reason)
    db.session.commit()
    return row


def revoke(*, buyer, access_id, admin_email, reason):
    """Revoke one of the buyer's access rows by hand; commit."""
    row = db.session.get(Access, access_id)
    if row is None or row.buyer_id != buyer.id:
        raise access.AccessError("There is no such access for this buyer.")
    access.revoke_by_hand(access=row, admin_email=admin_email, reason=reason)
    db.session.commit()
    return row
