"""One `make run` per database and emulator state file.

Two runs sharing a database would each start an emulator of their own: an order paid
through one could not be refunded through the other. So a run holds an exclusive
`flock` on a lock file beside each thing it owns (`instance/storefront.db.lock`,
`instance/stripe-emulator.sqlite3.lock`) for as long as it serves. The kernel drops the
lock when the process ends, however it ends, so a crashed or killed run never blocks the
next one; the file only says who holds it.
"""

import fcntl
import hashlib
import json
import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class InUse(Exception):
    """Another running `make run` holds one of the locks; the message says which."""


def database_lock(url, instance_dir):
    """(lock file, name) of the database at `url`, resolved as Flask-SQLAlchemy does;
    None for an in-memory or unreadable URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # the app refuses the setting itself, in one line
    if parsed.drivername.startswith("sqlite"):
        if parsed.database in (None, "", ":memory:"):
            return None
        path = Path(parsed.database)
        if not path.is_absolute():  # Flask-SQLAlchemy: relative to the instance folder
            path = Path(instance_dir) / path
        return path.with_name(path.name + ".lock"), str(path)
    # A database server: one lock file per database, in this checkout's instance folder.
    name = parsed.render_as_string(hide_password=True)
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return Path(instance_dir) / f"database-{digest}.lock", name


class RunLock:
    """Exclusive locks on a set of lock files, held until `release()` or the process ends."""

    def __init__(self):
        self._held = []

    def acquire(self, lock_path, *, what, owner):
        """Lock `lock_path` (guarding `what`, e.g. the database's name) or raise InUse."""
        lock_path = Path(lock_path)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            self.release()
            raise InUse(_in_use_message(what, holder, lock_path)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), **owner}).encode(), 0)
        self._held.append(fd)

    def release(self):
        for fd in self._held:
            os.close(fd)  # closing the file drops its flock
        self._held = []


def _read(fd):
    try:
        return json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}


def _in_use_message(what, holder, lock_path):
    pid, url = holder.get("pid"), holder.get("url")
    who = "another `make run`" + (f" (pid {pid}" + (f", {url}" if url else "") + ")"
                                 if pid else "")
    return (f"{what} is in use by {who}. Stop that one first (Ctrl-C in its terminal), "
            "or give this one its own DATABASE_URL and STRIPE_EMULATOR_STATE_FILE "
            f"(lock: {lock_path}).")
