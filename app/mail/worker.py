"""The outbox worker: a daemon thread in the serving process that sends queued mail.

It wakes when a transaction that queued mail commits (SQLAlchemy's `after_commit`), and
otherwise every MAIL_POLL_SECONDS or when the next retry is due, so retries after an
SMTP outage and rows left by a killed process (pending, or `sending` past their lease)
go out without any other process. It starts with the first request of each process
(after a fork too) and is off when MAIL_WORKER is false: then `flask --app app worker`
runs the same passes in a process of its own (`run_forever`), so web workers only serve.

Other packages add their own periodic work with `add_pass` (the app factory adds the
payment flows' `settle_due`: payments and refunds whose answer from Stripe was lost).
"""

import logging
import os
import threading
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger(__name__)


class OutboxWorker:
    def __init__(self, app):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._pid = None
        self._lock = threading.Lock()
        self.idle = threading.Event()
        self._next_prune = 0.0
        self._passes = []

    def add_pass(self, work):
        """Run `work()` (in an app context) on every pass, after the mail."""
        self._passes.append(work)

    @property
    def enabled(self):
        return bool(self.app.config.get("MAIL_WORKER"))

    def ensure_started(self):
        """Start the thread in this process if it is enabled and not running."""
        if not self.enabled:
            return False
        with self._lock:
            if self._thread is not None and self._thread.is_alive() \
                    and self._pid == os.getpid():
                return True
            self._stop.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="outbox-worker",
                                             daemon=True)
            self._thread.start()
            return True

    def wake(self):
        """Look at the outbox now (starting the thread if needed)."""
        if self.ensure_started():
            self._wake.set()

    def stop(self, timeout=10):
        """Stop the thread (tests, shutdown)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._thread = None

    def _pass(self):
        from app.access.links import prune_expired
        from app.mail.outbox import flush_due, seconds_until_next

        with self.app.app_context():
            try:
                flush_due()
                if time.monotonic() >= self._next_prune:
                    self._next_prune = time.monotonic() + 3600
                    prune_expired()  # used and expired sign-in links, hourly
                for work in self._passes:
                    work()
                    db.session.remove()
                return seconds_until_next()
            except Exception as error:
                from app.database_setup import database_name, missing_schema, not_set_up_message

                if missing := missing_schema(error):  # one line, not a traceback a minute
                    log.error("Outbox worker: database not set up: %s",
                              not_set_up_message(database_name(db.engine), missing))
                else:
                    log.exception("Outbox worker pass failed; retrying later")
                return None
            finally:
                db.session.remove()

    def run_forever(self, poll):
        """Run the passes in this thread, looking every `poll` seconds, until
        `request_stop` (the `flask worker` command: SIGTERM or Ctrl-C)."""
        self._stop.clear()
        self._run(poll)

    def run_once(self):
        """One pass now, in this thread; what it returns (seconds until the next)."""
        return self._pass()

    def request_stop(self):
        """Ask the passes to end after the current one (safe from a signal handler)."""
        self._stop.set()
        self._wake.set()

    def _run(self, poll=None):
        if poll is None:
            poll = float(self.app.config.get("MAIL_POLL_SECONDS", 60))
        while not self._stop.is_set():
            self._wake.clear()
            self.idle.clear()
            wait = self._pass()
            self.idle.set()
            timeout = poll if wait is None else min(poll, max(wait, 0.05))
            self._wake.wait(timeout)


def init_app(app):
    """Attach a worker to the app; wake it after commits that queued mail."""
    worker = OutboxWorker(app)
    app.extensions["outbox_worker"] = worker

    @app.before_request
    def _start_outbox_worker():
        worker.ensure_started()

    return worker


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session):
    app = session.info.pop("outbox_wake", None)
    if app is not None:
        worker = app.extensions.get("outbox_worker")
        if worker is not None:
            worker.wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop("outbox_wake", None)
