"""Account pages: sign-in by emailed link, My courses and orders, sign-out."""

from flask import abort, flash, redirect, render_template, request, url_for

from app import invoices
from app.access import peek
from app.access.progress import progress_by_course
from app.account import bp, services
from app.account.forms import PostForm, RemoveCardForm, SignInForm
from app.account.saved_cards import remove_card, saved_card
from app.account.session import SIGN_IN_FOR_CARDS, current_buyer, current_session, sign_out


@bp.after_request
def _no_store(response):
    """Account pages are personal: never cached by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Ask for a one-time sign-in link by email (the same answer for any address, and
    whether or not its links are capped; only many requests from this client's address
    get a 429)."""
    form = SignInForm()
    visit = current_session()
    if request.method == "GET" and visit is not None:
        form.email.data = visit.buyer.email  # a session opened by paying: prove it
    if form.validate_on_submit():
        outcome = services.request_link(email=form.email.data, ip=request.remote_addr)
        if outcome.wait_seconds:
            flash("Too many sign-in links were asked for from your connection. Please wait "
                  f"{outcome.wait_minutes} minute(s) and try again.", "error")
            return render_template("account/sign_in.html", form=form), 429
        return render_template("account/link_sent.html", email=form.email.data.strip())
    status = 400 if form.errors else 200
    return render_template("account/sign_in.html", form=form), status


@bp.get("/link/<token>")
def open_link(token):
    """A sign-in link: asks for one click, so mail scanners that fetch links use nothing."""
    row = peek(token)
    if row is None:
        return render_template("account/link_invalid.html", form=SignInForm()), 410
    return render_template("account/link_confirm.html", form=PostForm(), token=token,
                           email=row.email)


@bp.post("/link/<token>")
def use_link(token):
    """Use a sign-in link once: sign in and go to My courses."""
    if not PostForm().validate_on_submit():
        abort(400)
    buyer, target = services.use_link(token)
    if buyer is None:
        return render_template("account/link_invalid.html", form=SignInForm()), 410
    flash(f"You are signed in as {buyer.email}.", "success")
    return redirect(target or url_for("account.show_account"))


@bp.get("")
@bp.get("/")
def show_account():
    """My courses and my orders: all of them for a link-proven session; for a session
    opened by paying, only its own orders and their access (and never the saved card)."""
    visit = current_session()
    if visit is None:
        return redirect(url_for("account.sign_in"))
    card = saved_card(visit.buyer) if visit.proven else None
    remove_form = RemoveCardForm(formdata=None)
    remove_form.card_id.data = card.card_id if card else None
    courses = services.courses_for(visit)
    orders = visit.orders()
    return render_template("account/account.html", buyer=visit.buyer, form=PostForm(),
                           proven=visit.proven, link_form=SignInForm(formdata=None),
                           courses=courses, orders=orders, card=card,
                           documents=invoices.documents_by_order([o.id for o in orders]),
                           remove_form=remove_form,
                           progress=progress_by_course(visit.buyer.id,
                                                       [row.course_id for row in courses]))


@bp.post("/saved-card/remove")
def remove_saved_card():
    """Delete the saved card at Stripe, then the store's row of it."""
    buyer = current_buyer()
    if buyer is None:
        flash(SIGN_IN_FOR_CARDS, "error")
        return redirect(url_for("account.sign_in"))
    form = RemoveCardForm()
    if not form.validate_on_submit():
        if set(form.errors) != {"confirm"}:
            abort(400)
        flash(form.errors["confirm"][0], "error")  # nothing removed
        return redirect(url_for("account.show_account", _anchor="saved-card"))
    error = remove_card(buyer, form.card_id.data)
    if error:
        flash(error, "error")
    else:
        flash("Your saved card was removed.", "success")
    return redirect(url_for("account.show_account"))


@bp.post("/sign-out")
def sign_out_view():
    """Sign out on every browser (a POST with the CSRF token)."""
    if not PostForm().validate_on_submit():
        abort(400)
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("account.sign_in"))
