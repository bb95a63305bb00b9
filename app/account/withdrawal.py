"""My account's side of the EU/EEA and UK rules: withdrawing from a purchase (a
confirmation step, then the POST) and starting a course before the withdrawal period is
over. Only the order's owner may do either: a link-proven session of its email, or the
purchase session that paid it (app/account/session.py)."""

import re
from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for

from app import orders
from app.account import bp
from app.account.forms import PostForm, StartNowForm
from app.account.session import current_session

#: What a public id looks like (secrets.token_urlsafe); anything else is not looked up.
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SIGN_IN_TO_WITHDRAW = ("To withdraw from a purchase or start it early, sign in with the "
                       "link we email you (or use the device you paid on).")


@dataclass(frozen=True)
class Rights:
    """What a buyer may still do about an order under the consent rules."""

    may_withdraw: bool
    waiting: bool  # access waits for the end of the withdrawal period
    starts_at: datetime | None
    window_ends_at: datetime | None


def rights_of(order):
    """The order's Rights (the receipt and My account show them)."""
    if order is None or not order.consent_applies:
        return Rights(False, False, None, None)
    return Rights(may_withdraw=orders.may_withdraw(order),
                  waiting=orders.waiting_to_start(order),
                  starts_at=orders.access_starts_at(order),
                  window_ends_at=orders.window_ends_at(order))


@bp.app_context_processor
def _rights_helper():
    """`order_rights(order)` for the receipt and My account."""
    return {"order_rights": rights_of}


def _owned_order(public_id):
    """The order, if this browser's buyer session owns it; a redirect to sign in when
    there is no session; 404 for anyone else's (or no) order."""
    visit = current_session()
    if visit is None:
        flash(SIGN_IN_TO_WITHDRAW, "info")
        return None, redirect(url_for("account.sign_in"))
    order = orders.get_order(public_id) if PUBLIC_ID.fullmatch(public_id) else None
    if not visit.owns(order):
        abort(404, description="We could not find that order in your account.")
    return order, None


@bp.get("/orders/<public_id>/withdraw")
def confirm_withdrawal(public_id):
    """The confirmation step of the withdrawal function (or the withdrawal, once made)."""
    order, elsewhere = _owned_order(public_id)
    if elsewhere is not None:
        return elsewhere
    return render_template("account/withdraw.html", order=order, form=PostForm(),
                           rights=rights_of(order),
                           refund=orders.refunds_for(order.id)[-1:] or None)


@bp.post("/orders/<public_id>/withdraw")
def withdraw(public_id):
    """Confirming the withdrawal: recorded once, refunded in full, acknowledged by email."""
    order, elsewhere = _owned_order(public_id)
    if elsewhere is not None:
        return elsewhere
    if not PostForm().validate_on_submit():
        abort(400, description="The page has expired; open it again and confirm.")
    try:
        orders.withdraw(order, ip=request.remote_addr)
    except orders.WithdrawalError as exc:
        flash(str(exc), "error")
        return redirect(url_for("account.show_account"))
    return redirect(url_for("account.confirm_withdrawal", public_id=order.public_id))


@bp.post("/orders/<public_id>/start")
def start_now(public_id):
    """Starting the course early: the buyer ticks the same consent as at checkout."""
    order, elsewhere = _owned_order(public_id)
    if elsewhere is not None:
        return elsewhere
    form = StartNowForm()
    if not form.validate_on_submit():
        message = (form.immediate_access_consent.errors or
                   ["The page has expired; open it again."])[0]
        flash(message, "error")
        return redirect(url_for("account.show_account"))
    try:
        orders.start_early(order, ip=request.remote_addr)
    except orders.WithdrawalError as exc:
        flash(str(exc), "error")
        return redirect(url_for("account.show_account"))
    flash(f"{order.course_title} is open for you now. We have emailed you a confirmation "
          "of your consent.", "success")
    return redirect(url_for("account.show_account"))
