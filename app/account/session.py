"""The buyer's browser session, separate from the admin's Flask-Login session.

A session is one of two kinds, named in the (signed, so unforgeable) cookie and checked
against the buyer row on every request:

- **Link-proven** (`sign_in_with_link`): an emailed sign-in link was used in this browser,
  which proves it can read the email. It is the signed-in buyer (`current_buyer`): every
  order, every course, the saved card, one-click purchases, saving a card.
- **Purchase** (`sign_in_after_purchase`): this browser paid. Paying proves control of a
  card, not of the email, so the session sees only the orders paid in this browser (their
  ids are in the cookie) and the access those orders gave, nothing added to the account
  later, and never the saved card. It lasts only while the email has never been proven:
  the owner's first link sign-in sets `buyers.email_proven_at`, which ends every purchase
  session (the defence against pre-account takeover), and afterwards only a link signs in.

Signing out bumps `buyers.session_version`, which ends every session of the buyer, in
every browser.
"""

import functools
import logging
from dataclasses import dataclass, field

from flask import current_app, g, session
from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import joinedload, lazyload

from app import cards, payments
from app.access import services as access
from app.extensions import db
from app.models import Access, Buyer, Order, OrderStatus, StoredCard
from app.models._time import utcnow

log = logging.getLogger(__name__)

KEYS = ("buyer_id", "buyer_sv", "buyer_proof")
#: The cookie's proof of a link-proven session; a purchase session holds its order ids.
LINK = "link"
#: What a browser not signed in with an emailed link reads when it reaches a saved card.
SIGN_IN_FOR_CARDS = ("Saved cards need you signed in with the link we email you: ask for "
                     "it here, then open it on this device.")
#: A purchase session remembers at most this many orders (the cookie stays small).
MAX_ORDERS = 20


@dataclass(frozen=True)
class BuyerSession:
    """Who this browser is signed in as, and how much of the account it may see."""

    buyer: Buyer
    proven: bool
    order_ids: frozenset = frozenset()
    #: Access rows read on this request, by course id (a page asks several times).
    _access: dict = field(default_factory=dict, compare=False, repr=False)
    #: Whether `_access` holds every active row the buyer had when the session was read
    #: (read with the buyer, in one statement): a course missing from it has none.
    _access_complete: bool = field(default=False, compare=False, repr=False)

    def sees(self, access_row):
        """Whether this session may use an access row (a purchase session: its orders')."""
        return self.proven or access_row.order_id in self.order_ids

    def orders(self):
        """The orders this session shows, newest first."""
        # Failed orders took no money: they are not the buyer's purchases (and anyone
        # can make one under any email with a made-up card token).
        query = (select(Order).where(Order.email == self.buyer.email,
                                     Order.status != OrderStatus.FAILED)
                 .options(joinedload(Order.attempts)))  # one statement with the orders
        if not self.proven:
            query = query.where(Order.id.in_(self.order_ids))
        return db.session.scalars(query.order_by(Order.id.desc())).unique().all()

    def access_rows(self):
        """The active access rows this session may use."""
        rows = (self._access.values() if self._access_complete
                else access.courses_with_access(self.buyer.id))
        return [row for row in rows if row is not None and self.sees(row)]

    def has_access(self, course):
        """Whether this session may open `course`'s lessons (its access has started)."""
        row = self.held_access(course)
        return row is not None and row.started

    def held_access(self, course):
        """The active access row to `course` this session may use (started or not yet),
        or None (read once per request: a page asks several times)."""
        if course.id not in self._access:
            self._access[course.id] = (None if self._access_complete else
                                       access.active_access(self.buyer.id, course.id))
        row = self._access[course.id]
        return row if row is not None and self.sees(row) else None

    def owns(self, order):
        """Whether `order` is this session's to act on (withdraw, start early): any order
        of the buyer for a link-proven session, its own orders for a purchase session."""
        return order is not None and order.email == self.buyer.email and (
            self.proven or order.id in self.order_ids)


def _proof():
    """The cookie's proof: LINK, a frozenset of order ids, or None if it holds neither."""
    proof = session.get("buyer_proof")
    if proof == LINK:
        return LINK
    if (isinstance(proof, list) and 0 < len(proof) <= MAX_ORDERS
            and all(type(order_id) is int for order_id in proof)):
        return frozenset(proof)
    return None  # no proof (e.g. a cookie from before proofs existed): not signed in


def current_session():
    """This browser's buyer session (a BuyerSession), or None."""
    if "buyer_session" in g:
        return g.buyer_session
    found = None
    buyer_id, version, proof = session.get("buyer_id"), session.get("buyer_sv"), _proof()
    if type(buyer_id) is int and type(version) is int and proof is not None:
        buyer, held = _buyer_and_access(buyer_id)
        if buyer is not None and buyer.session_version == version:
            if proof == LINK:
                found = BuyerSession(buyer, proven=True, _access=held,
                                     _access_complete=True)
            elif buyer.email_proven_at is None:  # the owner's link sign-in ends it
                found = BuyerSession(buyer, proven=False, order_ids=proof, _access=held,
                                     _access_complete=True)
    g.buyer_session = found
    return found


