"""One try to pay an order: a token charge, a saved-card charge (later: a PaymentIntent or
a Checkout Session), with its Stripe ids, the request written before the call, and what
Stripe answered.

An order says what was bought and for how much; its attempts say how it was paid. The
order's state is decided by the lifecycle in `app/orders/` from what happens to them.
"""

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
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


class AttemptStatus(enum.StrEnum):
    """Where one attempt stands; the names follow Stripe's PaymentIntent statuses."""

    #: The request was written; Stripe's answer is not known (yet).
    PENDING = "pending"
    #: The buyer has to give a card (again, after a decline) on this attempt.
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    #: The buyer has to authenticate (3-D Secure) before this attempt can go on.
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


#: Attempts that can still take money, or whose outcome is not known yet.
LIVE_STATUSES = (AttemptStatus.PENDING, AttemptStatus.REQUIRES_PAYMENT_METHOD,
                 AttemptStatus.REQUIRES_ACTION, AttemptStatus.PROCESSING)


class RequestState(enum.StrEnum):
    """What the store knows about the request it sent for this attempt."""

    #: Committed before the call; if it is still "written" later, the process died
    #: during the call.
    WRITTEN = "written"
    #: Sent, and the answer was lost (a timeout, a dropped connection, a 5xx).
    UNKNOWN = "unknown"
    #: Stripe's answer is recorded.
    ANSWERED = "answered"


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, length=30,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


class PaymentAttempt(db.Model):
    __tablename__ = "payment_attempts"
    __table_args__ = (
        Index("ix_payment_attempts_order_id", "order_id", "id"),
        Index("ix_payment_attempts_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    #: The payment flow that made it and settles it (app/flows: "charges", "saved_card").
    flow: Mapped[str] = mapped_column(String(30))
    status: Mapped[AttemptStatus] = mapped_column(_enum(AttemptStatus, "attempt_status"),
                                                  default=AttemptStatus.PENDING)
    request_state: Mapped[RequestState] = mapped_column(
        _enum(RequestState, "attempt_request_state"), default=RequestState.WRITTEN)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    livemode: Mapped[bool] = mapped_column(Boolean, default=False,
                                           server_default=text("false"))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    #: The exact parameters of the payment request, written before Stripe is called so
    #: that it can be repeated under the same idempotency key to learn its outcome.
    request: Mapped[dict | None] = mapped_column(JSON)
    #: Saving the card first (a Stripe customer step), written before that call; the
    #: payment request is written only once the step has answered.
    setup_request: Mapped[dict | None] = mapped_column(JSON)
    stripe_token: Mapped[str | None] = mapped_column(String(255), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: The Stripe customer charged (a card saved at this checkout or earlier).
    customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_method_id: Mapped[str | None] = mapped_column(String(255))
    #: Paid in one click with a card saved earlier.
    saved_card: Mapped[bool] = mapped_column(Boolean, default=False,
                                             server_default=text("false"))
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: When Stripe created the charge.
    charged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the store last asked Stripe about this attempt's outcome.
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    order = relationship("Order", back_populates="attempts")

    def __repr__(self):
        return f"<PaymentAttempt {self.id} {self.flow} {self.status}>"

    @property
    def live(self):
        """The attempt can still take money, or its outcome is not known yet."""
        return self.status in LIVE_STATUSES

    @property
    def outcome_unknown(self):
        """Stripe's answer to the attempt's request was never recorded."""
        return self.status == AttemptStatus.PENDING and (
            self.request_state != RequestState.ANSWERED)
