"""Admin area: sign-in, purchases, refunds, CSV export, the revenue dashboard, courses and
coupon codes."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import (  # noqa: E402,F401  (loader and views)
    auth,
    buyer_views,
    catalog_routes,
    coupon_routes,
    cover_routes,
    invoice_routes,
    policy_routes,
    routes,
)
