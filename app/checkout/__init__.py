"""Checkout: the course page's buy box, placing an order and starting its payment through
its flow, the receipt."""

from flask import Blueprint

bp = Blueprint("checkout", __name__)

from app.checkout import routes  # noqa: E402,F401
from app.checkout.buy_box import checkout_box, consent_box  # noqa: E402


@bp.app_context_processor
def _buy_box_helper():
    """`checkout_box(course)`: what the course page's buy box shows, `consent_box(form)`:
    the country and consent fields of a checkout form (see buy_box.py)."""
    return {"checkout_box": checkout_box, "consent_box": consent_box}
