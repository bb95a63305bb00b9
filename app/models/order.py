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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


#: Which status may follow which. Anything else is a bug and raises.
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
    OrderStatus.FAILED: set(),
    OrderStatus.REFUNDED: {OrderStatus.DISPUTED},
    OrderStatus.DISPUTED: {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED},
}


class InvalidTransition(Exception):
    """An order was asked to move to a status its current one does not allow."""


def _public_id():
    return secrets.token_urlsafe(18)


def _reference():
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
        Index("ix_orders_email_created", "email", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=_public_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True, default=_reference)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course_title: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[OrderStatus] = mapped_column(status_type, default=OrderStatus.PENDING)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    stripe_token: Mapped[str | None] = mapped_column(String(255), unique=True)
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
    def remaining_refundable(self):
        """Minor units that can still be refunded."""
        return self.amount - self.amount_refunded

    def transition(self, new_status):
        """Move to `new_status` if the transition table allows it."""
        new_status = OrderStatus(new_status)
        if new_status != self.status and new_status not in TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.reference}: {self.status} -> {new_status}")
        self.status = new_status
