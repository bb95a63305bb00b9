"""The buyer's account: password-less sign-in by emailed link, My courses, orders."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from app.account import routes  # noqa: E402,F401


@bp.app_context_processor
def _buyer_helpers():
    """`owns_course(course)`: the signed-in buyer holds access (the course page's note)."""
    from app.access import buyer_has_access

    return {"owns_course": buyer_has_access}
