"""Stripe's Search query language (REFERENCE §5.9) over in-memory objects."""
import base64
import re

from .errors import invalid, missing_param

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


def run(items, params, url, fields):
    """Filter newest-first ``items`` by ``params["query"]`` and page the result."""
    query = params.get("query")
    if query in (None, ""):
        raise missing_param("query")
    joiner, clauses = parse(query, fields)
    combine = all if joiner == "AND" else any
    hits = [o for o in items if combine(_match(o, c, fields, query) for c in clauses)]
    from .resources.common import parse_limit

    limit = parse_limit(params)
    offset = 0
    if params.get("page"):
        try:
            offset = int(base64.urlsafe_b64decode(params["page"].encode()).decode())
        except ValueError:
            raise invalid("Invalid page token.", param="page") from None
    page = hits[offset: offset + limit]
    has_more = offset + limit < len(hits)
    next_page = (base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
                 if has_more else None)
    return {"object": "search_result", "data": page, "has_more": has_more,
            "next_page": next_page, "url": url}
