"""Request generators for fuzzing every route: used by tests/hardening/test_fuzz_routes.py
(Flask's test client, a fixed budget in `make test`) and scripts/fuzz.py (`make fuzz`,
10,000+ requests against a real server process).

A request is drawn for one URL rule and method: its path parameters, query parameters and
form fields (or, for the webhook, a JSON body that may be validly signed) come from a mix
of plausible values (a real course slug, order id, PaymentIntent or Checkout Session id,
CSRF token; the query names Stripe.js and Checkout put on the return pages) and hostile
ones: NUL
bytes, 20-digit and negative integers, non-ASCII digits, exponents, overlong strings,
impossible or extreme dates, arrays where objects belong, markup and SQL, and JSON nested
thousands of levels deep. `regressions` lists the exact requests that once got a 500, sent
on every run.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import strategies as st

NASTY = [
    "", " ", "\x00", "a\x00b", "%00", "0", "-1", "1", "99999999999999999999",
    "-99999999999999999999", "2147483648", "9223372036854775808", "1e999999", "0.1e1",
    "1_0", "١٢", "５", "Infinity", "NaN", "-0", "0x10", "12.345", "69.00", "0.00",
    "9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "9999-12-31T23:59:59_1",
    "2026-01-01T00:00:00_99999999999999999999", "x" * 5000, "ORD-", "ORD-" + "A" * 300,
    "tok_", "tok_" + "a" * 300, "tok_visa", "ch_", "<script>alert(1)</script>",
    "' OR 1=1 --", "../../etc/passwd", "\u202e", "😀", "null", "[]", "{}", "true",
    "a@b", "@", "owner@example.com", "ADMIN@EXAMPLE.COM", "test", "live", "paid",
    "failed", "pending", "refunded", "requested_by_customer", "duplicate", "y", "on",
    "javascript:alert(1)", "//evil.example/", "/admin/purchases", "https://evil.example/",
    "\r\nX-Injected: 1", "%", "%zz", "\ufeff", "\x7f", "＝1+1", "٠", "30", "365", "all",
    "FR", "fr", "US", "ZZ",
]
PARAM_NAMES = ["status", "course", "from", "to", "mode", "q", "after", "before", "period",
               "fragment", "next", "endpoint", "_method", "_external", "_anchor", "_scheme",
               "values", "page", "x",
               # What Stripe.js and Checkout put on the return and success pages' URLs.
               "payment_intent", "payment_intent_client_secret", "redirect_status",
               "session_id"]
FORM_NAMES = ["stripeToken", "stripeEmail", "email", "password", "amount", "reason",
              "idempotency_key", "confirm", "course_id", "position", "direction", "card_id",
              "save_card", "key", "title", "body", "slug", "price", "currency", "country",
              "immediate_access_consent", "code", "teacher_name", "teacher_bio",
              "learning_points", "alt", "free_preview", "picture_alt", "add_picture", "x"]
EVENT_TYPES = ["charge.succeeded", "charge.failed", "charge.refunded", "charge.updated",
               "charge.captured", "refund.created", "refund.updated", "refund.failed",
               "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
               "ping", "customer.created",
               "payment_intent.succeeded", "payment_intent.payment_failed",
               "payment_intent.canceled", "payment_intent.requires_action",
               "payment_intent.processing",
               "checkout.session.completed", "checkout.session.expired",
               "checkout.session.async_payment_succeeded",
               "checkout.session.async_payment_failed"]


def text_values(known=()):
    """Text that may be valid (`known`), plausible or hostile."""
    options = [st.sampled_from(NASTY), st.text(max_size=30),
               st.integers().map(str), st.dates().map(lambda d: d.isoformat()),
               st.floats(allow_nan=True, allow_infinity=True).map(repr)]
    if known:
        options.insert(0, st.sampled_from(list(known)))
    return st.one_of(*options)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text_values(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text_values(), inner,
                                                                max_size=3),
    max_leaves=8,
)


def deep_json(depth):
    """JSON text nested `depth` levels: arrays, objects, or an event whose metadata nests."""
    arrays = "[" * depth + "]" * depth
    objects = '{"a":' * depth + "1" + "}" * depth
    event = ('{"id": "evt_deep", "type": "charge.succeeded", "data": {"object": '
             '{"id": "ch_deep", "metadata": ' + objects + "}}}")
    return [arrays.encode(), objects.encode(), event.encode()]


#: Nesting depths around the webhook's limit and far past the parser's recursion.
DEEP_JSON = st.sampled_from([65, 1000, 5000, 100_000]).flatmap(
    lambda depth: st.sampled_from(deep_json(depth)))


def _maybe(strategy):
    return st.one_of(st.none(), strategy, json_values)


def stripe_objects(known):
    """Charge-, refund-, dispute-, PaymentIntent- and Checkout Session-shaped objects with
    fields of the right or wrong type (ids and references too)."""
    ids = text_values(known.get("charge_ids", ()))
    metadata = st.one_of(
        json_values,
        st.fixed_dictionaries({}, optional={
            "order_id": text_values(known.get("references", ())),
            "refund_row": text_values(["1", "2", "99999999999999999999"]),
        }),
    )
    return st.fixed_dictionaries({}, optional={
        "id": st.one_of(ids, text_values(known.get("intent_ids", ())),
                        text_values(known.get("session_ids", ())), json_values),
        "object": st.sampled_from(["charge", "refund", "dispute", "payment_intent",
                                   "checkout.session"]),
        "payment_intent": _maybe(text_values(known.get("intent_ids", ()))),
        "latest_charge": _maybe(ids),
        "client_reference_id": _maybe(text_values(known.get("references", ()))),
        "payment_status": _maybe(st.sampled_from(["paid", "unpaid", "no_payment_required"])),
        "customer": _maybe(text_values(["cus_1"])),
        "payment_method": _maybe(text_values(["pm_1"])),
        "client_secret": _maybe(text_values()), "url": _maybe(text_values()),
        "amount": _maybe(st.integers()), "amount_refunded": _maybe(st.integers()),
        "amount_total": _maybe(st.integers()),
        "currency": _maybe(st.sampled_from(["usd", "jpy", "USD", "xxxx"])),
        "status": _maybe(st.sampled_from(["succeeded", "failed", "pending", "canceled",
                                          "requires_payment_method", "requires_action",
                                          "processing", "complete", "open", "expired",
                                          "needs_response", "won", "lost"])),
        "paid": _maybe(st.booleans()), "refunded": _maybe(st.booleans()),
        "disputed": _maybe(st.booleans()), "livemode": _maybe(st.booleans()),
        "created": _maybe(st.integers()), "charge": _maybe(ids), "metadata": metadata,
        "reason": _maybe(text_values()),
        "payment_method_details": _maybe(st.fixed_dictionaries({}, optional={
            "card": _maybe(st.fixed_dictionaries({}, optional={
                "brand": _maybe(text_values()), "last4": _maybe(text_values()),
                "exp_month": _maybe(st.integers()), "country": _maybe(text_values()),
            }))})),
        "outcome": _maybe(st.fixed_dictionaries({}, optional={"type": _maybe(text_values())})),
        "last_payment_error": _maybe(st.fixed_dictionaries({}, optional={
            "code": _maybe(text_values()), "decline_code": _maybe(text_values()),
            "message": _maybe(text_values()), "payment_method": _maybe(text_values())})),
        "automatic_tax": _maybe(st.fixed_dictionaries({}, optional={
            "enabled": _maybe(st.booleans()), "status": _maybe(text_values(["complete"]))})),
        "total_details": _maybe(st.fixed_dictionaries({}, optional={
            "amount_tax": _maybe(st.integers()),
            "breakdown": _maybe(st.fixed_dictionaries({}, optional={"taxes": _maybe(
                st.lists(_maybe(st.fixed_dictionaries({}, optional={
                    "amount": _maybe(st.integers()),
                    "rate": _maybe(st.fixed_dictionaries({}, optional={
                        "percentage": _maybe(st.floats()),
                        "country": _maybe(text_values())})),
                })), max_size=2))}))})),
        "customer_details": _maybe(st.fixed_dictionaries({}, optional={
            "address": _maybe(st.fixed_dictionaries({}, optional={
                "country": _maybe(text_values())})),
            "tax_ids": _maybe(st.lists(_maybe(st.fixed_dictionaries(
                {}, optional={"value": _maybe(text_values())})), max_size=2))})),
        "balance_transaction": _maybe(text_values()),
    })


def events(known):
    """Event-shaped bodies: well-formed events with odd objects, odd tops, or any JSON."""
    event_ids = st.uuids().map(lambda u: f"evt_{u.hex}")
    well_formed = st.fixed_dictionaries({
        "id": event_ids, "type": st.sampled_from(EVENT_TYPES),
        "data": st.fixed_dictionaries({"object": stripe_objects(known)}),
    })
    data = st.one_of(json_values, st.fixed_dictionaries({"object": st.one_of(
        stripe_objects(known), json_values)}))
    loose = st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(EVENT_TYPES), text_values())},
        optional={"id": st.one_of(event_ids, json_values), "data": data,
                  "object": st.just("event")},
    )
    return st.one_of(well_formed, loose, json_values)


@dataclass
class FuzzRequest:
    """One request to send: path already percent-encoded."""

    method: str
    path: str
    query: list = field(default_factory=list)
    form: list | None = None
    body: bytes | None = None
    sign: bool = False
    valid_csrf: bool = True

    def describe(self):
        return f"{self.method} {self.path} query={self.query!r} form={self.form!r} " \
               f"body={self.body[:200]!r}" if self.body else \
               f"{self.method} {self.path} query={self.query!r} form={self.form!r}"


def targets(url_map):
    """(rule, method) pairs of every route."""
    found = []
    for rule in url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule, method))
    return sorted(found, key=lambda t: (t[0].rule, t[1]))


_VARIABLE = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")


def _path(rule, values):
    """The rule's URL with each variable replaced by its percent-encoded value."""

    def fill(match):
        safe = "/" if match.group(1) == "path" else ""
        return quote(values[match.group(2)], safe=safe) or "%20"

    return _VARIABLE.sub(fill, rule.rule)


