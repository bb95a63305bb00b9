"""Gap-free numbers: taken from the series' counter row just before the transaction that
issues a document commits.

`UPDATE invoice_counters SET last_number = last_number + 1 … RETURNING last_number`
holds the counter's row until the commit (PostgreSQL's row lock; SQLite's one writer),
so no two processes take the same number, and the numbers of a transaction that rolls
back (a failed payment, a crash before the commit) are given back with it. The counter
is the last row such a transaction locks (SQLAlchemy's `before_commit`), so the wait
for it is as short as it can be and it takes part in no lock cycle.
"""

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.models import InvoiceCounter
from app.models._time import utcnow
from app.models._unique import _insert

PENDING = "invoices_to_number"


def queue(session, document):
    """Number `document` when `session` commits (in the order documents were queued)."""
    session.info.setdefault(PENDING, []).append(document)


def _next(session, series):
    statement = (update(InvoiceCounter).where(InvoiceCounter.series == series)
                 .values(last_number=InvoiceCounter.last_number + 1)
                 .returning(InvoiceCounter.last_number)
                 .execution_options(synchronize_session=False))
    number = session.execute(statement).scalar()
    if number is None:  # the series' first document: its counter row, then the number
        session.execute(_insert()(InvoiceCounter.__table__)
                        .values(series=series, last_number=0).on_conflict_do_nothing())
        number = session.execute(statement).scalar()
    return number


def number_of(series, sequence):
    """"INV-000042" of series "INV-" and sequence 42."""
    return f"{series}{sequence:06d}"


@event.listens_for(Session, "before_commit")
def _number_pending(session):
    documents = session.info.pop(PENDING, None)
    if not documents:
        return
    now = utcnow()
    for document in documents:
        sequence = _next(session, document.series)
        document.sequence = sequence
        document.number = number_of(document.series, sequence)
        document.issued_at = now
        snapshot = {**document.snapshot, "number": document.number,
                    "issued_at": now.isoformat(), "issue_date": now.date().isoformat()}
        if document.invoice is not None:
            snapshot["invoice_number"] = document.invoice.number
        document.snapshot = snapshot
    session.flush()


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    session.info.pop(PENDING, None)
