"""Admin area: sign-in, purchases, refunds, CSV export and the revenue dashboard."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import auth, routes  # noqa: E402,F401  (register the loader and the views)
