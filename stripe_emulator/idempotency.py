"""Idempotency keys: replay, conflict, in-flight 409, per API key; bounded storage.

Stripe keeps a key's first answer for 24 hours. The emulator does too, within bounds: at
most ``max_entries`` answers and ``max_bytes`` of (compressed) bodies; past either, the
oldest answers are forgotten first (a request reusing such a key runs again, as after
Stripe's 24 hours). Keys still in flight are never evicted.
"""
import hashlib
import threading
import time
from collections import OrderedDict

from .store import Codec

CONFLICT = (
    "Keys for idempotent requests can only be used with the same parameters they were first "
    "used with. Try using a key other than '{key}' if you meant to execute a different request."
)
IN_USE = (
    "There is currently another in-progress request using this Idempotent Key (that probably "
    "means you submitted twice, and the other request is still going through): {key}. "
    "Please try again later."
)
TTL = 24 * 3600
MAX_ENTRIES = 100_000
MAX_BYTES = 64 * 1024 * 1024


def fingerprint(method, path, canonical_params: str) -> bytes:
    """16 bytes standing for (method, path, params): what a replay must match."""
    return hashlib.blake2b(f"{method} {path}\n{canonical_params}".encode(),
                           digest_size=16).digest()


class IdempotencyStore:
    """Remembers the first answer per (api key, idempotency key); thread-safe."""

    def __init__(self, max_entries=MAX_ENTRIES, max_bytes=MAX_BYTES, ttl=TTL):
        self.max_entries, self.max_bytes, self.ttl = max_entries, max_bytes, ttl
        self._lock = threading.Lock()
        self._codec = Codec()
        self._done: OrderedDict = OrderedDict()  # scope -> (fingerprint, status, blob, rid, at)
        self._bytes = 0
        self._inflight: set = set()
        # callable(scope, fingerprint, status, body, request_id, at) for each stored answer
        self.on_store = None

    def reset(self):
        with self._lock:
            self._done.clear()
            self._bytes = 0

    def __len__(self):
        return len(self._done)

    @property
    def stored_bytes(self) -> int:
        return self._bytes

    def begin(self, scope, fingerprint_):
        """Return ("new"|"replay"|"conflict"|"in_use", entry)."""
        with self._lock:
            self._expire(time.time())
            entry = self._done.get(scope)
            if entry:
                fp, status, blob, rid, _at = entry
                if fp != fingerprint_:
                    return "conflict", None
                return "replay", {"status": status, "body": self._codec.decode_text(blob),
                                  "request_id": rid}
            if scope in self._inflight:
                return "in_use", None
            self._inflight.add(scope)
            return "new", None

    def finish(self, scope, fingerprint_, status, body, request_id, store: bool, shape=""):
        with self._lock:
            self._inflight.discard(scope)
            if store:
                at = time.time()
                entry = (fingerprint_, status, self._codec.encode_text(body, f"{shape}:{status}"),
                         request_id, at)
                self._put(scope, entry)
                if self.on_store is not None:
                    self.on_store(scope, fingerprint_, status, body, request_id, at)

    # --- storage ------------------------------------------------------------------------
    def _put(self, scope, entry):
        old = self._done.pop(scope, None)
        if old is not None:
            self._bytes -= len(old[2])
        self._done[scope] = entry
        self._bytes += len(entry[2])
        while self._done and (len(self._done) > self.max_entries or
                              self._bytes > self.max_bytes):
            _, evicted = self._done.popitem(last=False)
            self._bytes -= len(evicted[2])

    def _expire(self, now):
        while self._done:
            scope, entry = next(iter(self._done.items()))
            if now - entry[4] <= self.ttl:
                break
            del self._done[scope]
            self._bytes -= len(entry[2])

    def load(self, scope, fingerprint_, status, body, request_id, at):
        """Add an answer saved earlier (from a state file), oldest first."""
        with self._lock:
            if time.time() - at <= self.ttl:
                self._put(scope, (fingerprint_, status, self._codec.encode_text(
                    body, f"loaded:{status}"), request_id, at))
