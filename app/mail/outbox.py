"""The outbox: queue a message in the caller's transaction; claim, send and settle rows.

Exactly-once, as far as SMTP allows: a row is claimed with one conditional UPDATE
(`pending` and due, or `sending` whose lease ran out) and committed before SMTP is
called, so two workers never send the same row. If the process dies after the SMTP
server accepted the message but before `sent` was committed, the row is re-claimed
after `MAIL_SEND_LEASE_SECONDS` and sent again: that window (milliseconds) is inherent
to SMTP, which has no idempotency key. The copy carries the same Message-ID header, so
mail clients and servers that de-duplicate drop it.
"""

import logging
import secrets
import smtplib
import socket
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from app.models._time import as_utc, utcnow
from app.models._unique import insert_or_skip

log = logging.getLogger(__name__)


def _message_id():
    host = urlsplit(current_app.config.get("STORE_URL") or "").hostname or "localhost"
    return f"<{secrets.token_hex(16)}@{host}>"


def enqueue(*, kind, to, subject, dedupe_key, context=None, buyer_id=None, order_id=None,
            created_by=None):
    """Queue one message in the current transaction; False if its dedupe key exists."""
    subject = " ".join(subject.split())  # a header: no line breaks, whatever a title holds
    created = insert_or_skip(
        OutboxMessage, dedupe_key=dedupe_key[:200], kind=kind, to_email=to,
        subject=subject[:300], context=context or {}, message_id=_message_id(),
        buyer_id=buyer_id, order_id=order_id, status=OutboxStatus.PENDING.value,
        attempts=0, next_attempt_at=utcnow(), created_by=created_by, created_at=utcnow(),
    )
    if created:
        # Wake the worker once this transaction commits (see app/mail/worker.py).
        db.session.info["outbox_wake"] = current_app._get_current_object()
    return created


def _due_condition(now):
    lease = timedelta(seconds=current_app.config["MAIL_SEND_LEASE_SECONDS"])
    return or_(
        (OutboxMessage.status == OutboxStatus.PENDING.value)
        & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING.value)
        & (OutboxMessage.claimed_at < now - lease),
    )


def claim(message_id):
    """Atomically take one due row for sending; True if this caller owns it now."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due_condition(now))
        .values(status=OutboxStatus.SENDING.value, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


class PermanentMailError(Exception):
    """The server refused the message for good (e.g. the address does not exist)."""


def _classify(exc):
    """True if retrying may help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return any(code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, OSError | smtplib.SMTPException | socket.timeout)


def _settle(row_id, **values):
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id,
                                    OutboxMessage.status == OutboxStatus.SENDING.value)
        .values(**values).execution_options(synchronize_session=False)
    )
    db.session.commit()


def _backoff(attempts):
    config = current_app.config
    return min(config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0),
               config["MAIL_RETRY_MAX_SECONDS"])


def send_one(row_id):
    """Claim, render and send one row; return its status afterwards (None if not ours)."""
    from app.mail.render import render
    from app.mail.transport import deliver

    if not claim(row_id):
        return None
    row = db.session.get(OutboxMessage, row_id)
    db.session.refresh(row)
    try:
        message = render(row)  # mints a fresh sign-in link, committed with its hash
        deliver(row, message)
    except Exception as exc:
        db.session.rollback()
        retry = _classify(exc)
        attempts = row.attempts
        give_up = not retry or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
        error = f"{type(exc).__name__}: {exc}"[:500]
        if give_up:
            _settle(row_id, status=OutboxStatus.FAILED.value, last_error=error)
            log.error("Mail %s to %s failed for good: %s", row.dedupe_key, row.to_email,
                      error)
            return OutboxStatus.FAILED.value
        delay = _backoff(attempts)
        _settle(row_id, status=OutboxStatus.PENDING.value, last_error=error,
                next_attempt_at=utcnow() + timedelta(seconds=delay))
        log.warning("Mail %s to %s not sent (try %s, again in %ss): %s", row.dedupe_key,
                    row.to_email, attempts, delay, error)
        return OutboxStatus.PENDING.value
    _settle(row_id, status=OutboxStatus.SENT.value, sent_at=utcnow(), last_error=None,
            local_text=message.local_text, local_html=message.local_html)
    log.info("Mail %s sent to %s (%s)", row.dedupe_key, row.to_email, message.transport)
    return OutboxStatus.SENT.value


def due_ids(limit=50):
    """Ids of rows that may be claimed now, oldest first."""
    return db.session.scalars(
        select(OutboxMessage.id).where(_due_condition(utcnow()))
        .order_by(OutboxMessage.id).limit(limit)
    ).all()


def seconds_until_next():
    """Seconds until the next pending row is due or a lease runs out (None: nothing)."""
    now = utcnow()
    pending = db.session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == OutboxStatus.PENDING.value)
        .order_by(OutboxMessage.next_attempt_at).limit(1)
    )
    claimed = db.session.scalar(
        select(OutboxMessage.claimed_at)
        .where(OutboxMessage.status == OutboxStatus.SENDING.value)
        .order_by(OutboxMessage.claimed_at).limit(1)
    )
    waits = []
    if pending is not None:
        waits.append((as_utc(pending) - now).total_seconds())
    if claimed is not None:
        lease = current_app.config["MAIL_SEND_LEASE_SECONDS"]
        waits.append((as_utc(claimed) + timedelta(seconds=lease) - now).total_seconds())
    return max(0.0, min(waits)) if waits else None


def flush_due(*, limit=200):
    """Send every row due now; return {status: count}."""
    counts = {}
    sent = 0
    while sent < limit:
        ids = due_ids(min(50, limit - sent))
        if not ids:
            break
        for row_id in ids:
            status = send_one(row_id)
            if status is not None:
                counts[status] = counts.get(status, 0) + 1
            sent += 1
    return counts


def messages_for(*, buyer_id=None, email=None, limit=100):
    """Outbox rows of a buyer (by id or address), newest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if buyer_id is not None and email:
        query = query.where(or_(OutboxMessage.buyer_id == buyer_id,
                                OutboxMessage.to_email == email))
    elif buyer_id is not None:
        query = query.where(OutboxMessage.buyer_id == buyer_id)
    else:
        query = query.where(OutboxMessage.to_email == email)
    return db.session.scalars(query).all()
