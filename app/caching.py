"""HTTP caching of the pages that are the same for every visitor (the catalog).

Such a page gets a strong ETag (a hash of its body: a conditional GET with the same
If-None-Match is answered 304 with no body) and `Cache-Control: public, max-age=60`, so
browsers and a proxy in front of the store serve a launch's crowd from cache for a minute.
A response that carries something of one browser's (a flash message it consumed, any
change to its session) is `private, no-cache` instead — it still gets its ETag.

Pages with a form (a course page and its CSRF token), a receipt, the account and the admin
are never shared: they are personal (see security_headers.PRIVATE_PREFIXES for no-store).
"""

from flask import request, session

#: Seconds a browser or proxy may reuse the catalog without asking again.
SHARED_MAX_AGE = 60


def same_for_everyone(response, *, max_age=SHARED_MAX_AGE):
    """Mark `response` (of a GET) cacheable and answer a matching conditional GET 304."""
    response.add_etag()
    if session.modified:  # e.g. a flash shown once to this browser
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response.make_conditional(request)
