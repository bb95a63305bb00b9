"""A saved card as the store keeps it: what the pages show, so showing it asks Stripe
nothing (the card itself stays at Stripe; no number is ever stored)."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class StoredCard(db.Model):
    """One card (`card_…` legacy source or `pm_…` PaymentMethod) on a buyer's customer.

    Written when the card is saved and by the `customer.source.*` / `payment_method.*`
    webhooks. A removed card keeps its row with `removed_at` set (a tombstone): Stripe
    never brings a deleted card or a detached PaymentMethod back, so no late event may.
    """

    __tablename__ = "saved_cards"
    __table_args__ = (Index("ix_saved_cards_customer_live", "customer_id", "removed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Stripe's id of the card: `card_…` or `pm_…` (what one click charges).
    card_id: Mapped[str] = mapped_column(String(255), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    #: The Stripe customer it is saved on; only the buyer's current customer's cards show.
    customer_id: Mapped[str] = mapped_column(String(255))
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    brand: Mapped[str] = mapped_column(String(40))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    funding: Mapped[str | None] = mapped_column(String(20))
    #: When the card was saved (Stripe's time for a card first learned from an event):
    #: the newest card of the customer is the one one click charges.
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Stripe's `created` (Unix seconds) of the newest event applied; older ones change
    #: nothing, so events delivered out of order leave the newest state.
    stripe_at: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Deleted or detached at Stripe (or its customer deleted): never shown again.
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self):
        state = "removed" if self.removed_at else "saved"
        return f"<StoredCard {self.card_id} {self.brand} {self.last4} {state}>"
