"""Error pages: a plain message, never a stack trace."""

import logging

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def register(app):
    """Install handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "Your session expired or the form was sent twice. Please try again."
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        message = error.description
        if error.code == 413:
            message = "The request is too large: this store accepts forms of up to 1 MiB."
        return render_template("error.html", code=error.code, message=message), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("Unhandled error")
        message = "Something went wrong on our side. Please try again in a moment."
        return render_template("error.html", code=500, message=message), 500
