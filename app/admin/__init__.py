"""Admin area: sign-in, purchases, refunds, CSV export and the revenue dashboard."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import auth, catalog_routes, routes  # noqa: E402,F401  (loader and views)
