"""A buyer's order for one course and the Stripe charge that paid for it."""

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from app.extensions import db
from app.models._time import utcnow


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"

    @property
    def label(self):
        return self.value.replace("_", " ")


#: Statuses in which an order holds its buyer's one open order for a course: at most one
#: order per course and email may be in these (unless it is flagged as a duplicate), and
#: the database enforces it with a partial unique index.
OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
_OPEN_SQL = "status IN ('pending', 'paid', 'partially_refunded') AND duplicate_of_id IS NULL"

#: Which status may follow which. Anything else is a bug and raises. A failed order can
#: still become paid: Stripe's record wins when a charge we gave up on lands after all.
TRANSITIONS = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.FAILED},
    OrderStatus.PAID: {
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.REFUNDED,
        OrderStatus.DISPUTED,
    },
    OrderStatus.PARTIALLY_REFUNDED: {
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.REFUNDED,
        OrderStatus.DISPUTED,
    },
    OrderStatus.FAILED: {OrderStatus.PAID},
    OrderStatus.REFUNDED: {OrderStatus.DISPUTED},
    OrderStatus.DISPUTED: {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED},
}


class InvalidTransition(Exception):
    """An order was asked to move to a status its current one does not allow."""


def _public_id():
    return secrets.token_urlsafe(18)


def email_domain_of(email):
    """"example.com" of "Ada@Example.com" (None without an "@")."""
    domain = (email or "").rpartition("@")[2].strip().lower()
    return domain if "@" in (email or "") and domain else None


def _email_domain(context):
    return email_domain_of(context.get_current_parameters().get("email"))


def new_reference():
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "ORD-" + "".join(secrets.choice(alphabet) for _ in range(10))


status_type = Enum(
    OrderStatus,
    name="order_status",
    native_enum=False,
    length=24,
    values_callable=lambda e: [m.value for m in e],
    validate_strings=True,
)


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("amount_refunded >= 0", name="refunded_non_negative"),
        Index("ix_orders_created_id", "created_at", "id"),
        Index("ix_orders_status_created", "status", "created_at", "id"),
        Index("ix_orders_course_created", "course_id", "created_at", "id"),
        # varchar_pattern_ops lets PostgreSQL use the index for `email LIKE 'alice%'`
        # whatever the database's collation (SQLite ignores it and uses a range query).
        Index("ix_orders_email_created", "email", "created_at", "id",
              postgresql_ops={"email": "varchar_pattern_ops"}),
        Index("ix_orders_domain_created", "email_domain", "created_at", "id"),
        Index("uq_orders_one_open_per_buyer", "course_id", "email", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=_public_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True, default=new_reference)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course_title: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    #: The part after "@", lower-case, for the admin's "example.com" search.
    email_domain: Mapped[str | None] = mapped_column(String(254), default=_email_domain)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[OrderStatus] = mapped_column(status_type, default=OrderStatus.PENDING)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    stripe_token: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The exact parameters of the charge request, written before Stripe is called so that
    # the request can be repeated under the same idempotency key to learn its outcome.
    charge_request: Mapped[dict | None] = mapped_column(JSON)
    # Saving the card at checkout: the Customer.create (or add-card) request and its key,
    # {"kind": "create"|"add_card", "params": …, "idempotency_key": …}, written before the
    # call; charge_request is written only once the customer step has answered.
    customer_request: Mapped[dict | None] = mapped_column(JSON)
    # The Stripe customer charged (a card saved at this checkout or earlier), and whether
    # the order was paid in one click with a card saved earlier.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    saved_card: Mapped[bool] = mapped_column(Boolean, default=False,
                                             server_default=text("false"))
    # When the store last asked Stripe about this order's outcome (settling a pending order).
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set on an order whose charge succeeded although the buyer had already paid for the
    # course through the order named here: it is refunded automatically.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    # Selected fields of the Stripe charge.
    charge_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    charge_status: Mapped[str | None] = mapped_column(String(20))
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    card_brand: Mapped[str | None] = mapped_column(String(40))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_exp_month: Mapped[int | None] = mapped_column(Integer)
    card_exp_year: Mapped[int | None] = mapped_column(Integer)
    card_country: Mapped[str | None] = mapped_column(String(2))
    outcome_type: Mapped[str | None] = mapped_column(String(40))
    outcome_risk_level: Mapped[str | None] = mapped_column(String(40))
    outcome_seller_message: Mapped[str | None] = mapped_column(Text)
    failure_code: Mapped[str | None] = mapped_column(String(80))
    decline_code: Mapped[str | None] = mapped_column(String(80))
    failure_message: Mapped[str | None] = mapped_column(Text)
    receipt_url: Mapped[str | None] = mapped_column(Text)
    balance_transaction_id: Mapped[str | None] = mapped_column(String(255))
    livemode: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    charged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    course = relationship("Course", lazy="joined")
    refunds = relationship(
        "Refund", back_populates="order", order_by="Refund.id", lazy="selectin"
    )

    def __repr__(self):
        return f"<Order {self.reference} {self.status} {self.amount} {self.currency}>"

    @property
    def is_duplicate(self):
        return self.duplicate_of_id is not None

    @property
    def remaining_refundable(self):
        """Minor units that can still be refunded."""
        return self.amount - self.amount_refunded

    def transition(self, new_status):
        """Move to `new_status` if the transition table allows it."""
        new_status = OrderStatus(new_status)
        if new_status != self.status and new_status not in TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.reference}: {self.status} -> {new_status}")
        self.status = new_status
