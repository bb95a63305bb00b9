"""Keeping the emulator's state in a file, so a restart remembers charges, customers…

The file is an SQLite database (write-ahead log): each request's changes are written in one
SQLite transaction when the request's state transaction ends, so a Ctrl-C or a kill at any
moment leaves the file as it was after the last complete request, never half-written. At
start the emulator loads everything back (objects, cards' test behaviour, policy, stored
idempotency answers). Delete the file, pass ``--reset`` or ``POST /_emulator/reset`` to
start clean.
"""
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

FORMAT = "stripe-emulator-state/1"
log = logging.getLogger("stripe_emulator")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codec (idx INTEGER PRIMARY KEY, shape TEXT NOT NULL,
                                  dict BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS objects (collection TEXT NOT NULL, id TEXT NOT NULL,
                                    sort_key INTEGER NOT NULL, blob BLOB NOT NULL,
                                    PRIMARY KEY (collection, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS card_meta (id TEXT PRIMARY KEY, behaviour TEXT, number TEXT);
CREATE TABLE IF NOT EXISTS idempotency (api_key TEXT NOT NULL, key TEXT NOT NULL,
                                        fingerprint BLOB NOT NULL, status INTEGER NOT NULL,
                                        body BLOB NOT NULL, request_id TEXT NOT NULL,
                                        at REAL NOT NULL, PRIMARY KEY (api_key, key));
"""


class StateFileError(Exception):
    """The file exists but is not an emulator state file this version can read.

    ``problem`` says what is wrong; ``disposable`` is true when the file holds emulator
    state, so deleting it is a fix. The message adds what to do on the emulator's own
    command line; a program that starts the emulator otherwise says its own remedy."""

    def __init__(self, problem, *, hint="", disposable=False):
        super().__init__(f"{problem}; {hint}" if hint else problem)
        self.problem = problem
        self.disposable = disposable


class StateFile:
    """One SQLite file mirroring a ``State`` (and its idempotency answers)."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateFileError(f"cannot create the folder of {self.path}: {exc}") from None
        self._lock = threading.Lock()
        self.dirty = False  # policy or deleted customers changed outside a write
        self._saved_dicts = 0
        self._idem_writes = 0
        try:
            self.conn = sqlite3.connect(str(self.path), check_same_thread=False,
                                        isolation_level=None, timeout=10)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            row = self._format()
            if row is None:
                self.conn.executescript(_SCHEMA)
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
            elif row != FORMAT:
                raise StateFileError(f"{self.path} holds state format {row!r}, not {FORMAT!r}",
                                     disposable=True)
        except sqlite3.DatabaseError as exc:
            raise StateFileError(f"{self.path} is not an emulator state file ({exc})",
                                 hint="delete it or start with --reset",
                                 disposable=True) from None

    def _format(self):
        tables = {r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            if tables:
                raise StateFileError(f"{self.path} is an SQLite file of something else",
                                     hint="choose another --state-file")
            return None
        row = self.conn.execute("SELECT value FROM meta WHERE name='format'").fetchone()
        return row[0] if row else None

    def close(self):
        with self._lock:
            self.conn.close()

    # --- writing ------------------------------------------------------------------------
    def clear(self):
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            for table in ("codec", "objects", "card_meta", "idempotency"):
                self.conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
            self.conn.execute("DELETE FROM meta WHERE name != 'format'")
            self.conn.execute("COMMIT")
            self._saved_dicts = 0
            self.dirty = False

    def write(self, state, written, deleted):
        """Save one transaction's changes: ``written`` = [(collection, (id, key, blob))]."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                dicts = state.codec.dicts
                if len(dicts) > self._saved_dicts:
                    shapes = {i: s for s, i in state.codec.shapes.items()}
                    conn.executemany("INSERT OR REPLACE INTO codec VALUES (?, ?, ?)",
                                     [(i, shapes[i], dicts[i])
                                      for i in range(self._saved_dicts, len(dicts))])
                conn.executemany("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?)",
                                 [(coll, obj_id, key, blob)
                                  for coll, (obj_id, key, blob) in written])
                conn.executemany("DELETE FROM objects WHERE collection = ? AND id = ?",
                                 deleted)
                cards = [obj_id for coll, (obj_id, _, _) in written if coll == "cards"]
                conn.executemany("INSERT OR REPLACE INTO card_meta VALUES (?, ?, ?)",
                                 [(c, state.card_behaviour.get(c), state.card_numbers.get(c))
                                  for c in cards])
                if deleted or self.dirty:
                    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                        ("policy", json.dumps(state.policy)),
                        ("deleted_customers", json.dumps(sorted(state.deleted_customers)))])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._saved_dicts = len(dicts)
            self.dirty = False

    def write_idempotency(self, scope, fingerprint, status, body, request_id, at, bounds):
        """Save one idempotency answer; a failure is logged (the answer stays in memory)."""
        with self._lock:
            try:
                self.conn.execute("INSERT OR REPLACE INTO idempotency VALUES "
                                  "(?, ?, ?, ?, ?, ?, ?)",
                                  (scope[0], scope[1], fingerprint, status, body, request_id, at))
                self._idem_writes += 1
                if self._idem_writes % 1000 == 0:
                    self._prune_idempotency(*bounds)
            except sqlite3.Error:
                log.exception("could not save an idempotency answer to %s", self.path)

    def _prune_idempotency(self, max_entries, ttl):
        self.conn.execute("DELETE FROM idempotency WHERE at < ?", (time.time() - ttl,))
        self.conn.execute("DELETE FROM idempotency WHERE rowid NOT IN (SELECT rowid FROM "
                          "idempotency ORDER BY at DESC LIMIT ?)", (max_entries,))

    # --- reading ------------------------------------------------------------------------
    def load(self, state, idempotency):
        """Fill an empty ``state`` and ``idempotency`` store from the file."""
        conn = self.conn
        with self._lock:
            for idx, shape, zdict in conn.execute("SELECT idx, shape, dict FROM codec "
                                                  "ORDER BY idx"):
                if idx != len(state.codec.dicts):
                    raise StateFileError(f"{self.path}: codec dictionaries out of order",
                                         disposable=True)
                state.codec.dicts.append(bytes(zdict))
                state.codec.shapes[shape] = idx
            self._saved_dicts = len(state.codec.dicts)
            for obj_id, behaviour, number in conn.execute("SELECT * FROM card_meta"):
                state.card_behaviour[obj_id] = behaviour
                if number is not None:
                    state.card_numbers[obj_id] = number
            meta = dict(conn.execute("SELECT name, value FROM meta"))
            state.policy.update(json.loads(meta.get("policy", "{}")))
            state.deleted_customers.update(json.loads(meta.get("deleted_customers", "[]")))
            for name, obj_id, key, blob in conn.execute(
                    "SELECT collection, id, sort_key, blob FROM objects ORDER BY sort_key"):
                coll = getattr(state, name, None)
                if coll is not None:
                    coll.load(obj_id, key, bytes(blob))
            self._prune_idempotency(idempotency.max_entries, idempotency.ttl)
            for api_key, key, fp, status, body, rid, at in conn.execute(
                    "SELECT * FROM idempotency ORDER BY at"):
                idempotency.load((api_key, key), bytes(fp), status, bytes(body), rid, at)
