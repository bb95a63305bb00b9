"""Refuse, up front, input that no page of the store accepts.

A NUL character is never valid in a slug, an order id, an email, a search or a form
field, and PostgreSQL's text type cannot even hold one (its driver raises instead of
comparing), so any request carrying one in its path, query, form fields or client
address is answered 400 before a view runs.
"""

from flask import request
from werkzeug.exceptions import BadRequest

NUL_MESSAGE = (
    "The request contains a NUL character, which no address or form field accepts."
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: Endpoints that read their body raw (the webhook verifies the exact bytes).
RAW_BODY_ENDPOINTS = {"webhooks.stripe_event"}


def _has_nul(pairs):
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def refuse_nul():
    """before_request hook: 400 when a NUL reaches the path, query, form or address."""
    if (
        "\x00" in request.path
        or "\x00" in (request.remote_addr or "")
        or _has_nul(request.args.items(multi=True))
    ):
        raise BadRequest(NUL_MESSAGE)
    if (
        request.mimetype in FORM_TYPES
        and request.endpoint not in RAW_BODY_ENDPOINTS
        and _has_nul(request.form.items(multi=True))
    ):
        raise BadRequest(NUL_MESSAGE)


def register(app):
    app.before_request(refuse_nul)
