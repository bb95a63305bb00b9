"""Background delivery of events to forwarding URLs, signed like Stripe (REFERENCE §4.2)."""
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time

import requests

from .resources.webhook_endpoints import wants

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def _hmac(key: str, t: int, payload: str) -> str:
    return hmac.new(key.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """``t=…,v1=…,v0=…`` as Stripe signs test-mode deliveries (REFERENCE §4.2).

    ``v1`` is HMAC-SHA256 of ``f"{t}.{payload}"`` keyed by the whole ``whsec_`` secret;
    ``v0`` is the fake scheme test events carry, made with a key no endpoint has, so a
    verifier that accepts it instead of ``v1`` fails.
    """
    t = int(time.time()) if timestamp is None else timestamp
    fake_key = hashlib.sha256(b"v0:" + secret.encode()).hexdigest()
    return f"t={t},v1={_hmac(secret, t, payload)},v0={_hmac(fake_key, t, payload)}"


class WebhookDispatcher:
    """Delivers each event to every endpoint that wants it: the control API's (every event)
    and those registered with ``POST /v1/webhook_endpoints`` (their ``enabled_events``,
    their own secret); retries with exponential back-off."""

    def __init__(self, state, retry_base=1.0, max_attempts=4, timeout=5.0):
        self.state = state
        self.retry_base = retry_base
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.endpoints: list[dict] = []
        self.deliveries: list[dict] = []
        self._queue: list = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._generation = 0  # bumped by reset_log so in-flight deliveries are forgotten
        self._thread = None
        self._session = None

    def add_endpoint(self, url: str, secret: str) -> dict:
        endpoint = {"url": url, "secret": secret}
        with self._cond:
            self.endpoints.append(endpoint)
        return endpoint

    def clear_endpoints(self):
        """Forget the control API's endpoints (those registered through the API stay)."""
        with self._cond:
            self.endpoints.clear()

    def targets(self, event_type: str | None = None) -> list[dict]:
        """The endpoints that get an event of ``event_type`` (``None``: any event)."""
        registered = [{"url": e["url"], "secret": e["_secret"], "id": e["id"]}
                      for e in self.state.webhook_endpoints.values() if wants(e, event_type)]
        return list(self.endpoints) + registered

    def _still_wanted(self, endpoint: dict, event_type: str) -> bool:
        """A registered endpoint deleted or disabled since gets no (re)delivery."""
        if "id" not in endpoint:
            return True
        with self.state.transaction():
            current = self.state.webhook_endpoints.get(endpoint["id"])
            return current is not None and wants(current, event_type)

    def reset_log(self):
        with self._cond:
            self.deliveries.clear()
            self._queue.clear()
            self._generation += 1

    def on_event(self, event: dict):
        """State listener: queue the event for every endpoint that wants it (runs under the
        state lock)."""
        targets = self.targets(event["type"])
        if not targets:
            return
        payload = json.dumps(event, indent=2)
        with self._cond:
            for endpoint in targets:
                heapq.heappush(self._queue, (time.monotonic(), next(self._seq),
                                             (event, payload, endpoint, 1, self._generation)))
            self._cond.notify()

    def start(self):
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher",
                                        daemon=True)
        self._thread.start()

    def stop(self):
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread:
            self._thread.join(timeout=5)
        if self._session:
            self._session.close()

    def _run(self):
        while True:
            with self._cond:
                while not self._stopping:
                    if self._queue and self._queue[0][0] <= time.monotonic():
                        break
                    wait = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(wait)
                if self._stopping:
                    return
                _, _, job = heapq.heappop(self._queue)
            self._deliver(*job)

    def _deliver(self, event, payload, endpoint, attempt, generation):
        """POST one signed attempt; record it; queue the next attempt after a failure."""
        if not self._still_wanted(endpoint, event["type"]):
            return
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": sign(payload, endpoint["secret"]),
        }
        status, error = None, None
        try:
            resp = self._session.post(endpoint["url"], data=payload.encode("utf-8"),
                                      headers=headers, timeout=self.timeout,
                                      allow_redirects=False)
            status = resp.status_code
            resp.close()
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        record = {"event_id": event["id"], "type": event["type"], "url": endpoint["url"],
                  "endpoint": endpoint.get("id"), "attempt": attempt, "status": status,
                  "error": error, "ok": ok, "at": time.time()}
        with self._cond:
            if generation != self._generation:
                return
            self.deliveries.append(record)
            if not ok and attempt < self.max_attempts and not self._stopping:
                due = time.monotonic() + self.retry_base * 2 ** (attempt - 1)
                heapq.heappush(self._queue, (due, next(self._seq),
                                             (event, payload, endpoint, attempt + 1, generation)))
                self._cond.notify()
        if ok:
            with self.state.transaction():
                stored = self.state.events.get(event["id"])
                if stored and stored["pending_webhooks"] > 0:
                    stored["pending_webhooks"] -= 1
