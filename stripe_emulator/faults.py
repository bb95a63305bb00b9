"""Fault injection: status answers, dropped connections, dropped responses, latency."""
import threading

MESSAGES = {
    429: ("invalid_request_error", "rate_limit",
          "Request rate limit exceeded. You can learn more about rate limits here "
          "https://stripe.com/docs/rate-limits."),
    409: ("invalid_request_error", "lock_timeout",
          "This object cannot be accessed right now because another API request or Stripe "
          "process is currently accessing it. If you see this error intermittently, retry the "
          "request. If you see this error frequently and are making multiple concurrent "
          "requests to a single object, make your requests serially or at a lower rate."),
}
API_ERROR = ("api_error", None, "An unknown error occurred")
MODES = ("status", "drop", "drop_response")


class Faults:
    """Rules consumed by matching requests; latency added to every API request."""

    def __init__(self):
        self._lock = threading.Lock()
        self.rules: list[dict] = []
        self.latency_ms = 0

    def reset(self):
        with self._lock:
            self.rules.clear()
            self.latency_ms = 0

    def add(self, mode="status", status=500, count=1, path=None, method=None) -> dict:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        rule = {"mode": mode, "status": int(status), "count": int(count), "path": path,
                "method": method.upper() if method else None}
        with self._lock:
            self.rules.append(rule)
        return rule

    def take(self, method: str, path: str, modes) -> dict | None:
        """Consume one use of the first matching rule whose mode is in ``modes``."""
        if not self.rules:
            return None
        with self._lock:
            for rule in self.rules:
                if rule["mode"] not in modes:
                    continue
                if rule["method"] and rule["method"] != method:
                    continue
                if rule["path"] and not path.startswith(rule["path"]):
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.rules.remove(rule)
                return dict(rule)
        return None

    @staticmethod
    def error_body(status: int):
        type_, code, message = MESSAGES.get(status, API_ERROR)
        err = {"type": type_, "message": message}
        if code:
            err["code"] = code
        return {"error": err}
