"""How the store talks to its database: engine settings per dialect.

SQLite (the default) runs in WAL mode, so readers never wait for a writer and a writer
waits its turn (`timeout`) instead of failing with "database is locked" while other
threads or processes write; every commit is still synced (`synchronous=FULL`): an order
written before Stripe is called must survive a power cut. PostgreSQL keeps a pool sized
to the server's threads, and checks a pooled connection before using it.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: Seconds a SQLite writer waits for another writer before giving up.
SQLITE_BUSY_SECONDS = 30


def engine_options(url, *, threads=1):
    """SQLAlchemy engine options for the database at `url`, served by `threads` threads
    per process."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_SECONDS}}
    return {"pool_pre_ping": True, "pool_size": max(5, threads),
            "max_overflow": max(5, threads), "pool_timeout": 30}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL and full syncing for every SQLite connection (other databases: nothing)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
