"""Verifying Stripe's webhook signatures and the shape of the events they carry.

Three different answers, so whoever debugs a delivery knows what is wrong:
WebhookVerificationError (the signature does not prove the body came from Stripe),
WebhookPayloadError "invalid JSON payload" (signed or not, the body is not JSON), and
WebhookPayloadError "malformed event: …" (signed JSON, but not an event this store can
read: an array, no id, no data.object, a charge without an amount, …).
"""

import json
import re
import time
from decimal import Decimal
from itertools import accumulate

import stripe

#: Seconds a signature's timestamp may be old (Stripe's default) or ahead of our clock.
TOLERANCE = 300
#: How deep objects and arrays may nest. Stripe's events nest under ten levels; a body
#: nested thousands deep would exhaust the JSON parser's (or any later walk's) recursion.
MAX_DEPTH = 64
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
#: An opening bracket counts 2 - 1 = +1 level, a closing one 0 - 1 = -1.
_LEVELS = str.maketrans({"[": "\x02", "{": "\x02", "]": "\x00", "}": "\x00"})


class WebhookVerificationError(Exception):
    """The payload's Stripe-Signature header is missing, wrong, stale or from the future."""


class WebhookPayloadError(Exception):
    """The payload is not JSON, or not a Stripe event the store can read."""


