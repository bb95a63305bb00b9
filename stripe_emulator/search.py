"""Stripe's Search query language over the emulator's indexed collections."""
import base64
import re

from .errors import invalid, missing_param
from .store import created_key

_Q = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""
_CLAUSE = re.compile(
    r"\s*(?P<neg>-)?(?P<field>metadata\[(?P<key>" + _Q + r")\]|[A-Za-z_][\w.]*)\s*"
    r"(?P<op>>=|<=|:|~|>|<|=)\s*(?P<value>" + _Q + r"|-?\d+(?:\.\d+)?|null)"
)
_JOIN = re.compile(r"\s+(AND|OR)\s+|\s+", re.IGNORECASE)
_NUMERIC_OPS = {"=": int.__eq__, ":": int.__eq__, ">": int.__gt__, "<": int.__lt__,
                ">=": int.__ge__, "<=": int.__le__}


def _unquote(text):
    if text[:1] in "'\"":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def _error(query, detail):
    return invalid(f"Invalid search query: {detail} (query: {query})", param="query")


def parse(query: str, fields: dict):
    """Return ``(joiner, [clause…])``; clause = (negate, field, key, op, value)."""
    clauses, joins, pos = [], set(), 0
    while True:
        m = _CLAUSE.match(query, pos)
        if not m:
            raise _error(query, f"could not parse the query at position {pos}")
        field, key = m["field"], m["key"]
        if key is not None:
            field, key = "metadata", _unquote(key)
        elif field not in fields:
            raise _error(query, f"Field `{field}` is an unsupported search field for "
                                "this resource")
        value = m["value"]
        clauses.append((bool(m["neg"]), field, key, m["op"],
                        None if value == "null" else _unquote(value)))
        pos = m.end()
        if pos >= len(query.rstrip()):
            break
        j = _JOIN.match(query, pos)
        if not j:
            raise _error(query, f"unexpected text at position {pos}")
        joins.add((j.group(1) or "AND").upper())
        pos = j.end()
    if len(joins) > 1:
        raise _error(query, "cannot combine AND and OR in one query")
    return (joins.pop() if joins else "AND"), clauses


def _lookup(obj, dotted):
    for part in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _match(obj, clause, fields, query):
    neg, field, key, op, value = clause
    if field == "metadata":
        actual = obj.get("metadata", {}).get(key)
        if value is None:
            hit = actual is None
        elif op == "~":
            hit = actual is not None and value.lower() in actual.lower()
        else:
            hit = actual is not None and actual.lower() == value.lower()
        return hit != neg
    kind = fields[field]
    actual = _lookup(obj, field)
    if kind == "number":
        if op not in _NUMERIC_OPS:
            raise _error(query, f"operator `{op}` is not supported on `{field}`")
        try:
            hit = actual is not None and _NUMERIC_OPS[op](int(actual), int(float(value)))
        except (TypeError, ValueError):
            raise _error(query, f"`{field}` takes a number") from None
    elif kind == "bool":
        hit = str(bool(actual)).lower() == str(value).lower()
    elif kind == "refunded":
        if value is None:
            hit = obj["amount_refunded"] == 0
        elif value.lower() == "true":
            hit = bool(obj["refunded"])
        else:
            hit = obj["amount_refunded"] > 0 and not obj["refunded"]
    elif value is None:
        hit = actual is None
    elif op == "~":
        if len(value) < 3:
            raise _error(query, "substring matches need at least 3 characters")
        hit = actual is not None and value.lower() in str(actual).lower()
    elif op == ":":
        hit = actual is not None and str(actual).lower() == value.lower()
    else:
        raise _error(query, f"operator `{op}` is not supported on `{field}`")
    return hit != neg


