"""In-memory account state guarded by one lock, plus the request context handlers get."""
import json
import threading
import time
from dataclasses import dataclass, field

from . import API_VERSION
from .ids import new_id

_PREFIXES = {
    "tok_": "tokens", "card_": "cards", "ch_": "charges", "py_": "charges",
    "cus_": "customers", "re_": "refunds", "evt_": "events", "txn_": "balance_transactions",
    "dp_": "disputes",
}
COLLECTIONS = tuple(dict.fromkeys(_PREFIXES.values()))


class State:
    """All objects of the emulated account; mutate only while holding ``lock``."""

    def __init__(self):
        self.lock = threading.RLock()
        self.event_listeners = []  # callables(event_dict) run under the lock
        self.endpoint_count = lambda: 0  # number of webhook endpoints (set by the server)
        self.reset()

    def reset(self):
        with self.lock:
            for name in COLLECTIONS:
                setattr(self, name, {})
            self.card_behaviour: dict[str, str | None] = {}
            self.card_numbers: dict[str, str] = {}
            self.deleted_customers: set[str] = set()
            self.policy = {"card_tokens_end_of_life": False}

    def get(self, obj_id: str):
        """Any stored object by id (used by ``expand``)."""
        for prefix, name in _PREFIXES.items():
            if obj_id.startswith(prefix):
                return getattr(self, name).get(obj_id)
        return None

    def emit(self, ctx, type_: str, obj: dict) -> dict:
        """Record an event with a snapshot of ``obj`` and hand it to listeners."""
        event = {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": json.loads(json.dumps(obj))},
            "livemode": False,
            "pending_webhooks": self.endpoint_count(),
            "request": {"id": ctx.request_id if ctx else None,
                        "idempotency_key": ctx.idempotency_key if ctx else None},
            "type": type_,
        }
        self.events[event["id"]] = event
        for listener in self.event_listeners:
            listener(event)
        return event


@dataclass
class Ctx:
    """What a handler knows about the request it serves."""

    state: State
    request_id: str
    base_url: str
    api_key: str
    idempotency_key: str | None = None
    client_ip: str | None = None
    now: int = field(default_factory=lambda: int(time.time()))

    def emit(self, type_, obj):
        return self.state.emit(self, type_, obj)
