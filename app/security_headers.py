"""Headers every response carries: a Content-Security-Policy, no caching of private
pages, and the classic hardening headers.

The policy allows our own scripts and styles only (no inline code anywhere) plus the
origins Stripe documents for Stripe.js (docs.stripe.com/security/guide#content-security-policy):
scripts and frames from js.stripe.com, frames from hooks.stripe.com (3-D Secure), API
calls to api.stripe.com, and hosted Checkout's checkout.stripe.com as a form's target (the
course page's form is answered with a redirect there). When the offline emulator serves
the Stripe.js stand-in (STRIPE_JS_URL / STRIPE_API_BASE), its origin is added to
script-src, connect-src, frame-src (its 3-D Secure test page opens in a modal frame, as
hooks.stripe.com's does) and form-action (its hosted Checkout page).
"""

from urllib.parse import urlsplit

from flask import request

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # no page of ours (checkout, admin) may be framed
    "Referrer-Policy": "same-origin",  # receipt URLs are secrets: never send them away
}

STRIPE_SCRIPTS = ["https://js.stripe.com", "https://*.js.stripe.com"]
STRIPE_FRAMES = ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]
STRIPE_API = ["https://api.stripe.com"]
STRIPE_IMAGES = ["https://*.stripe.com"]
#: Hosted Checkout: the course page's form is answered with a redirect to Stripe's page.
STRIPE_CHECKOUT = ["https://checkout.stripe.com"]

#: Pages that show a lesson's body (and the admin's preview of it): pictures in lessons may
#: come from any https:// address (app/catalog/markdown.py), so these pages' img-src has
#: `https:`; every other page keeps images to the store and Stripe.
LESSON_ENDPOINTS = {"catalog.show_lesson", "admin.new_lesson", "admin.edit_lesson"}

#: Pages that show one buyer's or the admin's data: never kept by a browser or proxy cache.
PRIVATE_PREFIXES = ("/orders/", "/admin", "/account")


def _origin(url):
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _add(sources, origin):
    if origin and origin not in sources and not origin.endswith("stripe.com"):
        sources.append(origin)


def content_security_policy(config, *, https_images=False):
    """The policy for this configuration (Stripe's origins, plus the emulator's if used);
    with `https_images`, images from any https:// address too (lesson pages)."""
    scripts, connect = ["'self'", *STRIPE_SCRIPTS], ["'self'", *STRIPE_API]
    frames, forms = list(STRIPE_FRAMES), ["'self'", *STRIPE_CHECKOUT]
    for url in (config.get("STRIPE_JS_URL"), config.get("STRIPE_API_BASE")):
        _add(scripts, _origin(url))
        _add(connect, _origin(url))
        _add(frames, _origin(url))
        _add(forms, _origin(url))  # the emulator's hosted Checkout page
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *(["https:"] if https_images else STRIPE_IMAGES)],
        "connect-src": connect,
        "frame-src": frames,
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": forms,
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def register(app):
    policy = content_security_policy(app.config)
    lesson_policy = content_security_policy(app.config, https_images=True)

    @app.after_request
    def add_headers(response):
        headers = response.headers
        # What the view set wins (setdefault), with the names it set read once rather
        # than searched for header by header.
        present = {name.lower() for name, _value in headers.items()}
        for name, value in STATIC_HEADERS.items():
            if name.lower() not in present:
                headers.add(name, value)
        if "content-security-policy" not in present:
            headers.add("Content-Security-Policy", lesson_policy
                        if request.endpoint in LESSON_ENDPOINTS else policy)
        if app.config.get("SESSION_COOKIE_SECURE") and \
                "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(PRIVATE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        return response
