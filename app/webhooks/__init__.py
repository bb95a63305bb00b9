"""Stripe webhooks: a second source of truth for orders."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from app.webhooks import routes  # noqa: E402,F401
