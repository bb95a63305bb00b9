"""Checkout endpoints: the POST from the course page, one click, and the receipt."""

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

from app import flows, orders, payments
from app.account.forms import PostForm
from app.account.session import SIGN_IN_FOR_CARDS, current_buyer, sign_in_after_purchase
from app.catalog.services import get_active_course
from app.checkout import bp
from app.checkout.buy_box import keep_form, one_click_card
from app.checkout.forms import CheckoutForm, OneClickForm
from app.checkout.pause import with_contact
from app.checkout.receipts import receipt_refund
from app.checkout.services import place_order, place_saved_card_order
from app.pricing import quote_for

#: A receipt visit waits this long at most for Stripe's answer about a pending order.
RECEIPT_CHECK_SECONDS = 5


def _course_on_sale(slug):
    """The course on sale at `slug`, or a 404."""
    course = get_active_course(slug)
    if course is None:
        abort(404, description="There is no such course, or it is no longer on sale.")
    return course


@bp.post("/courses/<slug>/checkout")
def pay(slug):
    """Charge the posted Stripe token for the course; the price comes from our database."""
    course = _course_on_sale(slug)
    form = CheckoutForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:  # not about a field the buyer can see
            flash(form.errors["csrf_token"][0], "error")
        # The email and card errors show under their fields; the email stays filled in.
        keep_form(form)
        return render_template("catalog/course.html", course=course), 400
    outcome = place_order(course=course, email=form.stripeEmail.data,
                          token=form.stripeToken.data, ip=request.remote_addr,
                          save_card=form.save_card.data, signed_in=current_buyer())
    return _after_checkout(slug, outcome, form.stripeEmail.data)


def _after_checkout(slug, outcome, email):
    if outcome.retry_on_course_page:
        flash(with_contact(outcome.message), "error")
        session["checkout_email"] = email  # prefilled on the retry
        return redirect(url_for("catalog.show_course", slug=slug))
    if outcome.message:
        flash(with_contact(outcome.message), "warning")
    sign_in_after_purchase(outcome.order)  # a buyer who has just paid is signed in here
    return redirect(url_for("checkout.receipt", public_id=outcome.order.public_id))


@bp.get("/courses/<slug>/one-click")
def confirm_one_click(slug):
    """The confirmation step of a one-click purchase with the signed-in buyer's saved card."""
    course = _course_on_sale(slug)
    if current_buyer() is None:  # nobody, or a session opened by paying: not proven
        flash(SIGN_IN_FOR_CARDS, "error")
        return redirect(url_for("account.sign_in"))
    card = one_click_card(course)
    if card is None:
        return redirect(url_for("catalog.show_course", slug=slug))
    form = OneClickForm()
    form.card_id.data = card.id
    return render_template("checkout/one_click.html", course=course, card=card, form=form,
                           quote=quote_for(course))


@bp.post("/courses/<slug>/one-click")
def pay_one_click(slug):
    """Charge the saved card the buyer confirmed; the price comes from our database."""
    course = _course_on_sale(slug)
    buyer = current_buyer()
    form = OneClickForm()
    if buyer is None:  # nobody, or a session opened by paying: not proven
        flash(SIGN_IN_FOR_CARDS, "error")
        return redirect(url_for("account.sign_in"))
    if not form.validate_on_submit():
        flash("Your payment was not confirmed. Please try again.", "error")
        return redirect(url_for("catalog.show_course", slug=slug))
    outcome = place_saved_card_order(course=course, buyer=buyer, card_id=form.card_id.data,
                                     ip=request.remote_addr)
    if outcome.retry_on_course_page:
        session["skip_one_click"] = slug  # show the normal card form on the retry
    return _after_checkout(slug, outcome, buyer.email)


#: What a public id looks like (secrets.token_urlsafe); anything else is not looked up.
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _order_or_none(public_id):
    return orders.get_order(public_id) if PUBLIC_ID.fullmatch(public_id) else None


def _current_order(public_id):
    """The order; while it is pending, Stripe is asked (read-only, briefly) whether its
    charge exists. Opening a page never sends a payment request."""
    order = _order_or_none(public_id)
    if order is not None and order.payment is not None and order.payment.live:
        payments.limit_time(RECEIPT_CHECK_SECONDS)
        flows.look_up(order.payment)
    return order


@bp.get("/orders/<public_id>")
def receipt(public_id):
    """The receipt (or the order's current state) at its unguessable URL."""
    order = _current_order(public_id)
    if order is None:
        abort(404, description="We could not find that order.")
    return render_template("checkout/receipt.html", order=order,
                           refund=receipt_refund(order), check_form=PostForm())


@bp.post("/orders/<public_id>/check")
def check_order(public_id):
    """The buyer's "Check again now": settle a pending order with Stripe (which may send
    its stored request again, under its key), then show the receipt."""
    order = _order_or_none(public_id)
    if order is None:
        abort(404, description="We could not find that order.")
    if not PostForm().validate_on_submit():
        abort(400, description="The page has expired; reload it and try again.")
    if order.payment is not None and order.payment.live:
        payments.limit_time(RECEIPT_CHECK_SECONDS)
        flows.settle(order.payment, force=True)  # the buyer asked: now, not rate-limited
    return redirect(url_for("checkout.receipt", public_id=order.public_id))


@bp.get("/orders/<public_id>/status.json")
def receipt_status(public_id):
    """The order's status, for the pending receipt's polling script."""
    order = _current_order(public_id)
    if order is None:
        return jsonify(error="not found"), 404
    return jsonify(status=str(order.status))
