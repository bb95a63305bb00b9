"""A buyer: an email address that paid for a course or signed in, and its access."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import as_utc, utcnow

ACTIVE = text("revoked_at IS NULL")


class Buyer(db.Model):
    """Created on the first paid order or the first sign-in; the email is lower-case."""

    __tablename__ = "buyers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Bumped by sign-out: every session cookie carrying an older version is dead.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When an emailed sign-in link was first used for this email (None: never). Paying
    #: does not prove the email; until this is set a browser that paid may hold a session
    #: limited to its own orders, and setting it ends every such session.
    email_proven_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The buyer's Stripe customer (saved cards), one per mode: test and live keys see
    #: different customers. Only the id is kept; the cards are read from Stripe.
    stripe_customer_id_test: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_customer_id_live: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: Part of the idempotency key that creates the buyer's customer, so concurrent first
    #: saving checkouts make one customer; bumped when that customer is gone at Stripe.
    customer_generation: Mapped[int] = mapped_column(Integer, default=1,
                                                     server_default=text("1"))

    def __repr__(self):
        return f"<Buyer {self.email}>"

    def customer_id(self, livemode):
        """The buyer's Stripe customer id in this mode, or None."""
        return self.stripe_customer_id_live if livemode else self.stripe_customer_id_test


class Access(db.Model):
    """A buyer's right to a course, granted by an order or by an admin, maybe revoked.

    At most one active (not revoked) row per buyer and course: a partial unique index.
    """

    __tablename__ = "course_access"
    __table_args__ = (
        Index("uq_course_access_active", "buyer_id", "course_id", unique=True,
              sqlite_where=ACTIVE, postgresql_where=ACTIVE),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    #: The order that granted it; None when an admin granted it by hand.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    granted_by: Mapped[str] = mapped_column(String(254))  # "order" or the admin's email
    grant_reason: Mapped[str | None] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(254))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    #: When the buyer may start using it (None: at once). An order without consent to
    #: immediate access starts when its withdrawal period is over (app/orders/consent.py).
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    buyer = relationship("Buyer", lazy="joined")
    course = relationship("Course", lazy="joined")
    order = relationship("Order", lazy="select")

    @property
    def active(self):
        return self.revoked_at is None

    @property
    def started(self):
        """Not revoked, and its start time (if any) has come."""
        return self.active and (self.starts_at is None
                                or as_utc(self.starts_at) <= utcnow())

    def __repr__(self):
        state = "active" if self.active else "revoked"
        return f"<Access buyer={self.buyer_id} course={self.course_id} {state}>"


class AccessEvent(db.Model):
    """The audit trail of access: every grant, revoke or decision to keep, and who made it.

    Events caused by an order carry a unique `dedupe_key` ("order-paid:<id>",
    "order-refunded:<key>", "order-disputed:<id>"): inserting it first is what makes
    fulfilment idempotent. Manual events (an admin) have no key.
    """

    __tablename__ = "access_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    access_id: Mapped[int | None] = mapped_column(ForeignKey("course_access.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    action: Mapped[str] = mapped_column(String(20))  # granted | revoked | kept
    source: Mapped[str] = mapped_column(String(20))  # order | refund | dispute | admin
    actor: Mapped[str] = mapped_column(String(254))  # "system" or the admin's email
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    course = relationship("Course", lazy="joined")
    order = relationship("Order", lazy="select")

    def __repr__(self):
        return f"<AccessEvent {self.action} buyer={self.buyer_id} course={self.course_id}>"
