"""Account state: compact indexed collections (``store.py``) guarded by one lock, the
events they emit, and the request context handlers get."""
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field

from . import API_VERSION
from .ids import new_id
from .store import Codec, Collection, dumps

_PREFIXES = {
    "tok_": "tokens", "card_": "cards", "ch_": "charges", "py_": "charges",
    "cus_": "customers", "re_": "refunds", "evt_": "events", "txn_": "balance_transactions",
    "dp_": "disputes", "pm_": "payment_methods", "pi_": "payment_intents",
    "seti_": "setup_intents", "cs_": "checkout_sessions", "we_": "webhook_endpoints",
    "taxcalc_": "tax_calculations", "tax_": "tax_transactions",
}
COLLECTIONS = tuple(dict.fromkeys(_PREFIXES.values()))
# Fields each collection indexes for equality lookups (lists' filters, search clauses).
INDEXES = {
    "charges": ("customer", "status", "currency", "payment_intent"),
    "customers": ("email",),
    "refunds": ("charge",),
    "events": ("type",),
    "balance_transactions": ("source", "type"),
    "disputes": ("charge",),
    "payment_methods": ("customer",),
    "payment_intents": ("customer", "status"),
    "setup_intents": ("customer", "payment_method"),
    "checkout_sessions": ("payment_intent", "customer", "status"),
}


class Snapshot(str):
    """An object's JSON captured when an event is emitted (serialized once, never copied)."""


def _event_dumps(event) -> str:
    data = event["data"]
    obj = data.get("object")
    if not isinstance(obj, Snapshot):
        return dumps(event)
    rest = {k: v for k, v in data.items() if k != "object"}
    inner = '{"object":' + obj + ("," + dumps(rest)[1:] if rest else "}")
    envelope = dumps({k: v for k, v in event.items() if k != "data"})
    return '{"data":' + inner + "," + envelope[1:]


class State:
    """All objects of the emulated account; use them inside ``with state.transaction():``."""

    def __init__(self):
        """Empty collections, the lock, no listeners (the server adds its dispatcher)."""
        self.lock = threading.RLock()
        self.event_listeners = []  # callables(event_dict) run under the lock
        # number of webhook endpoints that get events of a type (any: None); set by the server
        self.endpoint_count = lambda type_=None: 0
        self.codec = Codec()
        self.clock = lambda: int(time.time())
        self.persistence = None  # a persist.StateFile when the state lives in a file
        self._depth = 0
        self._owner = None
        self._pending_events: list[str] = []
        self._deleted: list[tuple[str, str]] = []
        for name in COLLECTIONS:
            if name == "events":
                coll = Collection(self, name, INDEXES.get(name, ()), dumps_fn=_event_dumps,
                                  shape_fn=lambda e: "events:" + str(e.get("type")))
            elif name == "balance_transactions":
                coll = Collection(self, name, INDEXES.get(name, ()), on_new=self._add_to_balance)
            else:
                coll = Collection(self, name, INDEXES.get(name, ()))
            setattr(self, name, coll)
        self.reset()

    def _add_to_balance(self, txn):
        currency = txn["currency"]
        self.balance_totals[currency] = self.balance_totals.get(currency, 0) + txn["net"]

    def collections(self):
        return [getattr(self, name) for name in COLLECTIONS]

    def reset(self):
        with self.lock:
            for coll in self.collections():
                coll.clear()
            self.codec.clear()
            self.card_behaviour: dict[str, str | None] = {}
            self.card_numbers: dict[str, str] = {}
            self.deleted_customers: set[str] = set()
            self.policy = {"card_tokens_end_of_life": False}
            self.balance_totals: dict[str, int] = {}  # currency -> sum of nets (GET /v1/balance)
            self._pending_events = []
            self._deleted = []
            if self.persistence is not None:
                self.persistence.clear()

    # --- transactions -------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self):
        """Hold the lock; at the outermost exit encode what changed, update indexes, save
        to the state file (if any) and hand new events to the listeners."""
        with self.lock:
            self._depth += 1
            self._owner = threading.get_ident()
            try:
                yield self
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._commit()

    def in_transaction(self) -> bool:
        return self._depth > 0 and self._owner == threading.get_ident()

    def write_through(self, coll):
        """A store outside any transaction (scripts, tests): commit it at once."""
        with self.transaction():
            pass

    def policy_changed(self):
        """Save the policy flags (set through the control API) to the state file."""
        with self.transaction():
            if self.persistence is not None:
                self.persistence.dirty = True

    def deleted(self, coll, obj_id):
        self._deleted.append((coll.name, obj_id))

    def _commit(self):
        written = [(coll.name, row) for coll in self.collections() for row in coll.flush()]
        deleted, self._deleted = self._deleted, []
        if self.persistence is not None and (written or deleted or self.persistence.dirty):
            self.persistence.write(self, written, deleted)
        events, self._pending_events = self._pending_events, []
        if events and self.event_listeners and self.endpoint_count():
            for event_id in events:
                if event_id in self.events:
                    event = json.loads(self.events.text(event_id))
                    for listener in self.event_listeners:
                        listener(event)

    # --- lookups and events -------------------------------------------------------------
    def get(self, obj_id: str):
        """Any stored object by id (used by ``expand``)."""
        if not isinstance(obj_id, str):
            return None
        for prefix, name in _PREFIXES.items():
            if obj_id.startswith(prefix):
                return getattr(self, name).get(obj_id)
        return None

    def emit(self, ctx, type_: str, obj: dict) -> dict:
        """Record an event with a snapshot of ``obj`` (its JSON, taken now) for the listeners,
        which get it when the request's transaction ends."""
        event = {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": ctx.now if ctx else self.clock(),
            "data": {"object": Snapshot(dumps(obj))},
            "livemode": False,
            "pending_webhooks": self.endpoint_count(type_),
            "request": {"id": ctx.request_id if ctx else None,
                        "idempotency_key": ctx.idempotency_key if ctx else None},
            "type": type_,
        }
        with self.transaction():
            self.events[event["id"]] = event
            self._pending_events.append(event["id"])
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
    publishable: bool = False  # authenticated by a publishable key (Stripe.js in a browser)
    api_version: str = API_VERSION  # the request's Stripe-Version, or the account default

    def emit(self, type_, obj):
        return self.state.emit(self, type_, obj)
