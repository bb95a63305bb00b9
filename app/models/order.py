"""A buyer's order for one course: what was bought, for how much, and where it stands.

How it was paid — each try, with its Stripe ids — is in `PaymentAttempt` rows; only the
lifecycle in `app/orders/` moves an order from one status to another.
"""

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
    text,
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
    # A dispute the seller won gives the order back the status its refunds say.
    OrderStatus.DISPUTED: {OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED,
                           OrderStatus.REFUNDED},
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


class OrderFacts:
    """What an order's columns and attempts say, for the `Order` entity and for the
    receipt's lean view of it (app/orders/receipt_rows.py) alike."""

    __slots__ = ()

    @property
    def payment(self):
        """The order's current payment attempt: the one that paid it, else the latest
        (None before the first)."""
        for attempt in self.attempts:
            if attempt.status == "succeeded":
                return attempt
        return self.attempts[-1] if self.attempts else None

    @property
    def withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def is_duplicate(self):
        return self.duplicate_of_id is not None

    @property
    def remaining_refundable(self):
        """Minor units that can still be refunded."""
        return self.amount - self.amount_refunded


class Order(OrderFacts, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint("amount_refunded >= 0", name="refunded_non_negative"),
        CheckConstraint("list_price >= 0 AND discount_amount >= 0 AND tax_amount >= 0",
                        name="price_parts_non_negative"),
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
    #: A keyed hash of the browser session that started a browser payment (its CSRF
    #: secret, `app.checkout.browser_payments.browser_key`): the same browser finds its
    #: order again when a concurrent request's cookie overwrote its list of orders.
    browser_key: Mapped[str | None] = mapped_column(String(64))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course_title: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    #: The part after "@", lower-case, for the admin's "example.com" search.
    email_domain: Mapped[str | None] = mapped_column(String(254), default=_email_domain)
    # The price, as the pricing step quoted it (minor units of `currency`):
    # list_price - discount_amount + tax_amount (exclusive tax) = amount, what is charged.
    list_price: Mapped[int] = mapped_column(Integer)
    discount_amount: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    tax_amount: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    amount: Mapped[int] = mapped_column(Integer)
    #: The coupon code that took `discount_amount` off (its use: CouponRedemption).
    coupon_code: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    #: Stripe Tax's rate in percent ("19.0") and its calculation (TAX_MODE on), and the
    #: Tax Transaction recorded from it once paid.
    tax_rate: Mapped[str | None] = mapped_column(String(12))
    tax_country: Mapped[str | None] = mapped_column(String(2))
    tax_calculation_id: Mapped[str | None] = mapped_column(String(255))
    tax_transaction_id: Mapped[str | None] = mapped_column(String(255))
    #: A business buyer's VAT number as given at checkout (format checked), and Stripe
    #: Tax's taxability_reason ("reverse_charge": no VAT, the buyer accounts for it).
    buyer_tax_id: Mapped[str | None] = mapped_column(String(40))
    tax_reason: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[OrderStatus] = mapped_column(status_type, default=OrderStatus.PENDING)
    #: Placed with live keys (real money) or test keys.
    livemode: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Set on an order whose charge succeeded although the buyer had already paid for the
    # course through the order named here: it is refunded automatically.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    # The versions of the store's policies the checkout showed beside Pay (None: that
    # policy had not been written yet), see app/models/policy.py.
    terms_version: Mapped[int | None] = mapped_column(Integer)
    privacy_version: Mapped[int | None] = mapped_column(Integer)
    refund_policy_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # The EU/EEA and UK digital-content rules (app/orders/consent.py): the country the
    # buyer declared at checkout; whether that country's buyers are asked for consent;
    # when the buyer asked for immediate access (None: not given, access starts when the
    # withdrawal period is over); whether the card's country differs from the declared
    # one (recorded, never blocking); when the buyer withdrew (the withdrawal function).
    buyer_country: Mapped[str | None] = mapped_column(String(2))
    consent_applies: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=text("false"))
    immediate_access_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    country_mismatch: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=text("false"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          index=True)
    withdrawal_ip: Mapped[str | None] = mapped_column(String(45))

    course = relationship("Course", lazy="joined")
    attempts = relationship(
        "PaymentAttempt", back_populates="order", order_by="PaymentAttempt.id",
        lazy="selectin",
    )
    refunds = relationship(
        "Refund", back_populates="order", order_by="Refund.id", lazy="select"
    )
    disputes = relationship("Dispute", back_populates="order", order_by="Dispute.id")
    consents = relationship("Consent", back_populates="order", order_by="Consent.id",
                            lazy="select")

    #: Read with the row by the lifecycle's lock (app/orders/lifecycle.py): the sum of
    #: the order's succeeded refund rows and how many disputes it has (None before).
    refund_rows_total = None
    dispute_count = None

    def __repr__(self):
        return f"<Order {self.reference} {self.status} {self.amount} {self.currency}>"

    @property
    def charge_id(self):
        """The Stripe charge of the current attempt, or None."""
        return self.payment.charge_id if self.payment else None

    @property
    def payment_intent_id(self):
        """The Stripe PaymentIntent of the current attempt, or None."""
        return self.payment.payment_intent_id if self.payment else None

    def transition(self, new_status):
        """Move to `new_status` if the transition table allows it."""
        new_status = OrderStatus(new_status)
        if new_status != self.status and new_status not in TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.reference}: {self.status} -> {new_status}")
        self.status = new_status
