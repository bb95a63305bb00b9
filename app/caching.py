"""HTTP caching of the pages that are the same for every visitor (the catalog).

Such a page gets a strong ETag (a hash of its body: a conditional GET with the same
If-None-Match is answered 304 with no body) and `Cache-Control: public, max-age=60`, so
browsers and a proxy in front of the store serve a launch's crowd from cache for a minute.
A response that carries something of one browser's (a flash message it consumed, any
change to its session) is `private, no-cache` instead — it still gets its ETag.

A process also keeps such a page's rendered body for CATALOG_CACHE_SECONDS (micro-caching,
as a proxy would): a launch's crowd on the catalog costs one render per process per few
seconds, not one per visitor. A change made in this process (a course added, edited,
published) forgets it at once (`forget_shared_pages`); other processes show it within
those seconds. A browser with a message waiting (a flash) gets a page of its own.

A course page is personal only by its form's CSRF token for a visitor whose session holds
nothing else (a first visit from a launch email): `visitor_page` renders it once per
CATALOG_CACHE_SECONDS with a placeholder token and gives each such visitor the page with
their own token. Anything else of the visitor's (a sign-in, a flash, an order, a query
string, a paused address — the checks other parts register in
`app.extensions["visitor_page_parts"]`) renders the page for them alone.

Pages with a form (a course page and its CSRF token), a receipt, the account and the admin
are never shared: they are personal (see security_headers.PRIVATE_PREFIXES for no-store).
"""

import threading
import time
import weakref

from flask import current_app, g, make_response, request, session
from flask_wtf.csrf import generate_csrf
from werkzeug.http import generate_etag

#: Seconds a browser or proxy may reuse the catalog without asking again.
SHARED_MAX_AGE = 60


def same_for_everyone(response, *, max_age=SHARED_MAX_AGE, etag=None):
    """Mark `response` (of a GET) cacheable and answer a matching conditional GET 304.
    `etag`: the body's, when known (else it is hashed)."""
    if etag is None:
        response.add_etag()
    else:
        response.set_etag(etag)
    if session.modified:  # e.g. a flash shown once to this browser
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response.make_conditional(request)


#: app -> {key: (expires at, body, …)}: per application object (weakly held, so an app
#: that is gone takes its pages with it and a new one never finds them).
_shared = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _pages():
    """This application's cached pages."""
    app = current_app._get_current_object()
    pages = _shared.get(app)
    if pages is None:
        with _lock:
            pages = _shared.setdefault(app, {})
    return pages


def shared_page(key, render):
    """The response of a page the same for everyone (`render()` makes its body), rendered
    at most once per CATALOG_CACHE_SECONDS in this process, marked as `same_for_everyone`.
    """
    seconds = current_app.config.get("CATALOG_CACHE_SECONDS", 0)
    if not seconds or "_flashes" in session:
        return same_for_everyone(make_response(render()))
    pages, now = _pages(), time.monotonic()
    hit = pages.get(key)
    if hit is None or hit[0] <= now:
        body = render()
        hit = (now + seconds, body, generate_etag(body.encode()))
        pages[key] = hit
    return same_for_everyone(make_response(hit[1]), etag=hit[2])


def forget_shared_pages():
    """A change to what the shared pages show: render them again on the next visit."""
    with _lock:
        for pages in list(_shared.values()):
            pages.clear()


#: What a cached visitor page holds where each visitor's CSRF token goes.
CSRF_PLACEHOLDER = "csrf-token-of-this-visitor-7c1d"
#: Session keys a page may find (or its rendering add) and still be the same as a new
#: visitor's: the CSRF secret, and Flask-Login marking a session without a sign-in
#: not fresh.
_VISITOR_KEYS = frozenset({"csrf_token", "_fresh"})


def _visitor_key(key):
    """The cache slot of this request's visitor page, or None when it is personal."""
    if request.args or not set(session.keys()) <= _VISITOR_KEYS:
        return None
    parts = ["visitor", key]
    for part in current_app.extensions.get("visitor_page_parts", ()):
        value = part()
        if value is None:
            return None
        parts.append(value)
    return tuple(parts)


def visitor_page(key, render):
    """The body of a page (`render()` makes it) that is the same for every visitor with
    no session of their own but for its CSRF token: rendered at most once per
    CATALOG_CACHE_SECONDS in this process with a placeholder, then given this visitor's
    token. Any other visitor gets `render()`."""
    seconds = current_app.config.get("CATALOG_CACHE_SECONDS", 0)
    slot = _visitor_key(key) if seconds else None
    if slot is None:
        return render()
    pages, now = _pages(), time.monotonic()
    hit = pages.get(slot)
    if hit is None or hit[0] <= now:
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        before = set(vars(g))
        setattr(g, field, CSRF_PLACEHOLDER)  # what generate_csrf gives while rendering
        try:
            body = render()
        finally:
            for name in set(vars(g)) - before:  # what the rendering kept (forms holding
                g.pop(name, None)               # the placeholder): not for another one
        if not set(session.keys()) <= _VISITOR_KEYS or CSRF_PLACEHOLDER not in body:
            return render()  # the page turned out to be personal after all
        hit = (now + seconds, body)
        pages[slot] = hit
    return hit[1].replace(CSRF_PLACEHOLDER, generate_csrf())
