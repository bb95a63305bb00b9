"""Error pages: a plain message, never a stack trace."""

import logging

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, SecurityError

from app.database_setup import database_name, missing_schema, not_set_up_message
from app.request_guard import UPLOAD_ENDPOINTS

log = logging.getLogger(__name__)


def wants_json():
    """Whether the request asked for JSON over HTML (the pages' scripts send `Accept:
    application/json`: the Payment Element's Pay, the receipt's status poll, the tax
    line), so that an error reaches the script as `{"error": …}` it can show."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_page(code, message):
    """The error as a page, or as `{"error": message}` for a script that asked for JSON."""
    if wants_json():
        return jsonify(error=message), code
    return render_template("error.html", code=code, message=message), code


def register(app):
    """Install handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "Your session expired or the form was sent twice. Please try again."
        return error_page(400, message)

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        """A Host outside TRUSTED_HOSTS: no page is built for it (no link may name it)."""
        log.warning("Refused a request for host %r (not in TRUSTED_HOSTS)",
                    request.environ.get("HTTP_HOST", "")[:100])
        return app.response_class("This store does not answer to that host name.\n",
                                  status=400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(error):
        message = error.description
        if error.code == 413:
            message = "The request is too large: this store accepts forms of up to 1 MiB."
            if request.endpoint in UPLOAD_ENDPOINTS:
                limit = app.config["IMAGE_MAX_BYTES"] / (1024 * 1024)
                message = (f"The image is too large: upload an image of at most {limit:g} "
                           "MiB (go back and choose a smaller file).")
        return error_page(error.code, message)

    @app.errorhandler(PoolTimeout)
    def database_busy(error):
        """The database is out of reach for now (no free pooled connection, refused or
        dropped connections, "too many clients", a lock held too long): a 503 the buyer
        can retry — every checkout is safe to send again — and one line in the log."""
        from app.extensions import db

        try:
            db.session.rollback()
        except Exception:  # the connection is gone: nothing to roll back
            db.session.close()
        first_line = str(getattr(error, "orig", None) or error).strip().splitlines()
        log.error("Database unavailable on %s %s: %s", request.method, request.path,
                  first_line[0] if first_line else type(error).__name__)
        message = ("The store is very busy right now and could not answer. Please try "
                   "again in a moment.")
        response = app.make_response(error_page(503, message))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(DBAPIError)
    def database_error(error):
        missing = missing_schema(error)
        if missing is None:
            if isinstance(error, OperationalError):
                return database_busy(error)
            return unexpected_error(error)
        from app.extensions import db

        db.session.rollback()
        # One line in the log, saying what to run; no traceback: nothing is broken.
        log.error("Database not set up: %s", not_set_up_message(database_name(db.engine),
                                                                missing))
        message = ("This store is not open yet: its database has not been set up. "
                   "Please try again later.")
        return error_page(503, message)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("Unhandled error")
        message = "Something went wrong on our side. Please try again in a moment."
        return error_page(500, message)
