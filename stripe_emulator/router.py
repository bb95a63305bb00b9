"""Route table: resource modules register handlers with ``@route(method, pattern)``.

New resources (Checkout Sessions, PaymentIntents…) add a module under ``resources/`` and
list it in ``resources/__init__.py``; nothing else changes.
"""
import re

_ROUTES: list[tuple[str, re.Pattern, object]] = []


def route(method: str, pattern: str):
    """Register ``handler(ctx, params, **path_args)`` for ``method`` and a path pattern.

    ``{name}`` in the pattern captures one path segment.
    """
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def decorator(fn):
        _ROUTES.append((method, regex, fn))
        return fn

    return decorator


def resolve(method: str, path: str):
    """Return ``(handler, path_args)`` or ``(None, None)``."""
    for m, regex, fn in _ROUTES:
        if m == method:
            match = regex.match(path)
            if match:
                return fn, match.groupdict()
    return None, None
