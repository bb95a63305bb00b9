"""Checkout endpoints: the POST from the course page, one click, and the receipt."""

import re

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from app import flows, invoices, orders, payments, policies
from app.account.forms import PostForm
from app.account.session import SIGN_IN_FOR_CARDS, current_buyer, sign_in_after_purchase
from app.catalog.services import get_active_course
from app.checkout import bp, browser_payments, tax_preview
from app.checkout.buy_box import keep_form, one_click_card
from app.checkout.forms import CheckoutForm, EnrolForm, IntentForm, OneClickForm
from app.checkout.pause import with_contact
from app.checkout.receipts import receipt_refund
from app.checkout.services import (
    enrol_free,
    may_check_again,
    place_order,
    place_saved_card_order,
    price,
)

#: The checkout fields of the consent rules, whose errors show under them.
CONSENT_FIELDS = frozenset({"country", "state", "vat_number", "immediate_access_consent"})
#: A receipt visit waits this long at most for Stripe's answer about a pending order.
RECEIPT_CHECK_SECONDS = 5


def _course_on_sale(slug):
    """The course on sale at `slug`, or a 404."""
    course = get_active_course(slug)
    if course is None:
        abort(404, description="There is no such course, or it is no longer on sale.")
    return course


def _flow_is(name):
    """404 unless the store's PAYMENT_FLOW is `name` (a page of another flow posted)."""
    if current_app.config["PAYMENT_FLOW"] != name:
        abort(404, description="This store does not take payments this way. Reload the "
                               "course page and pay there.")


@bp.post("/courses/<slug>/checkout")
def pay(slug):
    """Charge the posted Stripe token for the course; the price comes from our database."""
    _flow_is("charges")
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
                          save_card=form.save_card.data, signed_in=current_buyer(),
                          consent=form.consent(request.remote_addr),
                          code=form.code.data, state=form.state.data,
                          vat=form.vat_number.vat,
                          country_confirmed=form.country_confirmed.data,
                          policies=policies.shown_versions(form.policy_versions.data))
    if outcome.refused_by == "country":  # the course page asks "I live in …?"
        session["confirm_country"] = form.country.data
    else:
        session.pop("confirm_country", None)
    return _after_checkout(slug, outcome, form.stripeEmail.data)


@bp.post("/courses/<slug>/code")
def apply_code(slug):
    """The buy box's Apply: the course page again, priced with the code typed (and the
    email kept); nothing is placed or sent anywhere."""
    return render_template("catalog/course.html", course=_course_on_sale(slug))


@bp.get("/courses/<slug>/tax.json")
def tax_line(slug):
    """The tax line the buy box shows before paying (TAX_MODE on), for the country (and
    US state, coupon code) the buyer chose: JSON from the checkout's pricing step."""
    course = get_active_course(slug)
    if course is None:
        return jsonify(error="There is no such course, or it is no longer on sale."), 404
    body, status = tax_preview.preview(
        course, country=request.args.get("country"), state=request.args.get("state"),
        code=request.args.get("code"), flow=current_app.config["PAYMENT_FLOW"],
        vat=request.args.get("vat"), ip=request.remote_addr)
    return jsonify(body), status


@bp.post("/courses/<slug>/enrol")
def enrol(slug):
    """Enrol in a course that costs nothing (priced 0, or with a 100 % code): an order
    paid at once, no card, no Stripe call; the emailed link opens the course."""
    course = _course_on_sale(slug)
    form = EnrolForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            flash(form.errors["csrf_token"][0], "error")
        keep_form(form)
        return render_template("catalog/course.html", course=course), 400
    outcome = enrol_free(course=course, email=form.email.data, ip=request.remote_addr,
                         code=form.code.data)
    return _after_checkout(slug, outcome, form.email.data)


