"""Idempotency keys as REFERENCE §3.1: replay, conflict, in-flight 409, per API key."""
import threading
import time

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


class IdempotencyStore:
    """Remembers the first answer per (api key, idempotency key); thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._done: dict = {}
        self._inflight: set = set()

    def reset(self):
        with self._lock:
            self._done.clear()

    def begin(self, scope, fingerprint):
        """Return ("new"|"replay"|"conflict"|"in_use", entry)."""
        with self._lock:
            entry = self._done.get(scope)
            if entry and time.time() - entry["at"] > TTL:
                del self._done[scope]
                entry = None
            if entry:
                if entry["fingerprint"] != fingerprint:
                    return "conflict", None
                return "replay", entry
            if scope in self._inflight:
                return "in_use", None
            self._inflight.add(scope)
            return "new", None

    def finish(self, scope, fingerprint, status, body, request_id, store: bool):
        with self._lock:
            self._inflight.discard(scope)
            if store:
                self._done[scope] = {"fingerprint": fingerprint, "status": status,
                                     "body": body, "request_id": request_id,
                                     "at": time.time()}
