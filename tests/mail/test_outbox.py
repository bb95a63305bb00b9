"""The outbox: real SMTP (aiosmtpd), retries through an outage, exactly one send."""

import re
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import create_app
from app.extensions import db
from app.mail import enqueue, flush_due
from app.mail.outbox import send_one
from app.models import OutboxMessage, OutboxStatus
from app.models._time import utcnow
from config import (
    BASE_DIR,
    EMULATOR_PUBLISHABLE_KEY,
    EMULATOR_SECRET_KEY,
    TestConfig,
)
from scripts.lifetime import ends_with_this_process
from tests.smtp import parts

LINK_RE = re.compile(r"http://localhost/account/link/[\w.-]+")


def _queue(app, key="test:1", to="ada@example.com"):
    with app.app_context():
        enqueue(kind="sign_in", to=to, subject="Your sign-in link", dedupe_key=key,
                context={"target": "/account"})
        db.session.commit()


def test_the_confirmation_email_says_what_was_bought_and_links_to_the_course(
        app, client, buy_course, smtp, flush_mail, rows):
    """Text and HTML parts: course, amount, card, order number, a link that signs in."""
    order = buy_course(web=app.test_client())  # another browser: the buyer signs in by mail
    assert flush_mail() == {"sent": 1}
    [message] = smtp.wait_for(1)
    [row] = rows(OutboxMessage)
    assert message["To"] == "ada@example.com"
    assert message["From"] == "Course Shop <shop@example.com>"
    assert message["Message-ID"] == row.message_id
    assert message["Subject"] == f"Your order {order.reference}: Python Jumpstart"
    text, html = parts(message)
    for part in (text, html):
        assert "Python Jumpstart" in part and "$69.00" in part
        assert "Visa \u2022\u2022\u2022\u2022 4242" in part and order.reference in part
    [link] = set(LINK_RE.findall(text))
    assert link in html
    path = link.removeprefix("http://localhost")
    confirm = client.get(path)
    assert confirm.status_code == 200 and "Continue to my courses" in confirm.text
    from tests.helpers import csrf_from

    done = client.post(path, data={"csrf_token": csrf_from(confirm.text)})
    # The link opens the course (its first lesson once it has lessons) and signs in.
    assert done.status_code == 302
    assert done.headers["Location"] == "/courses/python-jumpstart/start"
    start = client.get(done.headers["Location"])  # no lessons yet: the course's page
    assert start.status_code == 302 and start.headers["Location"] == "/courses/python-jumpstart"
    assert "You have this course" in client.get("/courses/python-jumpstart").text
    account = client.get("/account")
    assert "Python Jumpstart" in account.text and order.reference in account.text
    assert client.post(path, data={"csrf_token": csrf_from(confirm.text)}).status_code == 410


def test_the_refund_notice_tells_the_amount_and_what_happens_to_access(
        app, buy_course, smtp, flush_mail):
    """A full refund's email: the amount and that access has ended."""
    from app.models import Order
    from app.orders.refunds import new_idempotency_key, refund_order

    order = buy_course()
    with app.app_context():
        row = db.session.scalar(select(Order).where(Order.id == order.id))
        refund_order(order=row, amount=row.amount, reason="requested_by_customer",
                     idempotency_key=new_idempotency_key(row), created_by="owner@example.com")
    assert flush_mail() == {"sent": 2}
    [notice] = [m for m in smtp.wait_for(2) if m["Subject"].startswith("Refund")]
    text, html = parts(notice)
    assert "$69.00" in text and "access to Python Jumpstart has ended" in text
    assert "$69.00" in html and "has ended" in html


