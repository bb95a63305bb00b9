"""How the store talks to its database: engine settings per dialect.

SQLite (the default) runs in WAL mode, so readers never wait for a writer and a writer
waits its turn (`timeout`) instead of failing with "database is locked" while other
threads or processes write; every commit is still synced (`synchronous=FULL`): an order
written before Stripe is called must survive a power cut. PostgreSQL keeps a small pool
(a request never holds a connection while Stripe is called) and checks a pooled
connection before using it.
"""

import logging

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: Seconds a SQLite writer waits for another writer before giving up.
SQLITE_BUSY_SECONDS = 30
#: PostgreSQL connections per process, by default (DATABASE_POOL_SIZE): a hard cap, so
#: that serving processes x pool size is all the store ever opens — 2 workers hold at
#: most 20, well under PostgreSQL's default max_connections of 100.
POOL_SIZE = 10


def engine_options(url, *, threads=1, pool_size=POOL_SIZE):
    """SQLAlchemy engine options for the database at `url`, served by `threads` threads
    per process with at most `pool_size` connections."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_SECONDS}}
    # A request holds a connection only while it reads or writes: never while Stripe is
    # called (the flows commit first), so a few connections serve many threads; a
    # thread that finds them all busy waits its turn (pool_timeout) for a few ms. No
    # overflow: a burst waits for a connection instead of opening more than the database
    # accepts (it would answer "too many clients" to this or another process).
    size = max(1, min(threads, pool_size))
    return {"pool_pre_ping": True, "pool_size": size, "max_overflow": 0,
            "pool_timeout": 30}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL and full syncing for every SQLite connection (other databases: nothing)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def release_connection():
    """Before each Stripe call (app/payments/calls.py): end the session's transaction if
    it only read, which gives its connection back to the pool while Stripe answers — a
    launch's checkouts wait on Stripe by the hundred, holding no connection or lock.

    The flows write and commit what a call needs before making it. A transaction that
    wrote (or holds unsaved changes) is left alone: committing it here would commit a step
    half done — a card-testing cancel, for one, follows the decline it counted.
    """
    from app.extensions import db
    from app.models._unique import commit_keeping

    session = db.session()  # this thread's Session
    if not session.in_transaction() or session.info.get("wrote") \
            or session.new or session.dirty or session.deleted:
        return
    # Without expiring what it read: a read-only transaction changed nothing, and what
    # the steps after the call must see fresh, the lifecycle reads again under its lock
    # (`app.orders.lifecycle.lock`); expiring would reload the order and its attempts
    # (three statements) only to have the lock read them once more.
    commit_keeping()


@event.listens_for(Session, "do_orm_execute")
def _note_statement_write(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session, _flush_context):
    session.info["wrote"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_over(session):
    session.info.pop("wrote", None)
