"""`url_for` in the templates, with each URL a process has built kept for reuse.

Every page asks for the same few URLs (the stylesheet, the favicon, the catalog, My
account, its own script): building one through Werkzeug's routing costs about 10 µs, a
tenth of a bare Flask response, eight times a receipt. A URL without a scheme or host
depends only on the endpoint, its values and the request's script root, so the templates'
`url_for` keeps what it built under exactly those and builds anything else (external
URLs, an anchor, a method, a blueprint-relative endpoint, outside a request, an app
with URL defaults or host matching) as Flask does.
"""

from flask import url_for
from flask.globals import _cv_request

#: URLs kept per application at most (a receipt's own links carry its public id: the
#: cache starts again when full rather than growing with every order).
MAX_KEPT = 2048


def _kept_url_for(endpoint, /, **values):
    """`url_for(endpoint, **values)`, built once per request root and values."""
    request_context = _cv_request.get(None)
    if request_context is None or request_context.url_adapter is None \
            or endpoint[:1] == "." or (values and any(name[:1] == "_" for name in values)):
        return url_for(endpoint, **values)
    kept = request_context.app.extensions["template_urls"]
    if kept is None:
        return url_for(endpoint, **values)
    adapter = request_context.url_adapter
    # The values with their types: 1 and True are equal keys but different URLs.
    key = (adapter.script_name, adapter.server_name, endpoint, *values.items(),
           *map(type, values.values()))
    try:
        url = kept.get(key)
    except TypeError:  # a value that cannot be a key (a list): built every time
        return url_for(endpoint, **values)
    if url is None:
        url = url_for(endpoint, **values)
        if len(kept) >= MAX_KEPT:
            kept.clear()
        kept[key] = url
    return url


def register(app):
    """The templates' `url_for` keeps its URLs, unless URL defaults or host matching
    make a URL depend on more than its endpoint, values and script root (called once
    the blueprints are registered)."""
    plain = not (any(app.url_default_functions.values()) or app.url_map.host_matching
                 or app.subdomain_matching)
    app.extensions["template_urls"] = {} if plain else None
    app.jinja_env.globals["url_for"] = _kept_url_for