def test_smtp_down_during_a_purchase_loses_nothing(app, buy_course, smtp, flush_mail, rows,
                                                   orders):
    """The purchase completes; the email waits with a retry time and goes out once later."""
    smtp.stop()
    order = buy_course()
    assert order.status == "paid"
    assert flush_mail() == {"pending": 1}
    [row] = rows(OutboxMessage)
    assert row.status == "pending" and row.attempts == 1
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    assert flush_mail() == {}  # not due yet: backoff
    smtp.start()
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert flush_mail() == {"sent": 1}
    assert flush_mail() == {}
    [message] = smtp.wait_for(1)
    assert message["Subject"].startswith(f"Your order {order.reference}")
    assert rows(OutboxMessage)[0].attempts == 2


def _failed_once(rows):
    found = rows(OutboxMessage)
    return bool(found) and found[0].status == "pending" and found[0].attempts >= 1


def test_the_worker_retries_by_itself_once_smtp_is_back(app, buy_course, smtp, mail_worker,
                                                        rows):
    """With the in-process worker: outage, then SMTP returns, and the mail arrives once."""
    smtp.stop()
    app.config["MAIL_RETRY_BASE_SECONDS"] = 1
    try:
        buy_course()
        deadline = utcnow() + timedelta(seconds=10)
        while utcnow() < deadline and not _failed_once(rows):
            threading.Event().wait(0.1)
        assert _failed_once(rows)  # tried, failed, waiting for its retry
        smtp.start()
        assert len(smtp.wait_for(1, timeout=15)) == 1
    finally:
        app.config["MAIL_RETRY_BASE_SECONDS"] = 30
    threading.Event().wait(1.5)
    assert len(smtp.messages) == 1
    assert rows(OutboxMessage)[0].status == "sent"


def test_a_rejected_address_fails_for_good_without_retries(app, smtp, flush_mail, rows):
    """A 5xx for the recipient marks the row failed; it is never tried again."""
    _queue(app, to="nobody@example.com")
    assert flush_mail() == {"failed": 1}
    [row] = rows(OutboxMessage)
    assert row.status == "failed" and "550" in row.last_error
    assert flush_mail() == {}


def test_two_workers_racing_for_a_row_send_it_once(app, smtp, rows):
    """The claim is one conditional UPDATE: of many concurrent senders, one sends."""
    _queue(app)
    [row] = rows(OutboxMessage)
    results = []
    barrier = threading.Barrier(4)

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                results.append(send_one(row.id))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r for r in results if r) == ["sent"]
    threading.Event().wait(0.3)
    assert len(smtp.messages) == 1


def _run_child(app, emulator, code):
    """Run `code` in a fresh Python process on the same database; it kills itself."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(BASE_DIR)!r})
        from app import create_app
        from app.extensions import db
        from config import TestConfig
        app = create_app(TestConfig(
            SQLALCHEMY_DATABASE_URI={app.config["SQLALCHEMY_DATABASE_URI"]!r},
            STRIPE_API_BASE={emulator.url!r}, MAIL_SERVER="127.0.0.1",
            MAIL_PORT={app.config["MAIL_PORT"]!r}, MAIL_WORKER=False))
        with app.app_context():
    """) + textwrap.indent(textwrap.dedent(code), "    ") + (
        "    os.kill(os.getpid(), signal.SIGKILL)\n")
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             timeout=60, preexec_fn=ends_with_this_process())
    assert process.returncode == -signal.SIGKILL, process.stderr
    return process


def test_a_process_killed_between_commit_and_send_mails_once_after_restart(
        app, emulator, smtp, rows):
    """A process commits the order's email and is SIGKILLed; a fresh app sends it once."""
    _run_child(app, emulator, """
        from app.mail import enqueue
        enqueue(kind="sign_in", to="ada@example.com", subject="Sign in",
                dedupe_key="killed:1", context={})
        db.session.commit()
    """)
    [row] = rows(OutboxMessage)
    assert row.status == "pending" and smtp.messages == []
    restarted = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=app.config[
        "SQLALCHEMY_DATABASE_URI"], MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
        MAIL_WORKER=True, MAIL_POLL_SECONDS=0.2))
    worker = restarted.extensions["outbox_worker"]
    try:
        restarted.test_client().get("/")  # the first request starts the worker
        assert len(smtp.wait_for(1, timeout=10)) == 1
        threading.Event().wait(0.6)
    finally:
        worker.stop()
        with restarted.app_context():
            db.engine.dispose()
    assert len(smtp.messages) == 1
    assert rows(OutboxMessage)[0].status == "sent"


