"""Helpers shared by resources: lists and pagination, created filters, metadata, expand."""
from ..currencies import parse_int
from ..errors import StripeError, invalid, no_such
from ..store import created_key

_CREATED_OPS = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}


def lookup(collection: dict, kind: str, obj_id, param="id") -> dict:
    """The stored object, or Stripe's resource_missing error ("No such charge: 'ch_x'")."""
    obj = collection.get(obj_id)
    if obj is None:
        raise no_such(kind, obj_id, param)
    return obj


def parse_limit(params, default=10) -> int:
    raw = params.get("limit")
    if raw in (None, ""):
        return default
    limit = parse_int(raw, "limit")
    if limit < 1:
        raise invalid("This value must be greater than or equal to 1.", param="limit")
    if limit > 100:
        raise invalid("This value must be less than or equal to 100.", param="limit")
    return limit


def filter_created(items, params, field="created"):
    """Apply ``created=N`` or ``created[gt|gte|lt|lte]=N``."""
    cond = params.get(field)
    if cond in (None, ""):
        return items
    if not isinstance(cond, dict):
        value = parse_int(cond, field)
        return [o for o in items if o[field] == value]
    checks = []
    for op, raw in cond.items():
        if op not in _CREATED_OPS:
            raise invalid(f"Received unknown parameter: {field}[{op}]", param=f"{field}[{op}]")
        checks.append((_CREATED_OPS[op], parse_int(raw, f"{field}[{op}]")))
    return [o for o in items if all(fn(o[field], v) for fn, v in checks)]


def created_range(params, field="created"):
    """``created=N`` / ``created[gt|gte|lt|lte]=N`` as a half-open sort-key range."""
    cond = params.get(field)
    if cond in (None, ""):
        return None, None
    if not isinstance(cond, dict):
        value = parse_int(cond, field)
        return created_key(value), created_key(value + 1)
    lo = hi = None
    for op, raw in cond.items():
        if op not in _CREATED_OPS:
            raise invalid(f"Received unknown parameter: {field}[{op}]", param=f"{field}[{op}]")
        value = parse_int(raw, f"{field}[{op}]")
        if op in ("gt", "gte"):
            key = created_key(value + (op == "gt"))
            lo = key if lo is None else max(lo, key)
        else:
            key = created_key(value + (op == "lte"))
            hi = key if hi is None else min(hi, key)
    return lo, hi


def list_page(coll, params, url, kind, *, where=None, match=None):
    """A newest-first page of a ``store.Collection`` for a list endpoint.

    ``where`` holds exact-equality filters (``None``/``""`` values are ignored); the most
    selective indexed one picks the ids to walk. ``match`` is any further predicate.
    ``created`` filters and the ``starting_after``/``ending_before`` cursors are binary
    searches over the (created, insertion)-ordered ids, so a page costs the same however
    many objects there are.
    """
    limit = parse_limit(params)
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise invalid("You may only specify one of these parameters: ending_before, "
                      "starting_after.")
    where = {f: v for f, v in (where or {}).items() if v not in (None, "")}
    ids = coll.ids()
    for name, value in where.items():
        if coll.indexed(name) and isinstance(value, str):
            candidates = coll.ids(name, value)
            if len(candidates) < len(ids):
                ids = candidates
    lo_key, hi_key = created_range(params)
    lo, hi = coll.bounds(ids, lo_key, hi_key)

    def wanted(obj):
        return all(obj.get(f) == v for f, v in where.items()) and (match is None or
                                                                   match(obj))

    if after:
        lo, hi = coll.bounds(ids, None, _cursor(coll, after, kind, "starting_after"), lo, hi)
        found = coll.walk(ids, lo, hi, wanted, limit + 1)
        page = found[:limit]
    elif before:
        lo, hi = coll.bounds(ids, _cursor(coll, before, kind, "ending_before") + 1, None,
                             lo, hi)
        found = coll.walk(ids, lo, hi, wanted, limit + 1, upward=True)
        page = found[:limit][::-1]
    else:
        found = coll.walk(ids, lo, hi, wanted, limit + 1)
        page = found[:limit]
    return {"object": "list", "data": page, "has_more": len(found) > limit, "url": url}


def _cursor(coll, obj_id, kind, param) -> int:
    key = coll.sort_key_of(obj_id)
    if key is None:
        raise StripeError(400, "invalid_request_error", f"No such {kind}: '{obj_id}'",
                          code="resource_missing", param=param, stored=False)
    return key


