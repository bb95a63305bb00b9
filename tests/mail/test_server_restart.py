"""Mail survives a crash of the real server: gunicorn (the shipped config, 3 workers)."""

import time

import requests

from app.models import OrderStatus, OutboxMessage
from tests.helpers import csrf_from


def test_mail_committed_before_a_sigkill_is_sent_once_by_the_restarted_server(
        store_server, make_course, card_token, smtp, rows, orders):
    """Buy with the mail thread held off, SIGKILL the server, restart: exactly one email,
    although three worker processes (each with its outbox thread) race to send it."""
    make_course()
    first = store_server(workers=2, MAIL_WORKER="false")
    session = requests.Session()
    page = session.get(f"{first.url}/courses/python-jumpstart", timeout=30)
    response = session.post(f"{first.url}/courses/python-jumpstart/checkout", timeout=60,
                            allow_redirects=False,
                            data={"csrf_token": csrf_from(page.text),
                                  "stripeToken": card_token(), "stripeEmail": "ada@example.com"})
    assert response.status_code == 302, first.log()
    first.kill()
    [order] = orders()
    assert order.status == OrderStatus.PAID
    [row] = rows(OutboxMessage)
    assert row.status == "pending" and smtp.messages == []
    store_server(workers=3, MAIL_WORKER="true", MAIL_PORT=smtp.port,
                 MAIL_POLL_SECONDS="0.5")
    [message] = smtp.wait_for(1, timeout=30)
    assert message["Subject"] == f"Your order {order.reference}: Python Jumpstart"
    time.sleep(2)
    assert len(smtp.messages) == 1
    [row] = rows(OutboxMessage)
    assert row.status == "sent" and row.attempts == 1
