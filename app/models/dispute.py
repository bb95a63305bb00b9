"""A dispute (chargeback) of an order's charge, as Stripe reported it."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

#: Stripe's statuses of a dispute that has ended, and whether the seller kept the money.
CLOSED_STATUSES = {"won": True, "lost": False, "warning_closed": True}


class Dispute(db.Model):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    stripe_dispute_id: Mapped[str] = mapped_column(String(255), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(80))
    #: Stripe's status: needs_response, under_review, won, lost, …
    status: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    order = relationship("Order", back_populates="disputes")

    def __repr__(self):
        return f"<Dispute {self.stripe_dispute_id} {self.status}>"

    @property
    def closed(self):
        return self.status in CLOSED_STATUSES

    @property
    def won(self):
        return CLOSED_STATUSES.get(self.status, False)