def _after_checkout(slug, outcome, email):
    if outcome.next_step and outcome.next_step.get("authenticate"):
        # The bank wants the buyer to authenticate the one-click payment: on-session now.
        return redirect(url_for("checkout.authenticate", public_id=outcome.order.public_id))
    if outcome.retry_on_course_page:
        flash(with_contact(outcome.message), "checkout")  # shown beside the form
        session["checkout_email"] = email  # prefilled on the retry
        return redirect(url_for("catalog.show_course", slug=slug, _anchor="checkout"))
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
    form.card_id.data = card.card_id
    quote = price(course, request.args.get("code"), current_buyer().email,
                  ip=request.remote_addr)
    form.code.data = quote.code
    return render_template("checkout/one_click.html", course=course, card=card, form=form,
                           quote=quote)


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
        card = one_click_card(course)
        if card is not None and CONSENT_FIELDS & set(form.errors):  # shown on the page
            form.card_id.data = card.card_id
            return render_template("checkout/one_click.html", course=course, card=card,
                                   form=form, quote=price(course, form.code.data,
                                                          buyer.email,
                                                          ip=request.remote_addr)), 400
        flash("Your payment was not confirmed. Please try again.", "checkout")
        return redirect(url_for("catalog.show_course", slug=slug, _anchor="checkout"))
    outcome = place_saved_card_order(course=course, buyer=buyer, card_id=form.card_id.data,
                                     ip=request.remote_addr, code=form.code.data,
                                     state=form.state.data, vat=form.vat_number.vat,
                                     consent=form.consent(request.remote_addr),
                                     policies=policies.shown_versions(form.policy_versions.data))
    if outcome.retry_on_course_page:
        session["skip_one_click"] = slug  # show the normal card form on the retry
    return _after_checkout(slug, outcome, buyer.email)


