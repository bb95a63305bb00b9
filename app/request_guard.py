"""Refuse, up front, input that no page of the store accepts.

A NUL character is never valid in a slug, an order id, an email, a search or a form
field, and PostgreSQL's text type cannot even hold one (its driver raises instead of
comparing), so any request carrying one in its path, query, form fields or client
address is answered 400 before a view runs.
"""

from flask import current_app, request
from werkzeug.exceptions import BadRequest

NUL_MESSAGE = (
    "The request contains a NUL character, which no address or form field accepts."
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: Endpoints that read their body raw (the webhook verifies the exact bytes).
RAW_BODY_ENDPOINTS = {"webhooks.stripe_event"}
#: The admin's forms that upload an image: their body may hold IMAGE_MAX_BYTES of file
#: (and the form's other fields) instead of MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = {"admin.upload_cover", "admin.new_lesson", "admin.edit_lesson"}
#: Room for an upload form's other fields (a lesson's body is at most 100,000 characters).
UPLOAD_FORM_ROOM = 512 * 1024


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


def allow_uploads():
    """before_request hook (the first): an image upload form may send a larger body.
    Set before anything reads the form (the NUL check, CSRF)."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        config = current_app.config
        request.max_content_length = max(config["MAX_CONTENT_LENGTH"] or 0,
                                         config["IMAGE_MAX_BYTES"] + UPLOAD_FORM_ROOM)


def register(app):
    app.before_request(allow_uploads)
    app.before_request(refuse_nul)
