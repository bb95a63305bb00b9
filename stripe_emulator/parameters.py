"""Which parameters an endpoint accepts and their shapes; Stripe's 400s for anything else.

A spec maps each accepted name to ``STR`` (one value), ``HASH`` (free keys with string
values: ``metadata``), ``ARRAY`` (``types[]=…``), a nested spec for hash parameters
(``card[number]``, ``created[gte]``; a plain value is accepted there too: a card id,
``created=N``) or a one-element list holding the spec of each item of an array of hashes
(``line_items[0][quantity]``). ``expand`` is accepted everywhere. Parameters Stripe knows
but the emulator does not implement are refused too, so a test never relies on a field
silently ignored.
"""
import json

from .errors import invalid

STR, HASH, ARRAY = "string", "hash", "array"
PAGE = {"limit": STR, "starting_after": STR, "ending_before": STR}
CREATED = {"created": {"gt": STR, "gte": STR, "lt": STR, "lte": STR}}
LIST = {**PAGE, **CREATED}
SEARCH = {"query": STR, "limit": STR, "page": STR}


def unknown(names: list[str]):
    if len(names) == 1:
        message = f"Received unknown parameter: {names[0]}"
    else:
        message = f"Received unknown parameters: {', '.join(names)}"
    return invalid(message, param=names[0], code="parameter_unknown")


def check(params: dict, spec: dict):
    """Raise ``parameter_unknown`` naming every parameter ``spec`` does not accept, then
    Stripe's ``Invalid string``/``Invalid hash``/``Invalid array`` for a wrong shape."""
    names = _unknown(params, spec, "")
    if names:
        raise unknown(names)
    expand = params.get("expand")
    if expand is not None and not _strings(expand if isinstance(expand, list) else [expand]):
        raise invalid("Invalid array", param="expand")
    _shapes(params, spec, "")


def _unknown(params: dict, spec: dict, prefix: str) -> list[str]:
    found = []
    for name, value in params.items():
        full = f"{prefix}[{name}]" if prefix else name
        if not prefix and name == "expand":
            continue
        if name not in spec:
            found.append(full)
        elif isinstance(spec[name], dict) and isinstance(value, dict):
            found += _unknown(value, spec[name], full)
        elif isinstance(spec[name], list) and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    found += _unknown(item, spec[name][0], f"{full}[{i}]")
    return found


def _strings(values) -> bool:
    return all(isinstance(v, str) for v in values)


def _shapes(params: dict, spec: dict, prefix: str):
    for name, value in params.items():
        full = f"{prefix}[{name}]" if prefix else name
        kind = spec.get(name)
        if kind is None:
            continue
        if isinstance(kind, list):  # an array of hashes
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise invalid("Invalid array", param=full)
            for i, item in enumerate(value):
                _shapes(item, kind[0], f"{full}[{i}]")
        elif isinstance(kind, dict):
            if isinstance(value, dict):
                _shapes(value, kind, full)
            elif not isinstance(value, str):
                raise invalid("Invalid hash", param=full)
        elif kind == STR and not isinstance(value, str):
            raise invalid(f"Invalid string: {json.dumps(value)[:100]}", param=full)
        elif kind == HASH and not (value == "" or (isinstance(value, dict)
                                                   and _strings(value.values()))):
            raise invalid("Invalid hash", param=full)
        elif kind == ARRAY and not (isinstance(value, list) and _strings(value)):
            raise invalid("Invalid array", param=full)