def test_a_process_killed_while_sending_is_taken_over_after_the_lease(app, emulator, smtp,
                                                                       rows):
    """A row claimed by a process that died stays 'sending' until its lease runs out."""
    _queue(app, key="lease:1")
    [row] = rows(OutboxMessage)
    _run_child(app, emulator, f"""
        from app.mail.outbox import claim
        assert claim({row.id})
    """)
    assert rows(OutboxMessage)[0].status == "sending"
    with app.app_context():
        assert flush_due() == {}  # the lease has not run out: nobody else sends it
        db.session.execute(update(OutboxMessage).values(
            claimed_at=utcnow() - timedelta(seconds=app.config["MAIL_SEND_LEASE_SECONDS"] + 1)))
        db.session.commit()
        assert flush_due() == {"sent": 1}
    assert len(smtp.wait_for(1)) == 1
    assert rows(OutboxMessage)[0].attempts == 2


def test_flask_mail_flush_sends_what_is_due(app, cli, smtp):
    """`flask mail flush` sends queued mail and says how much."""
    _queue(app)
    result = cli.invoke(args=["mail", "flush"])
    assert result.exit_code == 0 and "sent: 1" in result.output
    assert cli.invoke(args=["mail", "flush"]).output.strip() == "Nothing to send."
    assert len(smtp.wait_for(1)) == 1
    listing = cli.invoke(args=["mail", "list"]).output
    assert "sent" in listing and "ada@example.com" in listing


def test_production_without_mail_settings_refuses_to_start():
    """A missing MAIL_SERVER in production stops start-up with a clear message."""
    keys = {"STRIPE_SECRET_KEY": EMULATOR_SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": EMULATOR_PUBLISHABLE_KEY}
    config = TestConfig(ENV_NAME="production", MAIL_SERVER="", MAIL_DEFAULT_SENDER="",
                        STORE_URL="", **keys)
    with pytest.raises(RuntimeError,
                       match="MAIL_SERVER, MAIL_DEFAULT_SENDER, STORE_URL not set"):
        create_app(config)
    config = TestConfig(ENV_NAME="production", MAIL_SERVER="smtp.example.com",
                        STORE_URL="https://shop.example.com", **keys)
    assert create_app(config).config["MAIL_SERVER"] == "smtp.example.com"


def test_development_keeps_mail_local_and_shows_it_on_the_dev_page(app):
    """No MAIL_SERVER in development: mail is stored, not sent, and /dev/mail shows it."""
    dev = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                                ENV_NAME="development", MAIL_SERVER=""))
    client = dev.test_client()
    home = client.get("/")
    assert 'href="/dev/mail/"' in home.text
    with dev.app_context():
        enqueue(kind="sign_in", to="ada@example.com", subject="Your sign-in link",
                dedupe_key="dev:1", context={})
        db.session.commit()
        assert flush_due() == {"sent": 1}
        row = db.session.scalar(select(OutboxMessage))
        assert row.status == OutboxStatus.SENT and "/account/link/" in row.local_text
    page = client.get("/dev/mail/")
    assert page.status_code == 200 and "Your sign-in link" in page.text
    [link] = set(LINK_RE.findall(page.text.replace("http://127.0.0.1:5000", "http://localhost")))
    assert client.get(link.removeprefix("http://localhost")).status_code == 200
    assert client.get(f"/dev/mail/{row.id}.html").status_code == 200
    with dev.app_context():
        db.engine.dispose()


def test_the_dev_page_is_a_404_outside_development(client):
    """Tests and production never expose the local mailbox."""
    assert client.get("/dev/mail/").status_code == 404
    assert "/dev/mail" not in client.get("/").text
