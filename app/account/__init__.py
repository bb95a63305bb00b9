"""The buyer's account: password-less sign-in by emailed link, My courses, orders."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from app.account import routes  # noqa: E402,F401


@bp.app_context_processor
def _buyer_helpers():
    """`owns_course(course)`: this browser's session holds access (the course page's note);
    `signed_in_with_link()`: a link-proven session (the checkout's "Save this card")."""
    from app.access import buyer_has_access
    from app.account.session import current_buyer

    return {"owns_course": buyer_has_access,
            "signed_in_with_link": lambda: current_buyer() is not None}