def verify_event(payload, signature, secret, *, tolerance=TOLERANCE):
    """Return the verified event as a plain dict; raise one of the two errors above."""
    if not secret:
        raise WebhookVerificationError("STRIPE_WEBHOOK_SECRET is not configured.")
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    except UnicodeDecodeError:
        raise WebhookPayloadError("invalid JSON payload") from None  # JSON is UTF-8
    try:
        stripe.WebhookSignature.verify_header(text, signature or "", secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise WebhookVerificationError(str(exc.user_message or exc)) from exc
    if _timestamp(signature) > time.time() + tolerance:
        raise WebhookVerificationError("The signature's timestamp is in the future.")
    if too_deep(text):
        raise WebhookPayloadError("invalid JSON payload")
    try:
        event = json.loads(text)
    except (ValueError, RecursionError):
        raise WebhookPayloadError("invalid JSON payload") from None
    check_event(event)
    return event


def too_deep(text, *, limit=MAX_DEPTH):
    """Whether JSON `text` nests objects/arrays more than `limit` deep, found without
    parsing or recursion (brackets inside strings do not count): linear, about 70 ms for
    a 1 MiB body of nothing but brackets."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    steps = (level - 1 for level in brackets.translate(_LEVELS).encode())
    return max(accumulate(steps), default=0) > limit


def _timestamp(header):
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            return int(value)  # verify_header has checked it is an integer
    return 0


# --- The shape of an event ------------------------------------------------------------

_INT_MAX = 2**31 - 1
_ANY = object()


def _malformed(detail):
    return WebhookPayloadError(f"malformed event: {detail}")


def _walk_strings(value):
    """Every key and string in a parsed JSON value (a loop, not recursion)."""
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from value.keys()
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _text(obj, name, *, max_len, required=False, what):
    value = obj.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise _malformed(f"{what} `{name}` must be a string of 1 to {max_len} characters")


def _integer(obj, name, *, low=0, high=_INT_MAX, required=False, what):
    value = obj.get(name)
    if value is None and not required:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _malformed(f"{what} `{name}` must be an integer from {low} to {high}")


def _mapping(obj, name, *, what):
    value = obj.get(name)
    if value is not None and not isinstance(value, dict):
        raise _malformed(f"{what} `{name}` must be an object")
    return value or {}


def _metadata(obj, *, what):
    metadata = _mapping(obj, "metadata", what=what)
    for key, value in metadata.items():
        if not isinstance(value, str) or len(value) > 500:
            raise _malformed(f"{what} metadata `{key}` must be a string (Stripe's are)")


def _expandable(obj, name, *, what, check=None):
    """An expandable field: null, an id, or the expanded object (`check` checks it; else
    only its `id`, the one thing the store reads of it)."""
    value = obj.get(name)
    if isinstance(value, dict):
        if check is not None:
            check(value)
        else:
            _text(value, "id", max_len=255, required=True, what=name)
    else:
        _text(obj, name, max_len=255, what=what)


def _objects(obj, name, *, what):
    """An array of objects (or nothing)."""
    value = obj.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _malformed(f"{what} `{name}` must be an array of objects")
    return value


def _percentage(obj, name, *, what):
    """A tax rate's percentage: a number from 0 to 100 with at most 4 decimals (what the
    store writes as "19.0", "6.25")."""
    value = obj.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not 0 <= value <= 100 or Decimal(str(value)).as_tuple().exponent < -4:
        raise _malformed(f"{what} `{name}` must be a number from 0 to 100")


def _check_charge(obj):
    what = "charge"
    _text(obj, "id", max_len=255, required=True, what=what)
    _text(obj, "status", max_len=20, required=True, what=what)
    _text(obj, "currency", max_len=3, required=True, what=what)
    _integer(obj, "amount", required=True, what=what)
    _integer(obj, "amount_refunded", what=what)
    _integer(obj, "created", high=253402300799, what=what)  # up to year 9999
    _metadata(obj, what=what)
    for name in ("payment_intent", "customer", "payment_method"):
        _expandable(obj, name, what=what)
    card = _mapping(_mapping(obj, "payment_method_details", what=what), "card", what=what)
    for name, size in (("brand", 40), ("last4", 4), ("country", 2), ("funding", 20)):
        _text(card, name, max_len=size, what="card")
    for name in ("exp_month", "exp_year"):
        _integer(card, name, high=9999, what="card")
    outcome = _mapping(obj, "outcome", what=what)
    for name in ("type", "risk_level"):
        _text(outcome, name, max_len=40, what="outcome")
    _text(outcome, "seller_message", max_len=5000, what="outcome")
    _text(obj, "failure_code", max_len=80, what=what)
    for name in ("failure_message", "receipt_url"):
        _text(obj, name, max_len=5000, what=what)
    txn = obj.get("balance_transaction")
    if isinstance(txn, dict):
        _text(txn, "id", max_len=255, required=True, what="balance_transaction")
    else:
        _text(obj, "balance_transaction", max_len=255, what=what)


def _check_refund(obj):
    what = "refund"
    _text(obj, "id", max_len=255, required=True, what=what)
    _text(obj, "currency", max_len=3, required=True, what=what)
    _integer(obj, "amount", required=True, what=what)
    _text(obj, "charge", max_len=255, what=what)
    _expandable(obj, "payment_intent", what=what)
    _text(obj, "reason", max_len=40, what=what)
    _text(obj, "status", max_len=20, what=what)
    _metadata(obj, what=what)
    row = (obj.get("metadata") or {}).get("refund_row")
    if row is not None and not (row.isascii() and row.isdigit() and len(row) <= 9):
        raise _malformed("refund metadata `refund_row` must be a row number")


def _check_dispute(obj):
    what = "dispute"
    _text(obj, "id", max_len=255, what=what)
    _text(obj, "charge", max_len=255, required=True, what=what)
    _integer(obj, "amount", what=what)
    _text(obj, "currency", max_len=3, what=what)
    _text(obj, "reason", max_len=80, what=what)
    _text(obj, "status", max_len=40, what=what)


def _check_intent(obj):
    """A PaymentIntent (`payment_intent.*`, or expanded on a Session)."""
    what = "payment_intent"
    _text(obj, "id", max_len=255, required=True, what=what)
    _text(obj, "status", max_len=40, what=what)
    _integer(obj, "amount", what=what)
    _text(obj, "currency", max_len=3, what=what)
    _metadata(obj, what=what)
    for name in ("customer", "payment_method"):
        _expandable(obj, name, what=what)
    _expandable(obj, "latest_charge", what=what, check=_check_charge)
    _text(obj, "client_secret", max_len=5000, what=what)
    error = _mapping(obj, "last_payment_error", what=what)
    for name in ("code", "decline_code"):
        _text(error, name, max_len=80, what="last_payment_error")
    _text(error, "message", max_len=5000, what="last_payment_error")
    _expandable(error, "payment_method", what="last_payment_error")


def _check_session(obj):
    """A Checkout Session (`checkout.session.*`), with what its tax is read from."""
    what = "checkout.session"
    _text(obj, "id", max_len=255, required=True, what=what)
    _text(obj, "client_reference_id", max_len=255, what=what)
    for name in ("status", "payment_status"):
        _text(obj, name, max_len=40, what=what)
    _integer(obj, "amount_total", what=what)
    _text(obj, "currency", max_len=3, what=what)
    _metadata(obj, what=what)
    _expandable(obj, "customer", what=what)
    _expandable(obj, "payment_intent", what=what, check=_check_intent)
    _text(obj, "url", max_len=5000, what=what)
    _text(_mapping(obj, "automatic_tax", what=what), "status", max_len=40,
          what="automatic_tax")
    totals = _mapping(obj, "total_details", what=what)
    _integer(totals, "amount_tax", what="total_details")
    breakdown = _mapping(totals, "breakdown", what="total_details")
    for tax in _objects(breakdown, "taxes", what="breakdown"):
        _integer(tax, "amount", what="tax")
        _text(tax, "taxability_reason", max_len=40, what="tax")
        rate = _mapping(tax, "rate", what="tax")
        _percentage(rate, "percentage", what="tax rate")
        _text(rate, "country", max_len=2, what="tax rate")
    details = _mapping(obj, "customer_details", what=what)
    _text(_mapping(details, "address", what="customer_details"), "country", max_len=2,
          what="address")
    for tax_id in _objects(details, "tax_ids", what="customer_details"):
        _text(tax_id, "value", max_len=255, what="tax_id")


def _check_customer_field(obj, what):
    customer = obj.get("customer")
    if isinstance(customer, dict):
        _text(customer, "id", max_len=255, required=True, what="customer")
    else:
        _text(obj, "customer", max_len=255, what=what)


def _check_card(obj):
    """A legacy card (`customer.source.*`) or a PaymentMethod (`payment_method.*`)."""
    what = obj.get("object") if obj.get("object") in ("card", "payment_method") else "source"
    _text(obj, "id", max_len=255, required=True, what=what)
    _check_customer_field(obj, what)
    card = _mapping(obj, "card", what=what) if what == "payment_method" else obj
    for name, size in (("brand", 40), ("last4", 4), ("funding", 20)):
        _text(card, name, max_len=size, what="card")
    for name in ("exp_month", "exp_year"):
        _integer(card, name, high=9999, what="card")


def _check_customer(obj):
    _text(obj, "id", max_len=255, required=True, what="customer")


def _object_check(event_type):
    if event_type.startswith(("customer.source.", "payment_method.")):
        return _check_card
    if event_type == "customer.deleted":
        return _check_customer
    if event_type.startswith("charge.dispute."):
        return _check_dispute
    if event_type.startswith("charge.refund."):  # charge.refund.updated carries a refund
        return _check_refund
    if event_type.startswith("charge."):
        return _check_charge
    if event_type.startswith("refund."):
        return _check_refund
    if event_type.startswith("payment_intent."):
        return _check_intent
    if event_type.startswith("checkout.session."):
        return _check_session
    return None


def check_event(event):
    """Raise WebhookPayloadError unless `event` has what the handlers read, well typed."""
    if not isinstance(event, dict):
        raise _malformed("the body must be a JSON object, not "
                         f"{type(event).__name__.replace('list', 'an array')}")
    if any("\x00" in text for text in _walk_strings(event)):
        raise _malformed("it contains a NUL character")
    _text(event, "id", max_len=255, required=True, what="event")
    _text(event, "type", max_len=100, required=True, what="event")
    _integer(event, "created", high=253402300799, what="event")  # up to year 9999
    data = event.get("data")
    if not isinstance(data, dict):
        raise _malformed("`data` must be an object")
    if not isinstance(data.get("object"), dict):
        raise _malformed("`data.object` must be an object")
    check = _object_check(event["type"])
    if check is not None:
        check(data["object"])
