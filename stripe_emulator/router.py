"""Route table: resource modules register handlers with ``@route(method, pattern, params)``.

New resources (Checkout Sessions, PaymentIntents…) add a module under ``resources/`` and
list it in ``resources/__init__.py``; nothing else changes.
"""
import re

_ROUTES: list[tuple[str, re.Pattern, object, dict]] = []


def route(method: str, pattern: str, params: dict | None = None, publishable=False):
    """Register ``handler(ctx, params, **path_args)`` for ``method`` and a path pattern.

    ``{name}`` in the pattern captures one path segment. ``params`` names the parameters
    the endpoint accepts (see ``parameters.check``); ``expand`` is always accepted and any
    other parameter is answered with Stripe's 400 ``parameter_unknown``. ``publishable``
    endpoints also take a publishable key (Stripe.js: ``key=pk_…`` in the parameters); the
    handler sees ``ctx.publishable`` and checks the client secret itself.
    """
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def decorator(fn):
        _ROUTES.append((method, regex, fn, params or {}))
        if publishable:
            fn.publishable = True
        return fn

    return decorator


def resolve(method: str, path: str):
    """Return ``(handler, path_args, accepted_params)`` or ``(None, None, None)``."""
    for m, regex, fn, accepted in _ROUTES:
        if m == method:
            match = regex.match(path)
            if match:
                return fn, match.groupdict(), accepted
    return None, None, None