def requests_for(rule, method, known):
    """A strategy of FuzzRequests for one rule and method."""
    path_values = st.fixed_dictionaries({
        name: text_values(known.get(name, ())) for name in sorted(rule.arguments)
    })
    query = st.lists(st.tuples(st.sampled_from(PARAM_NAMES) | text_values(),
                               text_values(known.get("query", ()))), max_size=4)
    if rule.endpoint == "webhooks.stripe_event":
        body = st.one_of(
            events(known).map(lambda e: json.dumps(e).encode()),
            json_values.map(lambda e: json.dumps(e).encode()),
            st.binary(max_size=200),
            st.sampled_from([b"", b"{", b"[]", b"null", b'{"id": 1}', b"\xff\xfe"]),
            DEEP_JSON,
        )
        return st.builds(FuzzRequest, method=st.just(method), path=st.just(rule.rule),
                         query=query, body=body, sign=st.booleans())
    form = None
    if method == "POST":
        form = st.lists(st.tuples(st.sampled_from(FORM_NAMES) | text_values(),
                                  text_values(known.get("form", ()))), max_size=6)
    return st.builds(
        FuzzRequest, method=st.just(method),
        path=path_values.map(lambda values: _path(rule, values)), query=query,
        form=form if form is not None else st.none(),
        valid_csrf=st.integers(0, 9).map(lambda n: n > 0),
    )