def paginate(items, params, url, kind):
    """Cut a newest-first list by ``limit``/``starting_after``/``ending_before``."""
    limit = parse_limit(params)
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise invalid("You may only specify one of these parameters: ending_before, "
                      "starting_after.")
    if after:
        idx = _index(items, after, kind, "starting_after")
        page = items[idx + 1: idx + 1 + limit]
        has_more = idx + 1 + limit < len(items)
    elif before:
        idx = _index(items, before, kind, "ending_before")
        start = max(0, idx - limit)
        page = items[start:idx]
        has_more = start > 0
    else:
        page = items[:limit]
        has_more = len(items) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def _index(items, obj_id, kind, param):
    for i, obj in enumerate(items):
        if obj["id"] == obj_id:
            return i
    raise StripeError(400, "invalid_request_error", f"No such {kind}: '{obj_id}'",
                      code="resource_missing", param=param, stored=False)


def newest_first(collection) -> list:
    """Every object, newest first (a full scan: lists use ``list_page``)."""
    return list(reversed(list(collection.values())))


def merge_metadata(obj, raw):
    """Stripe's metadata update: keys merge, ``""`` unsets a key, ``metadata=""`` clears."""
    if raw is None:
        return
    if raw == "":
        obj["metadata"] = {}
        return
    if not isinstance(raw, dict):
        raise invalid("Invalid object", param="metadata")
    for key, value in raw.items():
        if value == "":
            obj["metadata"].pop(key, None)
        else:
            obj["metadata"][key] = str(value)


def new_metadata(raw) -> dict:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise invalid("Invalid object", param="metadata")
    return {k: str(v) for k, v in raw.items() if v != ""}


def public(obj: dict) -> dict:
    """``obj`` without the emulator's private bookkeeping keys (``_sources``…)."""
    if any(k.startswith("_") for k in obj):
        return {k: v for k, v in obj.items() if not k.startswith("_")}
    return obj


#: Fields Stripe leaves out unless expanded: (object type, field) -> builder(obj, state);
#: a field inside a hash is named with its path ("total_details.breakdown"), and its
#: builder returns the whole hash with it.
VIRTUAL_EXPANSIONS: dict = {}


def expand(obj, paths, state):
    """Return ``obj`` with each dotted ``expand`` path replaced by the full object."""
    if not paths:
        return obj
    if isinstance(paths, str):
        paths = [paths]
    for path in paths:
        obj = _expand_path(obj, path.split("."), state)
    return obj


def _expand_path(obj, parts, state):
    if not isinstance(obj, dict) or not parts:
        return obj
    head, rest = parts[0], parts[1:]
    nested = VIRTUAL_EXPANSIONS.get((obj.get("object"), ".".join(parts[:2])))
    if nested is not None and len(parts) == 2:  # a field of a hash (total_details.breakdown)
        return {**obj, head: nested(obj, state)}
    if head == "data" and obj.get("object") in ("list", "search_result"):
        return {**obj, "data": [_expand_path(o, rest, state) for o in obj["data"]]}
    value = obj.get(head)
    virtual = VIRTUAL_EXPANSIONS.get((obj.get("object"), head))
    if value is None and virtual is not None:
        value = virtual(obj, state)
    if isinstance(value, str):
        found = state.get(value)
        if found is None:
            return obj
        value = public(found)
    if isinstance(value, dict):
        return {**obj, head: _expand_path(value, rest, state) if rest else value}
    return obj


def truthy(raw, default=False) -> bool:
    if raw in (None, ""):
        return default
    return str(raw).lower() == "true"


_ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")


def address(raw, param="address") -> dict | None:
    """An ``address`` hash as Stripe stores it: every field, ``null`` where not given
    (``""`` unsets the whole address)."""
    if raw in (None, ""):
        return None
    if not isinstance(raw, dict):
        raise invalid("Invalid hash", param=param)
    return {f: raw.get(f) or None for f in _ADDRESS_FIELDS}


def shipping(raw, param="shipping") -> dict | None:
    """``shipping[name]``, ``shipping[address][…]`` (both required, as Stripe's spec says),
    ``phone``, ``carrier``, ``tracking_number``; ``""`` unsets it."""
    if raw in (None, ""):
        return None
    if not isinstance(raw, dict):
        raise invalid("Invalid hash", param=param)
    for field in ("name", "address"):
        if raw.get(field) in (None, ""):
            raise invalid(f"Missing required param: {param}[{field}].",
                          param=f"{param}[{field}]", code="parameter_missing")
    return {"address": address(raw["address"], f"{param}[address]"),
            "carrier": raw.get("carrier") or None, "name": raw["name"],
            "phone": raw.get("phone") or None,
            "tracking_number": raw.get("tracking_number") or None}
