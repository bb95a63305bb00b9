"""What a buyer was shown and answered about immediate access to a course (the EU/EEA
and UK digital-content rules): one row at checkout, another when the buyer starts early
from My account. Rows are never changed: they are the record the law asks for."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow


class Consent(db.Model):
    __tablename__ = "order_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    #: "checkout" (the checkout form) or "account" (starting early from My account).
    source: Mapped[str] = mapped_column(String(20))
    #: The country the buyer declared (ISO 3166 alpha-2).
    country: Mapped[str] = mapped_column(String(2))
    #: The text of the checkbox exactly as shown, and the version of that text.
    text: Mapped[str] = mapped_column(Text)
    text_version: Mapped[str] = mapped_column(String(40))
    #: Whether the box was ticked (the request for immediate access and the acknowledgement).
    given: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    order = relationship("Order", back_populates="consents")

    def __repr__(self):
        state = "given" if self.given else "not given"
        return f"<Consent {self.source} {self.country} {state} v{self.text_version}>"
