"""Checkout: the course page's buy box, placing an order and starting its payment through
its flow, the receipt."""

from flask import Blueprint, current_app, request

bp = Blueprint("checkout", __name__)

from app.checkout import routes  # noqa: E402,F401
from app.checkout.buy_box import checkout_box, consent_box  # noqa: E402


@bp.app_context_processor
def _buy_box_helper():
    """`checkout_box(course)`: what the course page's buy box shows, `consent_box(form)`:
    the country and consent fields of a checkout form (see buy_box.py)."""
    return {"checkout_box": checkout_box, "consent_box": consent_box}


def _visitor_page_part():
    """What the buy box of a new visitor's course page depends on (app/caching.py
    `visitor_page`): the flow, the tax mode and the browser's country; None (render it
    for this visitor) while checkout from the address is paused."""
    from app.checkout.buy_box import browser_country
    from app.checkout.pause import shown_pause_seconds

    if shown_pause_seconds(request.remote_addr):
        return None
    config = current_app.config
    return (config["PAYMENT_FLOW"], config.get("TAX_MODE", "off"), browser_country())


@bp.record_once
def _register_visitor_page_part(state):
    state.app.extensions.setdefault("visitor_page_parts", []).append(_visitor_page_part)
