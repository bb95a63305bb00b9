"""A refund of all or part of an order's charge."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

_UNSETTLED_SQL = "status = 'pending' AND stripe_refund_id IS NULL"


class Refund(db.Model):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # One refund whose outcome we do not know yet per order: a second one waits until
        # the first is settled, so an admin can never send two by mistake.
        Index("uq_refunds_one_unsettled_per_order", "order_id", unique=True,
              sqlite_where=text(_UNSETTLED_SQL), postgresql_where=text(_UNSETTLED_SQL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_by: Mapped[str | None] = mapped_column(String(254))
    failure_message: Mapped[str | None] = mapped_column(String(500))
    #: The Stripe Tax reversal recorded for it (orders taxed through Stripe Tax).
    tax_reversal_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    order = relationship("Order", back_populates="refunds")

    @property
    def unsettled(self):
        """Sent (or about to be) without an answer from Stripe yet."""
        return self.status == "pending" and not self.stripe_refund_id

    def __repr__(self):
        return f"<Refund {self.stripe_refund_id} {self.amount} {self.status}>"
