"""`flask worker`: the background work in a process of its own, beside web workers that
only serve (gunicorn with MAIL_WORKER=false), as the README's production set-up runs."""

import os
import signal
import subprocess
import sys
import time

import requests

from app.models import OrderStatus, OutboxMessage
from scripts.lifetime import ends_with_this_process
from tests.helpers import csrf_from
from tests.server_process import ROOT


def _worker(server, smtp, *args):
    env = {**server.env, "MAIL_PORT": str(smtp.port)}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", *args], cwd=ROOT,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=ends_with_this_process())


def _buy(server, slug, token, email):
    session = requests.Session()
    page = session.get(f"{server.url}/courses/{slug}", timeout=30)
    response = session.post(f"{server.url}/courses/{slug}/checkout", timeout=60,
                            allow_redirects=False,
                            data={"csrf_token": csrf_from(page.text), "stripeToken": token,
                                  "stripeEmail": email})
    assert response.status_code == 302, server.log()


def test_the_worker_process_sends_what_web_workers_queued_and_stops_on_sigterm(
        store_server, make_course, card_token, smtp, rows, orders):
    make_course()
    make_course(slug="second-course", title="Second Course")
    web = store_server(workers=2, MAIL_WORKER="false")
    _buy(web, "python-jumpstart", card_token(), "ada@example.com")
    [first] = orders()
    assert first.status == OrderStatus.PAID
    time.sleep(1)
    assert smtp.messages == []  # the web workers only serve: nothing sends it
    once = _worker(web, smtp, "--once")
    output, _ = once.communicate(timeout=60)
    assert once.returncode == 0 and "One pass done." in output, output
    [message] = smtp.wait_for(1, timeout=10)
    assert message["Subject"] == f"Your order {first.reference}: Python Jumpstart"

    worker = _worker(web, smtp, "--poll", "0.2")
    try:
        _buy(web, "second-course", card_token(), "grace@example.com")
        messages = smtp.wait_for(2, timeout=60)
        assert [m["To"] for m in messages] == ["ada@example.com", "grace@example.com"]
        deadline = time.monotonic() + 30  # the row is marked once the server said 250
        while time.monotonic() < deadline and any(
                row.status != "sent" for row in rows(OutboxMessage)):
            time.sleep(0.1)
        assert [(row.status, row.attempts) for row in rows(OutboxMessage)] == [
            ("sent", 1), ("sent", 1)]
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            worker.communicate()
    assert worker.returncode == 0, output
    assert "Worker stopped." in output and "Traceback" not in output
    assert len(smtp.messages) == 2