def _browser_key():
    """This browser session's key (`browser_payments.browser_key`)."""
    return browser_payments.browser_key(
        session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")))


def _browser_payment(slug, flow):
    """Start the browser payment of `flow` from the posted form: (BrowserStart, form) or
    (None, form) when the form is not valid."""
    _flow_is(flow)
    course = _course_on_sale(slug)
    form = IntentForm()
    if not form.validate_on_submit():
        return None, form
    started = browser_payments.start(
        flow=flow, course=course, email=form.email.data, ip=request.remote_addr,
        save_card=form.save_card.data, signed_in=current_buyer(),
        owned=session.get("browser_orders"), code=form.code.data, state=form.state.data,
        browser=_browser_key(),
        vat=form.vat_number.vat,
        consent=form.consent(request.remote_addr),
        policies=policies.shown_versions(form.policy_versions.data))
    if started.order is not None:  # this browser's order, even while Stripe is away
        session["browser_orders"] = browser_payments.remember(
            session.get("browser_orders"), started.order)
    session["checkout_email"] = form.email.data  # prefilled if the buyer comes back
    return started, form


@bp.post("/courses/<slug>/payment-intent")
def start_intent(slug):
    """The Payment Element's Pay: the client secret of the order's one PaymentIntent (a
    new order, or this browser's pending one), as JSON; the page confirms it."""
    try:
        started, form = _browser_payment(slug, "payment_intents")
    except HTTPException as exc:  # no such course, or another flow: words the page shows
        return jsonify(error=exc.description), exc.code
    if started is None:
        errors = {name: messages[0] for name, messages in form.errors.items()}
        field = next((name for name in ("email", *sorted(CONSENT_FIELDS))
                      if name in errors), None)
        message = errors.get(field) or "The page has expired; reload it and try again."
        return jsonify(error=message, field=field), 400
    if not started.next_step:
        return jsonify(error=with_contact(started.message),
                       field=started.field), started.status
    return jsonify(client_secret=started.next_step["client_secret"],
                   return_url=url_for("checkout.intent_return",
                                      public_id=started.order.public_id, _external=True))


@bp.post("/courses/<slug>/checkout-session")
def start_session(slug):
    """Hosted Checkout's "Continue to payment": send the buyer (303) to the hosted page of
    the order's Checkout Session (a new order, or this browser's pending one)."""
    started, form = _browser_payment(slug, "checkout")
    if started is None:
        if "csrf_token" in form.errors:
            flash(form.errors["csrf_token"][0], "error")
        keep_form(form)
        return render_template("catalog/course.html", course=_course_on_sale(slug)), 400
    if not started.next_step:
        flash(with_contact(started.message), "checkout")
        return redirect(url_for("catalog.show_course", slug=slug, _anchor="checkout"))
    return redirect(started.next_step["url"], code=303)


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


def _receipt_of(public_id):
    """What the receipt shows of the order (one lean statement), or None; while its
    payment is live, after Stripe was asked about it as `_current_order` does."""
    if not PUBLIC_ID.fullmatch(public_id):
        return None
    order = orders.receipt_of(public_id)
    if order is not None and order.payment is not None and order.payment.live:
        _current_order(public_id)  # may settle it: read what it is now
        order = orders.receipt_of(public_id)
    return order


@bp.get("/orders/<public_id>")
def receipt(public_id):
    """The receipt (or the order's current state) at its unguessable URL."""
    order = _receipt_of(public_id)
    if order is None:
        abort(404, description="We could not find that order.")
    return render_template("checkout/receipt.html", order=order,
                           refund=receipt_refund(order),
                           check_form=PostForm() if order.status == "pending" else None,
                           documents=invoices.documents_of(order.id))


@bp.get("/orders/<public_id>/documents/<number>.pdf")
def download_document(public_id, number):
    """An invoice or credit note of the order, to whoever may see its receipt (the
    receipt's unguessable address); another order's number is not found."""
    order = _order_or_none(public_id)
    document = invoices.document_of(order.id, number) if order is not None else None
    if document is None:
        abort(404, description="We could not find that document.")
    return invoices.pdf_response(document)


@bp.post("/orders/<public_id>/check")
def check_order(public_id):
    """The buyer's "Check again now": settle a pending order with Stripe (which may send
    its stored request again, under its key), then show the receipt."""
    order = _order_or_none(public_id)
    if order is None:
        abort(404, description="We could not find that order.")
    if not PostForm().validate_on_submit():
        abort(400, description="The page has expired; reload it and try again.")
    if order.payment is not None and order.payment.live and may_check_again(order):
        payments.limit_time(RECEIPT_CHECK_SECONDS)
        flows.settle(order.payment, force=True)  # the buyer asked: now (a few a minute)
    return redirect(url_for("checkout.receipt", public_id=order.public_id))


@bp.get("/orders/<public_id>/status.json")
def receipt_status(public_id):
    """The order's status, for the pending receipt's polling script."""
    order = _current_order(public_id)
    if order is None:
        return jsonify(error="not found"), 404
    return jsonify(status=str(order.status))


def _back_from_stripe(order):
    """The buyer is back from Stripe.js or Stripe's page: the server reads the payment
    itself (never the URL's word) and shows the receipt, or the course page with the
    bank's message so the buyer can try another card on the same order."""
    payments.limit_time(RECEIPT_CHECK_SECONDS)
    retry = browser_payments.on_return(order)
    if retry:
        flash(retry, "checkout")
        return redirect(url_for("catalog.show_course", slug=order.course.slug,
                                _anchor="checkout"))
    buyer = current_buyer()
    if browser_payments.started_here(order, session.get("browser_orders"),
                                     _browser_key()) or (
            buyer is not None and buyer.email == order.email):
        sign_in_after_purchase(order)  # this browser paid for it
    return redirect(url_for("checkout.receipt", public_id=order.public_id))


def _order_or_404(public_id):
    order = _order_or_none(public_id)
    if order is None:
        abort(404, description="We could not find that order.")
    return order


@bp.get("/orders/<public_id>/return")
def intent_return(public_id):
    """Back from Stripe.js (or its 3-D Secure redirect) after paying a PaymentIntent."""
    return _back_from_stripe(_order_or_404(public_id))


@bp.get("/orders/<public_id>/paid")
def session_return(public_id):
    """Checkout's success page (`?session_id=…`, not trusted: the order's own Session is
    read)."""
    return _back_from_stripe(_order_or_404(public_id))


@bp.get("/orders/<public_id>/cancelled")
def session_cancel(public_id):
    """Checkout's back link: the payment is read first (a paid order goes to its
    receipt); otherwise nothing was charged and the buyer can pay again (the same
    Session, from this browser) or later."""
    order = _order_or_404(public_id)
    payments.limit_time(RECEIPT_CHECK_SECONDS)
    if not browser_payments.on_cancel(order):  # it was paid after all: its receipt
        return redirect(url_for("checkout.receipt", public_id=order.public_id))
    flash("You left the payment page: nothing was charged. You can pay below whenever "
          "you are ready.", "checkout-info")
    return redirect(url_for("catalog.show_course", slug=order.course.slug,
                            _anchor="checkout"))


@bp.get("/orders/<public_id>/authenticate")
def authenticate(public_id):
    """The bank wants the buyer to authenticate a one-click payment: this page runs
    Stripe.js's confirmation of the order's intent with the saved card (3-D Secure)."""
    order = _order_or_none(public_id)
    buyer = current_buyer()
    if order is None or buyer is None or buyer.email != order.email:
        abort(404, description="We could not find that order.")
    attempt = order.payment
    resumed = None
    if attempt is not None and attempt.flow in flows.INTENT_FLOWS:
        payments.limit_time(RECEIPT_CHECK_SECONDS)
        try:
            resumed = flows.get(attempt.flow).resume(attempt)
        except payments.PaymentError:
            abort(503, description=browser_payments.UNAVAILABLE)
    if resumed is None:
        return redirect(url_for("checkout.receipt", public_id=order.public_id))
    return render_template("checkout/authenticate.html", order=order,
                           client_secret=resumed["client_secret"],
                           payment_method=attempt.payment_method_id,
                           return_url=url_for("checkout.intent_return",
                                              public_id=order.public_id, _external=True))
