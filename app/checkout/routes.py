"""Checkout endpoints: the POST from the course page and the receipt."""

import re

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app import payments
from app.account.session import sign_in_after_purchase
from app.catalog.services import get_active_course
from app.checkout import bp
from app.checkout.forms import CheckoutForm
from app.checkout.pause import with_contact
from app.checkout.receipts import receipt_refund
from app.checkout.services import get_order, place_order
from app.models import OrderStatus
from app.orders.settlement import settle_pending

#: A receipt visit waits this long at most for Stripe's answer about a pending order.
RECEIPT_CHECK_SECONDS = 5


@bp.post("/courses/<slug>/checkout")
def pay(slug):
    """Charge the posted Stripe token for the course; the price comes from our database."""
    course = get_active_course(slug)
    if course is None:
        abort(404, description="There is no such course, or it is no longer on sale.")
    form = CheckoutForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:  # not about a field the buyer can see
            flash(form.errors["csrf_token"][0], "error")
        # The email and card errors show under their fields; the email stays filled in.
        return render_template("catalog/course.html", course=course, form=form), 400
    outcome = place_order(course=course, email=form.stripeEmail.data,
                          token=form.stripeToken.data, ip=request.remote_addr)
    if outcome.retry_on_course_page:
        flash(with_contact(outcome.message), "error")
        session["checkout_email"] = form.stripeEmail.data  # prefilled on the retry
        return redirect(url_for("catalog.show_course", slug=slug))
    if outcome.message:
        flash(with_contact(outcome.message), "warning")
    sign_in_after_purchase(outcome.order)  # a buyer who has just paid is signed in here
    return redirect(url_for("checkout.receipt", public_id=outcome.order.public_id))


#: What a public id looks like (secrets.token_urlsafe); anything else is not looked up.
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _current_order(public_id):
    """The order, settled first if it is pending and Stripe answers within a moment."""
    order = get_order(public_id) if PUBLIC_ID.fullmatch(public_id) else None
    if order is not None and order.status == OrderStatus.PENDING:
        # The buyer is back while we wait for Stripe's answer: ask Stripe now, briefly.
        payments.limit_time(RECEIPT_CHECK_SECONDS)
        settle_pending(order)
    return order


@bp.get("/orders/<public_id>")
def receipt(public_id):
    """The receipt (or the order's current state) at its unguessable URL."""
    order = _current_order(public_id)
    if order is None:
        abort(404, description="We could not find that order.")
    return render_template("checkout/receipt.html", order=order,
                           refund=receipt_refund(order))


@bp.get("/orders/<public_id>/status.json")
def receipt_status(public_id):
    """The order's status, for the pending receipt's polling script."""
    order = _current_order(public_id)
    if order is None:
        return jsonify(error="not found"), 404
    return jsonify(status=str(order.status))