def _validate(clauses, fields, query):
    """Reject bad operators and values up front, whether or not anything is stored."""
    for _neg, field, _key, op, value in clauses:
        if field == "metadata":
            continue
        kind = fields[field]
        if kind == "number":
            if op not in _NUMERIC_OPS:
                raise _error(query, f"operator `{op}` is not supported on `{field}`")
            if value is not None:
                try:
                    int(float(value))
                except (TypeError, ValueError, OverflowError):
                    raise _error(query, f"`{field}` takes a number") from None
        elif kind in ("string",) and value is not None:
            if op == "~" and len(value) < 3:
                raise _error(query, "substring matches need at least 3 characters")
            if op not in (":", "~"):
                raise _error(query, f"operator `{op}` is not supported on `{field}`")


def _lookup_ids(coll, clause, fields):
    """The ids an index gives for one clause, or None when it needs a scan."""
    neg, field, key, op, value = clause
    if neg or value is None or op != ":":
        return None
    if field == "metadata":
        return coll.ids(f"metadata.{key}", value)
    if fields[field] == "string" and coll.indexed(field):
        return coll.ids(field, value)
    return None


def _created_keys(clauses):
    """The created range that every hit must fall in (AND queries), as sort keys."""
    lo = hi = None
    for neg, field, _key, op, value in clauses:
        if neg or field != "created" or value is None:
            continue
        n = int(float(value))
        if op in (":", "="):
            bounds = (n, n + 1)
        elif op in (">", ">="):
            bounds = (n + (op == ">"), None)
        else:
            bounds = (None, n + (op == "<="))
        if bounds[0] is not None:
            lo = created_key(bounds[0]) if lo is None else max(lo, created_key(bounds[0]))
        if bounds[1] is not None:
            hi = created_key(bounds[1]) if hi is None else min(hi, created_key(bounds[1]))
    return lo, hi


def _page_key(params):
    raw = params.get("page")
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(str(raw).encode()).decode()
        if not text.startswith("k:"):
            raise ValueError
        return int(text[2:])
    except ValueError:
        raise invalid("Invalid page token.", param="page") from None


def run(coll, params, url, fields, present=None):
    """Search a ``store.Collection`` newest first by ``params["query"]`` and page the hits.

    Equality clauses on metadata and indexed fields are index lookups (AND: the smallest
    index list is walked; OR of lookups: their union), ``created`` ranges are binary
    searches; only the objects walked are decoded, and the walk stops once a page (plus
    one, for ``has_more``) is found. ``next_page`` carries the last hit's position.
    """
    query = params.get("query")
    if query in (None, ""):
        raise missing_param("query")
    if not isinstance(query, str):
        raise invalid("Invalid search query.", param="query")
    joiner, clauses = parse(query, fields)
    _validate(clauses, fields, query)
    from .resources.common import parse_limit

    limit = parse_limit(params)
    page_key = _page_key(params)
    combine = all if joiner == "AND" else any
    lookups = [_lookup_ids(coll, c, fields) for c in clauses]
    if joiner == "AND" or len(clauses) == 1:
        ids = min((x for x in lookups if x is not None), key=len, default=coll.ids())
        lo_key, hi_key = _created_keys(clauses)
    elif all(x is not None for x in lookups):
        ids = sorted({i for x in lookups for i in x}, key=coll.sort_key_of)
        lo_key = hi_key = None
    else:
        ids, lo_key, hi_key = coll.ids(), None, None
    if page_key is not None:
        hi_key = page_key if hi_key is None else min(hi_key, page_key)
    lo, hi = coll.bounds(ids, lo_key, hi_key)
    hits = coll.walk(ids, lo, hi, lambda o: combine(_match(o, c, fields, query)
                                                    for c in clauses), limit + 1)
    page = hits[:limit]
    has_more = len(hits) > limit
    next_page = None
    if has_more:
        last = coll.sort_key_of(page[-1]["id"])
        next_page = base64.urlsafe_b64encode(f"k:{last}".encode()).decode()
    if present is not None:
        page = [present(o) for o in page]
    return {"object": "search_result", "data": page, "has_more": has_more,
            "next_page": next_page, "url": url}
