"""The store's policy pages (terms, privacy, refunds): versions written by the seller in
the admin, shown at /policies/<kind>, linked from the footer and beside every Pay button;
the versions a checkout showed are stored on its order."""

from flask import Blueprint

bp = Blueprint("policies", __name__, url_prefix="/policies")

from app.policies import routes  # noqa: E402,F401
from app.policies.services import (  # noqa: E402
    ORDER_COLUMNS,
    PolicyError,
    current_versions,
    get_version,
    save_version,
    shown_token,
    shown_versions,
    versions_of_order,
)

__all__ = ["ORDER_COLUMNS", "PolicyError", "current_versions", "get_version",
           "save_version", "shown_token", "shown_versions", "versions_of_order"]


@bp.app_context_processor
def _policy_links():
    """`policy_links()`: (title, url) of each policy written so far (footer, checkout)."""
    return {"policy_links": routes.policy_links, "policy_token": shown_token}
