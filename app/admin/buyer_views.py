"""Admin views of buyers: the buyer page, manual access changes, resending a confirmation."""

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import orders
from app.access import AccessError, find_buyer
from app.admin import bp, buyers
from app.admin.auth import admin_required
from app.admin.buyer_forms import GrantForm, ResendForm, RevokeForm
from app.admin.purchases import customer_dashboard_link, get_purchase, paid_with

REFERENCE_RE = re.compile(r"ORD-[A-Za-z0-9]{1,16}")


def _buyer_or_404(buyer_id):
    buyer = buyers.get_buyer(buyer_id)
    if buyer is None:
        abort(404, description="There is no such buyer.")
    return buyer


def _render(buyer, status=200, grant_form=None):
    data = buyers.overview(buyer)
    grant_form = grant_form or GrantForm(formdata=None)
    grant_form.course_id.choices = [(c.id, c.title) for c in data.grantable]
    resend = {order.id: orders.new_resend_key(order) for order in data.orders
              if order.status in orders.CONFIRMABLE}
    real_stripe = not current_app.config.get("STRIPE_API_BASE")
    customers = [(mode, customer_id,
                  customer_dashboard_link(customer_id, mode == "live", real_stripe=real_stripe))
                 for mode, customer_id in (("test", buyer.stripe_customer_id_test),
                                           ("live", buyer.stripe_customer_id_live))
                 if customer_id]
    return render_template("admin/buyer.html", data=data, grant_form=grant_form,
                           revoke_form=RevokeForm(formdata=None), resend_form=ResendForm(),
                           resend_keys=resend, customers=customers,
                           paid_with=paid_with), status


@bp.get("/buyers")
@admin_required
def find_buyer_view():
    """Open the buyer page of an email (linked from each purchase)."""
    email = (request.args.get("email") or "")[:254]
    buyer = find_buyer(email) if "\x00" not in email else None
    if buyer is None:
        abort(404, description="No buyer has this email yet: buyers are created by a paid "
                               "order or a first sign-in.")
    return redirect(url_for("admin.show_buyer", buyer_id=buyer.id))


@bp.get("/buyers/<id:buyer_id>")
@admin_required
def show_buyer(buyer_id):
    """A buyer's orders, access (active and revoked), emails and access history."""
    return _render(_buyer_or_404(buyer_id))


@bp.post("/buyers/<id:buyer_id>/access")
@admin_required
def grant_access(buyer_id):
    """Grant a course by hand, with a reason."""
    buyer = _buyer_or_404(buyer_id)
    form = GrantForm()
    if form.validate_on_submit():
        try:
            row = buyers.grant(buyer=buyer, course_id=form.course_id.data,
                               admin_email=current_user.email, reason=form.reason.data)
        except AccessError as exc:
            form.reason.errors = [str(exc)]
        else:
            flash(f"Access to {row.course.title} granted.", "success")
            return redirect(url_for("admin.show_buyer", buyer_id=buyer.id))
    return _render(buyer, 400, grant_form=form)


@bp.post("/buyers/<id:buyer_id>/access/<id:access_id>/revoke")
@admin_required
def revoke_access(buyer_id, access_id):
    """Revoke access by hand, with a reason."""
    buyer = _buyer_or_404(buyer_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        errors = [messages[0] for name, messages in form.errors.items()
                  if name in ("reason", "confirm") and messages]
        flash(" ".join(errors) or "The form has expired; reload the page.", "error")
        return _render(buyer, 400)
    try:
        row = buyers.revoke(buyer=buyer, access_id=access_id,
                            admin_email=current_user.email, reason=form.reason.data)
    except AccessError as exc:
        flash(str(exc), "error")
        return _render(buyer, 400)
    flash(f"Access to {row.course.title} revoked.", "success")
    return redirect(url_for("admin.show_buyer", buyer_id=buyer.id))


@bp.post("/buyers/<id:buyer_id>/orders/<reference>/resend")
@admin_required
def resend_confirmation(buyer_id, reference):
    """Send the order confirmation again (a new email with a fresh sign-in link)."""
    buyer = _buyer_or_404(buyer_id)
    # Only a plausible order number reaches the database (a NUL byte is an error there).
    order = get_purchase(reference) if REFERENCE_RE.fullmatch(reference) else None
    form = ResendForm()
    if order is None or not form.validate_on_submit():
        flash("The form has expired; reload the page.", "error")
        return _render(buyer, 400)
    try:
        created = orders.resend_confirmation(buyer=buyer, order=order, key=form.key.data,
                                             admin_email=current_user.email)
    except AccessError as exc:
        flash(str(exc), "error")
        return _render(buyer, 400)
    flash(f"The confirmation of {order.reference} is on its way to {buyer.email}." if created
          else "This confirmation was queued already.", "success" if created else "info")
    return redirect(url_for("admin.show_buyer", buyer_id=buyer.id))
