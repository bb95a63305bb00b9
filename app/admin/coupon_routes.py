"""Admin coupon pages: create codes, list them with their redemptions and revenue,
deactivate one. Thin views over app.pricing's coupon service."""

from flask import abort, flash, redirect, render_template, url_for

from app import pricing
from app.admin import bp
from app.admin.auth import admin_required
from app.admin.coupon_forms import CouponForm, DeactivateForm
from app.extensions import db


def _page(form, error=None, status=200):
    return render_template("admin/coupons.html", form=form, error=error,
                           rows=pricing.coupons_with_stats(),
                           deactivate_form=DeactivateForm()), status


@bp.get("/coupons")
@admin_required
def coupons():
    """Every code with what it takes off, its uses, revenue and state; a form for a new one."""
    return _page(CouponForm(formdata=None))


@bp.post("/coupons")
@admin_required
def create_coupon():
    """Create a code from the form; the page again with the error, or the new code."""
    form = CouponForm()
    if not form.validate():
        return _page(form, error=" ".join(e[0] for e in form.errors.values()), status=400)
    percent = form.percent.data if form.kind.data != "amount" else None
    amount = form.amount.data if form.kind.data == "amount" else None
    try:
        coupon = pricing.create_coupon(
            code=form.code.data, percent=percent or None, amount=amount or None,
            currency=form.currency.data if amount else None, courses=form.courses.data,
            max_redemptions=form.max_redemptions.data, per_buyer=form.per_buyer.data,
            starts=form.starts.data, ends=form.ends.data)
    except (pricing.CouponError, ValueError) as exc:
        db.session.rollback()
        return _page(form, error=str(exc), status=400)
    flash(f"Created the code {coupon.code}. Share /courses/<slug>?code={coupon.code}.",
          "success")
    return redirect(url_for("admin.coupons"))


@bp.post("/coupons/<code>/deactivate")
@admin_required
def deactivate_coupon(code):
    """Stop a code from being used (orders already placed keep their price)."""
    if not DeactivateForm().validate_on_submit():
        abort(400, description="The page has expired; open it again and retry.")
    try:
        coupon = pricing.deactivate_coupon(code)
    except pricing.CouponError:
        abort(404, description="There is no such code.")
    flash(f"Deactivated {coupon.code}: it can no longer be used.", "success")
    return redirect(url_for("admin.coupons"))
