"""The log of API requests the emulator received (``GET /_emulator/requests``), so a test
can count the Stripe calls a page of the app under test made."""
import threading
import time
from collections import deque

#: Requests kept; the oldest are forgotten first.
MAX_REQUESTS = 10000


class RequestLog:
    """Every ``/v1/…`` request, in the order it was answered (or dropped), recorded just
    before the answer is sent."""

    def __init__(self, max_requests=MAX_REQUESTS):
        self._entries = deque(maxlen=max_requests)
        self._lock = threading.Lock()

    def record(self, method, path, status, idempotency_key=None):
        with self._lock:
            self._entries.append({"method": method, "path": path, "status": status,
                                  "idempotency_key": idempotency_key, "at": time.time()})

    def entries(self):
        with self._lock:
            return list(self._entries)

    def clear(self):
        with self._lock:
            self._entries.clear()
