"""Which parameters an endpoint accepts and their shapes; Stripe's 400s for anything else.

A spec maps each accepted name to ``STR`` (one value), ``HASH`` (free keys with string
values: ``metadata``), ``ARRAY`` (``types[]=…``), a nested spec for hash parameters
(``card[number]``, ``created[gte]``; a plain value is accepted there too: a card id,
``created=N``, ``""`` to unset) or a one-item list ``[spec]`` for an array of hashes
(``custom_fields[0][name]``). ``expand`` is accepted everywhere.

``UNSUPPORTED`` marks a parameter Stripe's spec defines on the endpoint that the emulator
does not implement (Connect, Billing…): it is answered with a 400 of its own,
``parameter_not_supported_by_emulator``, so neither a correct call is told it is wrong
("Received unknown parameter") nor a test relies on a field silently ignored. A name in
neither set keeps Stripe's exact ``parameter_unknown`` answer.
"""
import json

from .errors import invalid

STR, HASH, ARRAY = "string", "hash", "array"
UNSUPPORTED = "unsupported"
NOT_SUPPORTED = "parameter_not_supported_by_emulator"
PAGE = {"limit": STR, "starting_after": STR, "ending_before": STR}
CREATED = {"created": {"gt": STR, "gte": STR, "lt": STR, "lte": STR}}
LIST = {**PAGE, **CREATED}
SEARCH = {"query": STR, "limit": STR, "page": STR}
ADDRESS = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"), STR)


def not_emulated(message: str, param: str):
    """The emulator's own 400 for what Stripe accepts and it does not model: code
    ``parameter_not_supported_by_emulator``, ``param`` naming it, no ``doc_url`` (no page at
    Stripe). Every such refusal is made here, whole parameters and single values alike."""
    return invalid(message, param=param, code=NOT_SUPPORTED, doc_url=False)


def unsupported(*names: str):
    """The distinct 400 for parameters Stripe knows here that the emulator does not model."""
    if len(names) == 1:
        message = (f"{names[0]} is not supported by the offline emulator (Stripe accepts it "
                   "on this endpoint; the emulator does not model what it does).")
    else:
        message = (f"{', '.join(names)} are not supported by the offline emulator (Stripe "
                   "accepts them on this endpoint; the emulator does not model what they do).")
    return not_emulated(message, names[0])


def unsupported_value(param: str, value: str, why: str):
    """The same 400 for one value of a supported parameter (``connect=true``…)."""
    return not_emulated(f"{param}={value} is not supported by the offline emulator ({why}).",
                        param)


def unknown(names: list[str]):
    """Stripe's ``parameter_unknown`` answer naming every unknown parameter."""
    if len(names) == 1:
        message = f"Received unknown parameter: {names[0]}"
    else:
        message = f"Received unknown parameters: {', '.join(names)}"
    return invalid(message, param=names[0], code="parameter_unknown")


def check(params: dict, spec: dict):
    """Raise ``parameter_unknown`` naming every parameter ``spec`` does not accept, then the
    emulator's ``parameter_not_supported_by_emulator``, then Stripe's ``Invalid string``/
    ``Invalid hash``/``Invalid array`` for a wrong shape."""
    names = _walk(params, spec, "", _is_unknown)
    if names:
        raise unknown(names)
    names = _walk(params, spec, "", _is_unsupported)
    if names:
        raise unsupported(*names)
    expand = params.get("expand")
    if expand is not None and not _strings(expand if isinstance(expand, list) else [expand]):
        raise invalid("Invalid array", param="expand")
    _shapes(params, spec, "")


def _is_unknown(name, spec):
    """A name the spec does not list."""
    return name not in spec


def _is_unsupported(name, spec):
    """A name the spec lists as ``UNSUPPORTED``."""
    return spec.get(name) == UNSUPPORTED


def _walk(params: dict, spec: dict, prefix: str, hit) -> list[str]:
    """Full names (``shipping[address][town]``) of every parameter ``hit(name, spec)`` flags,
    descending into nested hashes and arrays of hashes."""
    found = []
    for name, value in params.items():
        full = f"{prefix}[{name}]" if prefix else name
        if not prefix and name == "expand":
            continue
        if hit(name, spec):
            found.append(full)
            continue
        kind = spec.get(name)
        if isinstance(kind, dict) and isinstance(value, dict):
            found += _walk(value, kind, full, hit)
        elif isinstance(kind, list) and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    found += _walk(item, kind[0], f"{full}[{i}]", hit)
    return found


def _strings(values) -> bool:
    """Whether every value is a plain string."""
    return all(isinstance(v, str) for v in values)


def _shapes(params: dict, spec: dict, prefix: str):
    """Stripe's shape errors for values of the wrong kind."""
    for name, value in params.items():
        full = f"{prefix}[{name}]" if prefix else name
        kind = spec.get(name)
        if kind is None:
            continue
        if isinstance(kind, dict):
            if isinstance(value, dict):
                _shapes(value, kind, full)
            elif not isinstance(value, str):
                raise invalid("Invalid hash", param=full)
        elif isinstance(kind, list):
            if value == "":
                continue
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise invalid("Invalid array", param=full)
            for i, item in enumerate(value):
                _shapes(item, kind[0], f"{full}[{i}]")
        elif kind == STR and not isinstance(value, str):
            raise invalid(f"Invalid string: {json.dumps(value)[:100]}", param=full)
        elif kind == HASH and not (value == "" or (isinstance(value, dict)
                                                   and _strings(value.values()))):
            raise invalid("Invalid hash", param=full)
        elif kind == ARRAY and not (isinstance(value, list) and _strings(value)):
            raise invalid("Invalid array", param=full)
