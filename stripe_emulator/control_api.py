"""The unauthenticated control API under ``/_emulator/`` (reset, faults, policy, webhooks)."""
import json

from .faults import MODES


class Control:
    """Routes ``/_emulator/*`` requests to the emulator's parts."""

    def __init__(self, emulator):
        self.emu = emulator

    def handle(self, method, path, body: bytes):
        """Return (status, JSON-able dict)."""
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {"error": "body must be JSON"}
        if not isinstance(data, dict):
            return 400, {"error": "body must be a JSON object"}
        name = path[len("/_emulator/"):].strip("/")
        parts = name.split("/")
        if method == "POST" and len(parts) == 3 and parts[0] == "checkout_sessions" and \
                parts[2] == "expire":
            return self._expire_checkout_session(parts[1])
        fn = getattr(self, f"{method.lower()}_{name.replace('/', '_')}", None)
        if fn is None:
            return 404, {"error": f"no control endpoint {method} {path}"}
        try:
            return 200, fn(data)
        except (ValueError, TypeError, KeyError) as exc:
            return 400, {"error": str(exc)}

    def _expire_checkout_session(self, session_id):
        """``POST /_emulator/checkout_sessions/{id}/expire``: time passes for one open
        Session, which expires as at its ``expires_at`` (``checkout.session.expired``)."""
        from .errors import StripeError
        from .resources.checkout_sessions import expire_now
        from .state import Ctx

        state = self.emu.state
        try:
            with state.transaction():
                ctx = Ctx(state=state, request_id=None, base_url=self.emu.url, api_key="")
                return 200, {"checkout_session": expire_now(ctx, session_id)}
        except ValueError as exc:
            return 400, {"error": str(exc)}
        except StripeError as exc:  # an unknown id
            return 404, {"error": exc.message}

    def post_checkout_sessions_expire_due(self, data):
        """``POST /_emulator/checkout_sessions/expire_due``: expire every open Session whose
        ``expires_at`` has passed (the emulator's sweeper does this each second too)."""
        return {"expired": self.emu.expire_due()}

    def get_health(self, data):
        state = self.emu.state
        with state.lock:
            counts = {name: len(getattr(state, name)) for name in
                      ("charges", "customers", "refunds", "events", "tokens")}
        return {"status": "ok", "url": self.emu.url, "objects": counts}

    def post_reset(self, data):
        self.emu.reset()
        return {"reset": True}

    def get_faults(self, data):
        faults = self.emu.faults
        return {"faults": list(faults.rules), "latency_ms": faults.latency_ms}

    def post_faults(self, data):
        mode = data.get("mode", "status")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        rule = self.emu.faults.add(mode=mode, status=data.get("status", 500),
                                   count=data.get("count", 1), path=data.get("path"),
                                   method=data.get("method"))
        return {"fault": rule}

    def delete_faults(self, data):
        self.emu.faults.reset()
        return {"faults": [], "latency_ms": 0}

    def get_latency(self, data):
        return {"ms": self.emu.faults.latency_ms}

    def post_latency(self, data):
        self.emu.faults.latency_ms = max(0, int(data.get("ms", 0)))
        return {"ms": self.emu.faults.latency_ms}

    def get_policy(self, data):
        return dict(self.emu.state.policy)

    def post_policy(self, data):
        policy = self.emu.state.policy
        for key, value in data.items():
            if key not in policy:
                raise ValueError(f"unknown policy {key!r}; known: {', '.join(policy)}")
            policy[key] = bool(value)
        self.emu.state.policy_changed()
        return dict(policy)

    def get_webhooks(self, data):
        return {"webhooks": [{"url": e["url"]} for e in self.emu.webhooks.endpoints]}

    def post_webhooks(self, data):
        url, secret = data["url"], data.get("secret")
        if not secret or not str(secret).startswith("whsec_"):
            raise ValueError("secret must start with whsec_")
        self.emu.webhooks.add_endpoint(url, secret)
        return {"url": url}

    def delete_webhooks(self, data):
        self.emu.webhooks.clear_endpoints()
        return {"webhooks": []}

    def get_deliveries(self, data):
        return {"deliveries": list(self.emu.webhooks.deliveries)}

    def get_requests(self, data):
        """``GET /_emulator/requests``: every API request received since the last reset
        or clear (method, path, status — ``dropped`` for a dropped connection —,
        idempotency key, time)."""
        entries = self.emu.requests.entries()
        return {"requests": entries, "count": len(entries)}

    def delete_requests(self, data):
        """``DELETE /_emulator/requests``: start counting again."""
        self.emu.requests.clear()
        return {"requests": [], "count": 0}