#: Integers past every column's range and digits int() takes but the store does not.
BAD_IDS = ["99999999999999999999", "9223372036854775808", "2147483648", "-1", "0", "١٢",
           "1_0", " 1", "1e3"]


def regressions(known):
    """The requests that once answered 500 (issue 15), sent on every fuzz run: the admin's
    manual grant and lesson forms with out-of-range integers (OverflowError on SQLite),
    validly signed webhooks nested 5,000 deep (RecursionError in the JSON parser), and
    validly signed events whose object has the wrong shape (`mistyped_objects`)."""
    found = []
    buyer, slug = known["buyer_id"][0], known["slug"][0]
    lesson = known["lesson_id"][0]
    for bad in BAD_IDS:
        found.append(FuzzRequest("POST", f"/admin/buyers/{buyer}/access",
                                 form=[("course_id", bad), ("reason", "fuzz")]))
        for action, extra in (("move", ("direction", "up")), ("delete", ("confirm", "y"))):
            found.append(FuzzRequest("POST", f"/admin/courses/{slug}/lessons/{lesson}/{action}",
                                     form=[("position", bad), extra]))
        for path in (f"/admin/buyers/{quote(bad)}", f"/courses/{slug}/lessons/{quote(bad)}",
                     f"/admin/courses/{slug}/lessons/{quote(bad)}",
                     f"/admin/buyers/{buyer}/access/{quote(bad)}/revoke"):
            found.append(FuzzRequest("GET" if "revoke" not in path else "POST", path,
                                     form=[("reason", "fuzz")] if "revoke" in path else None))
        found.append(FuzzRequest("GET", "/admin/purchases", query=[("course", bad)]))
    for depth in (65, 5000, 100_000):
        for body in deep_json(depth):
            found.append(FuzzRequest("POST", "/webhooks/stripe", body=body, sign=True))
    charge = known["charge_ids"][0]
    for number, (event_type, obj) in enumerate(mistyped_objects(charge)):
        event = {"id": f"evt_regression_{number}", "type": event_type,
                 "data": {"object": obj}}
        found.append(FuzzRequest("POST", "/webhooks/stripe",
                                 body=json.dumps(event).encode(), sign=True))
    return found


def mistyped_objects(charge):
    """Validly signed objects of the wrong shape that once answered 500 (AttributeError,
    OverflowError, TypeError, ProgrammingError in the flows), `charge` a real charge."""
    return [
        ("payment_intent.succeeded", {"id": "pi_nope", "metadata": "x"}),
        ("payment_intent.payment_failed", {"id": 5}),
        ("payment_intent.succeeded", {"id": 99999999999999999999}),
        ("checkout.session.completed", {"id": {"a": 1}}),
        ("checkout.session.expired", {"id": "cs_x", "client_reference_id": 7}),
        ("charge.dispute.created", {"id": "dp_1", "charge": charge, "amount": {"a": 1}}),
        ("charge.dispute.created", {"id": "dp_2", "charge": charge, "status": {"a": 1}}),
        ("charge.dispute.created", {"id": "dp_3", "charge": charge, "amount": 2**63}),
    ]
