"""Which parameters an endpoint accepts; anything else is Stripe's 400 ``parameter_unknown``.

A spec maps each accepted name to ``ANY`` (any value, e.g. ``metadata``'s free keys) or to a
nested spec for hash parameters (``card[number]``, ``created[gte]``). ``expand`` is accepted
everywhere. Parameters Stripe knows but the emulator does not implement are refused too, so
a test never relies on a field that is silently ignored.
"""
from .errors import invalid

ANY = None
PAGE = {"limit": ANY, "starting_after": ANY, "ending_before": ANY}
CREATED = {"created": {"gt": ANY, "gte": ANY, "lt": ANY, "lte": ANY}}
LIST = {**PAGE, **CREATED}
SEARCH = {"query": ANY, "limit": ANY, "page": ANY}


def unknown(names: list[str]):
    if len(names) == 1:
        message = f"Received unknown parameter: {names[0]}"
    else:
        message = f"Received unknown parameters: {', '.join(names)}"
    return invalid(message, param=names[0], code="parameter_unknown")


def check(params: dict, spec: dict):
    """Raise ``parameter_unknown`` naming every parameter ``spec`` does not accept."""
    names = _unknown(params, spec, "")
    if names:
        raise unknown(names)


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
    return found
