"""Emails waiting to be sent (or sent): written in the transaction of the event that
causes them, delivered after the commit by the outbox worker."""

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first try or a retry (next_attempt_at)
    SENDING = "sending"  # claimed by a worker; re-claimed after a lease if it died
    SENT = "sent"
    FAILED = "failed"  # refused for good (bad address) or too many tries


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: One row per cause: "order-confirmation:<order id>", "refund-notice:<key>", ...
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    #: What the template needs, captured when the event happened (no secrets).
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Stable per row: a retry carries the same Message-ID, so receivers can drop a copy.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("buyers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(254))  # admin who resent it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Development only (mail kept local): the rendered parts, for the /dev/mail page.
    local_text: Mapped[str | None] = mapped_column(Text)
    local_html: Mapped[str | None] = mapped_column(Text)

    def __repr__(self):
        return f"<OutboxMessage {self.dedupe_key} {self.status}>"
