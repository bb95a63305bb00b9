"""Helpers shared by resources: lists and pagination, created filters, metadata, expand."""
from ..currencies import parse_int
from ..errors import StripeError, invalid, no_such

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


def newest_first(collection: dict) -> list:
    return list(reversed(collection.values()))


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


#: Fields Stripe leaves out unless expanded: (object type, field) -> builder(obj, state).
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
