"""Invoices and credit notes (one table, one number series) and the series' counter.

A document is written by the order lifecycle in the transaction that pays or refunds
its order; its number is taken from `invoice_counters` just before that transaction
commits (app/invoices/numbering.py), so a rolled-back payment takes none. Once numbered
it never changes: what it says is frozen in `snapshot`, and an update of a numbered row
raises (`IssuedDocumentChanged`).
"""

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def label(self):
        return "Invoice" if self is DocumentKind.INVOICE else "Credit note"


class IssuedDocumentChanged(Exception):
    """Something tried to change an invoice or credit note that has its number."""


class InvoiceCounter(db.Model):
    """The last number taken in a series (one row per INVOICE_PREFIX)."""

    __tablename__ = "invoice_counters"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self):
        return f"<InvoiceCounter {self.series} {self.last_number}>"


class Invoice(db.Model):
    """An invoice (an order paid) or a credit note (a refund of it), amounts in minor
    units of `currency`; a credit note's amounts are positive, and it names its invoice."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind_known"),
        CheckConstraint("gross >= 0 AND tax >= 0 AND net = gross - tax",
                        name="amounts_add_up"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: "<prefix><6 digits>", set at the commit that issues it (unique in the series).
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    sequence: Mapped[int | None] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    #: The credit note's invoice.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    #: One document per cause: "invoice:<order id>", "credit:<order id>:<refunded>".
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    net: Mapped[int] = mapped_column(Integer)
    tax: Mapped[int] = mapped_column(Integer)
    gross: Mapped[int] = mapped_column(Integer)
    #: Every field the document shows, as issued (art. 226 of Directive 2006/112/EC).
    snapshot: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    order = relationship("Order")
    invoice = relationship("Invoice", remote_side=[id])

    @property
    def document_kind(self):
        return DocumentKind(self.kind)

    @property
    def filename(self):
        return f"{self.number}.pdf"

    def __repr__(self):
        return f"<Invoice {self.kind} {self.number} {self.gross} {self.currency}>"


@event.listens_for(Invoice, "before_update")
def _frozen_once_numbered(mapper, connection, target):
    """Only the numbering (number, sequence, the snapshot's copy of them) may be written,
    once, to a row without a number; a numbered row never changes."""
    state = inspect(target)
    number = state.attrs.number.history
    was_numbered = bool(number.deleted and number.deleted[0]) or (
        not number.has_changes() and target.number is not None)
    if was_numbered:
        changed = [attr.key for attr in state.attrs if attr.history.has_changes()]
        raise IssuedDocumentChanged(f"{target.number} was issued; {', '.join(changed)} "
                                    "cannot change (issue a credit note instead).")


@event.listens_for(Invoice, "before_delete")
def _never_deleted(mapper, connection, target):
    if target.number is not None:
        raise IssuedDocumentChanged(f"{target.number} was issued; it cannot be deleted "
                                    "(issue a credit note instead).")
