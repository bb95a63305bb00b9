"""The buyer's browser session, separate from the admin's Flask-Login session.

The session cookie holds `buyer_id` and the buyer's `session_version`; signing out bumps
the version in the database, so every copy of the cookie (other browsers too) is dead.
"""

from flask import g, session
from sqlalchemy import select

from app.access import services as access
from app.extensions import db
from app.models import Buyer, Order, OrderStatus
from app.models._time import utcnow

KEYS = ("buyer_id", "buyer_sv")


def current_buyer():
    """The buyer signed in on this request, or None."""
    if "buyer" in g:
        return g.buyer
    buyer = None
    buyer_id, version = session.get("buyer_id"), session.get("buyer_sv")
    if isinstance(buyer_id, int) and isinstance(version, int):
        found = db.session.get(Buyer, buyer_id)
        if found is not None and found.session_version == version:
            buyer = found
    g.buyer = buyer
    return buyer


def sign_in(buyer):
    """Sign `buyer` in on this browser (the admin's session, if any, is left alone)."""
    buyer.last_sign_in_at = utcnow()
    session["buyer_id"] = buyer.id
    session["buyer_sv"] = buyer.session_version
    g.buyer = buyer


def sign_out():
    """Sign the current buyer out everywhere (bump their version) and here."""
    buyer = current_buyer()
    if buyer is not None:
        buyer.session_version += 1
        db.session.commit()
    for key in KEYS:
        session.pop(key, None)
    g.buyer = None


def sign_in_after_purchase(order):
    """After a paid checkout, sign the buyer in on this browser if that reveals nothing.

    Paying proves control of the card, not of the email. So the browser is signed in only
    when the account holds nothing but this purchase (no other order that was paid or is
    pending, no access from elsewhere); otherwise the buyer uses the emailed link.
    """
    if order is None or order.status != OrderStatus.PAID:
        return False
    buyer = access.find_buyer(order.email)
    if buyer is None:
        return False
    current = current_buyer()
    if current is not None and current.id == buyer.id:
        return True
    others = db.session.scalar(
        select(Order.id).where(Order.email == buyer.email, Order.id != order.id,
                               Order.status != OrderStatus.FAILED).limit(1)
    )
    foreign_access = [row for row in access.access_rows_for(buyer.id)
                      if row.order_id != order.id]
    if others is not None or foreign_access:
        return False
    sign_in(buyer)
    db.session.commit()
    return True


def email_for_checkout(course=None):
    """The signed-in buyer's email, to fill in the checkout form of a course they lack."""
    buyer = current_buyer()
    if buyer is None or (course is not None and access.has_access(buyer.id, course.id)):
        return None
    return buyer.email