def _buyer_and_access(buyer_id):
    """The buyer, their active access rows by course id and the saved card one click
    charges (kept for `cards.current`), in one statement: a buyer page's first."""
    livemode = not payments.is_test_mode(current_app.config)
    rows = db.session.execute(_buyer_and_access_statement(livemode),
                              {"buyer_id": buyer_id}).all()
    if not rows:
        return None, {}
    buyer = rows[0][0]
    cards.read_with_buyer(buyer, rows[0][2], livemode=livemode)
    return buyer, {row.course_id: row for _, row, _ in rows if row is not None}


@functools.cache
def _buyer_and_access_statement(livemode):
    """`_buyer_and_access`'s statement, built once per process and mode (the buyer bound
    at each call): building it, with the saved card's correlated subquery, cost more
    than a millisecond of CPU on every buyer page and checkout."""
    return (select(Buyer, Access, StoredCard)
            .outerjoin(Access, and_(Access.buyer_id == Buyer.id, Access.revoked_at.is_(None)))
            .outerjoin(StoredCard, StoredCard.id == cards.newest_card_id(livemode))
            .where(Buyer.id == bindparam("buyer_id")).options(lazyload(Access.buyer)))


def current_buyer():
    """The buyer signed in with an emailed link on this browser, or None.

    A purchase session is not a signed-in buyer: it reaches only what `current_session`
    lets it see (its orders and their access).
    """
    visit = current_session()
    return visit.buyer if visit is not None and visit.proven else None


def _start(buyer, proof):
    session["buyer_id"] = buyer.id
    session["buyer_sv"] = buyer.session_version
    session["buyer_proof"] = proof
    g.buyer_session = BuyerSession(buyer, proven=proof == LINK,
                                   order_ids=frozenset() if proof == LINK else frozenset(proof))


def sign_in_with_link(buyer):
    """An emailed link was used in this browser: sign `buyer` in, proven (commit is the
    caller's). The first time, the email counts as proven, which ends every purchase
    session of the buyer."""
    now = utcnow()
    buyer.last_sign_in_at = now
    if buyer.email_proven_at is None:
        buyer.email_proven_at = now
        log.info("Buyer %s signed in with an emailed link for the first time: sessions "
                 "opened by paying no longer work", buyer.id)
    _start(buyer, LINK)


def sign_out():
    """Sign the buyer out everywhere (bump their version) and here.

    A purchase session can never end a link-proven one this way: while one of those
    exists the email is proven, and purchase sessions no longer work at all.
    """
    visit = current_session()
    if visit is not None:
        visit.buyer.session_version += 1
        db.session.commit()
    for key in KEYS:
        session.pop(key, None)
    g.buyer_session = None


def _buyer_holding_more(order):
    """The order's buyer (or None), and whether their account holds anything but `order`
    (another live order, other access): one statement."""
    row = db.session.execute(_holding_more_statement(), {
        "order_id": order.id, "email": access.normalise_email(order.email)}).first()
    return (None, False) if row is None else (row[0], bool(row[1]))


@functools.cache
def _holding_more_statement():
    """`_buyer_holding_more`'s statement, built once per process (order and email bound
    at each call)."""
    order_id = bindparam("order_id")
    other_order = select(Order.id).where(Order.email == Buyer.email, Order.id != order_id,
                                         Order.status != OrderStatus.FAILED)
    other_access = select(Access.id).where(
        Access.buyer_id == Buyer.id,
        or_(Access.order_id.is_(None), Access.order_id != order_id))
    return (select(Buyer, (exists(other_order) | exists(other_access)).label("more"))
            .where(Buyer.email == bindparam("email")))


def sign_in_after_purchase(order):
    """After a paid checkout, open (or extend) this browser's purchase session.

    It shows this order and the access it gave, nothing else. It is opened only for an
    email never proven by a link whose account holds nothing but this purchase; a browser
    already signed in as this buyer adds the order to what it sees; a browser signed in
    as someone else (a gift) stays as it is. Returns whether this browser now sees the
    order under My account.

    A free order (amount 0) opens and extends nothing: paying proves a card at least,
    enrolling for free proves nothing, so anyone could otherwise type an unproven email
    and get its session. Its buyer signs in with the emailed link.
    """
    if order is None or order.status != OrderStatus.PAID:
        return False
    buyer, holds_more = _buyer_holding_more(order)
    if buyer is None:
        return False
    visit = current_session()
    if order.amount == 0:
        return visit is not None and visit.proven and visit.buyer.id == buyer.id
    if visit is not None:
        if visit.buyer.id != buyer.id:
            return False
        if not visit.proven and order.id not in visit.order_ids:
            kept = sorted(visit.order_ids)[-(MAX_ORDERS - 1):]
            _start(buyer, [*kept, order.id])
        return True
    if buyer.email_proven_at is not None or holds_more:
        return False  # the owner signs in with the emailed link
    _start(buyer, [order.id])  # only the cookie: an emailed link is a sign-in, this is not
    return True


def email_for_checkout(course=None):
    """The signed-in email, to fill in the checkout form of a course this browser lacks."""
    visit = current_session()
    if visit is None or (course is not None and visit.held_access(course) is not None):
        return None
    return visit.buyer.email
