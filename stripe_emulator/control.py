"""EmulatorControl: a thin ``requests`` client for the ``/_emulator/`` control API."""
import requests


class EmulatorControl:
    """Drive a running emulator from tests: reset, faults, latency, policy, webhooks."""

    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method, name, body=None):
        resp = self._session.request(method, f"{self.url}/_emulator/{name}", json=body,
                                     timeout=self.timeout)
        resp.raise_for_status()
        return resp.json()

    def health(self) -> dict:
        return self._call("GET", "health")

    def reset(self) -> dict:
        """Forget all objects, idempotency keys, faults, latency, policy and deliveries."""
        return self._call("POST", "reset")

    def inject_fault(self, status: int = 500, count: int = 1, path: str | None = None,
                     method: str | None = None, mode: str = "status") -> dict:
        """Next ``count`` matching API requests answer ``status``, or ``mode="drop"`` (close
        without performing) / ``mode="drop_response"`` (perform, then close)."""
        return self._call("POST", "faults", {"mode": mode, "status": status, "count": count,
                                             "path": path, "method": method})["fault"]

    def faults(self) -> dict:
        return self._call("GET", "faults")

    def clear_faults(self) -> dict:
        """Remove every fault rule and the added latency."""
        return self._call("DELETE", "faults")

    def set_latency(self, ms: int) -> dict:
        return self._call("POST", "latency", {"ms": ms})

    def set_policy(self, **flags: bool) -> dict:
        """E.g. ``set_policy(card_tokens_end_of_life=True)``."""
        return self._call("POST", "policy", flags)

    def add_webhook(self, url: str, secret: str) -> dict:
        return self._call("POST", "webhooks", {"url": url, "secret": secret})

    def clear_webhooks(self) -> dict:
        return self._call("DELETE", "webhooks")

    def expire_checkout_session(self, session_id: str) -> dict:
        """Let time pass for one open Checkout Session: it expires now, as at its
        ``expires_at`` (``checkout.session.expired``; its PaymentIntent is canceled)."""
        return self._call("POST", f"checkout_sessions/{session_id}/expire")["checkout_session"]

    def expire_due_checkout_sessions(self) -> list[str]:
        """Expire every open Checkout Session whose ``expires_at`` has passed; their ids."""
        return self._call("POST", "checkout_sessions/expire_due")["expired"]

    def deliveries(self) -> list[dict]:
        """Every webhook delivery attempt: event_id, type, url, attempt, status, ok, error."""
        return self._call("GET", "deliveries")["deliveries"]

    events_delivered = deliveries

    def requests(self) -> list[dict]:
        """Every ``/v1/…`` request received since the last reset or clear, oldest first:
        method, path, status (``"dropped"`` when the connection was dropped),
        idempotency_key, at."""
        return self._call("GET", "requests")["requests"]

    def clear_requests(self) -> None:
        """Forget the requests received so far (count a page's calls from zero)."""
        self._call("DELETE", "requests")
