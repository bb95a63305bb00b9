"""Admin views: thin wrappers over the services in this package."""

import posixpath
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from app import flows, invoices, orders, payments, policies
from app.admin import bp, dashboard, purchases
from app.admin.auth import admin_required, authenticate, sign_out
from app.admin.export import csv_lines
from app.admin.filter_choices import course_choices, status_choices
from app.admin.forms import LoginForm, LogoutForm, RefundForm, SettleForm
from app.admin.list_rows import list_rows
from app.extensions import db
from app.models._time import utcnow
from app.money import decimal_string

PUBLIC_ENDPOINTS = {"admin.login"}
#: "Ask Stripe now" on a purchase waits this long at most for Stripe's answer.
QUICK_CHECK_SECONDS = 5


@bp.before_request
def _deny_by_default():
    """Every admin endpoint needs a signed-in admin, even one missing `admin_required`."""
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()


#: How many layers of percent-encoding `next` is decoded through before it is judged.
_NEXT_DECODE_ROUNDS = 3


def _next_is_inside_admin(target):
    """True when `target` (already decoded once by the query string) names a path inside
    /admin on this site, read in each of its decoded forms (`%2e%2e`, `%252f` and
    the like): no control (or other invisible) character, no backslash (which browsers
    read as a slash), no `..` segment, no scheme or host, and the normalised path is
    /admin or under /admin/."""
    forms = [target]
    for _ in range(_NEXT_DECODE_ROUNDS):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    else:
        return False  # still encoded after that many rounds: nothing an admin page links
    for form in forms:
        if "\\" in form or any(unicodedata.category(c).startswith("C") for c in form):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc or ".." in parts.path.split("/"):
            return False
        path = posixpath.normpath(parts.path)
        if path != "/admin" and not path.startswith("/admin/"):
            return False
    return True


def _safe_next(target):
    """Only follow `next` to a path inside the admin area; anything else (another site,
    a way out through `..`, a header break) goes to the dashboard."""
    if target and _next_is_inside_admin(target):
        return target
    return url_for("admin.show_dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password (throttled)."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.show_dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(email=form.email.data, password=form.password.data,
                              ip=request.remote_addr)
        if result.admin is not None:
            login_user(result.admin)
            return redirect(_safe_next(request.args.get("next")))
        flash(result.message, "error")
        return render_template("admin/login.html", form=form), 401
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
@admin_required
def logout():
    """Sign out (a POST with the CSRF token)."""
    if not LogoutForm().validate_on_submit():
        abort(400)
    sign_out(current_user._get_current_object())
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))


@bp.get("/")
@admin_required
def show_dashboard():
    """Revenue per day and per course, failed and pending counts, the store's mode."""
    period = request.args.get("period", "30")
    return render_template("admin/dashboard.html", **dashboard.overview(period))


def _filters_from_request():
    """Filters from the query string; on bad input flash why and use no filters."""
    args = request.args
    try:
        return purchases.parse_filters(
            status=args.get("status"), course_id=args.get("course"),
            date_from=args.get("from"), date_to=args.get("to"),
            mode=args.get("mode"), q=args.get("q"),
        ), None
    except purchases.FilterError as exc:
        return None, str(exc)


#: The query parameters the list, totals and export understand (and pass on in links).
FILTER_PARAMS = ("status", "course", "from", "to", "mode", "q")


def _filter_args():
    """The filter parameters of this request, for links; anything else is dropped."""
    return {k: request.args[k] for k in FILTER_PARAMS if request.args.get(k)}


@bp.get("/purchases")
@admin_required
def list_purchases():
    """Purchases, newest first, filtered, a page at a time."""
    filters, error = _filters_from_request()
    page = purchases.Page()
    if filters is not None:
        try:
            page = purchases.list_page(filters, after=request.args.get("after"),
                                       before=request.args.get("before"),
                                       size=current_app.config["ADMIN_PAGE_SIZE"])
        except purchases.FilterError as exc:
            error = str(exc)
    args = _filter_args()
    status = 400 if error else 200
    # one link built, each row's reference appended (a url_for per row cost more than
    # the query)
    prefix = url_for("admin.show_purchase", reference="-")[:-1]
    return render_template("admin/purchases.html", page=page, error=error, args=args,
                           rows=list_rows(page.rows, prefix),
                           course_choices=course_choices(args.get("course")),
                           status_choices=status_choices(args.get("status"))), status


@bp.get("/purchases/totals")
@admin_required
def show_totals():
    """Totals per currency for the filtered set (a fragment the list page loads)."""
    filters, error = _filters_from_request()
    if error:
        return render_template("admin/_totals.html", error=error, totals=[]), 400
    template = "admin/_totals.html" if request.args.get("fragment") else "admin/totals.html"
    return render_template(template, totals=purchases.totals(filters), error=None,
                           args=_filter_args())


@bp.get("/purchases.csv")
@admin_required
def export_purchases():
    """The filtered sales as CSV, streamed batch by batch (`attempts=1`: with the failed
    and unfinished attempts, marked `counted=no`)."""
    filters, error = _filters_from_request()
    attempts = request.args.get("attempts", "")
    if attempts not in ("", "0", "1"):
        error = "attempts is 1 (include failed and unfinished attempts) or 0."
    if error:
        return Response(error + "\n", status=400, mimetype="text/plain")
    purchases.probe(filters)  # fail here, with a status, rather than mid-stream
    name = f"purchases-{utcnow():%Y%m%d-%H%M%S}.csv"
    lines = csv_lines(filters, include_attempts=attempts == "1")
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _render_purchase(order, form, status=200):
    pending = orders.unsettled_refund(order)
    real_stripe = not current_app.config.get("STRIPE_API_BASE")
    payment = order.payment
    return render_template(
        "admin/purchase.html", order=order, form=form, settle_form=SettleForm(),
        refunds=orders.refunds_for(order.id), reasons=orders.REASONS,
        dashboard_url=purchases.dashboard_link(order, real_stripe=real_stripe),
        customer_url=purchases.customer_dashboard_link(
            payment.customer_id if payment else None, order.livemode,
            real_stripe=real_stripe),
        paid_with=purchases.paid_with(order),
        refundable=(order.status in orders.REFUNDABLE and order.remaining_refundable > 0
                    and pending is None),
        pending_refund=pending, duplicate_of=purchases.duplicate_of(order),
        policy_versions=policies.versions_of_order(order),
        documents=invoices.documents_of(order.id),
    ), status


def _purchase_or_404(reference):
    order = purchases.get_purchase(reference)
    if order is None:
        abort(404, description=f"There is no purchase {reference}.")
    return order


@bp.get("/purchases/<reference>")
@admin_required
def show_purchase(reference):
    """Every stored field of one purchase, its refunds and the refund form (opening it
    asks Stripe nothing and sends nothing)."""
    order = _purchase_or_404(reference)
    form = RefundForm(formdata=None, idempotency_key=orders.new_idempotency_key(order),
                      amount=decimal_string(order.remaining_refundable, order.currency))
    return _render_purchase(order, form)


@bp.get("/purchases/<reference>/documents/<number>.pdf")
@admin_required
def download_document(reference, number):
    """An invoice or credit note of the purchase, as issued."""
    order = _purchase_or_404(reference)
    document = invoices.document_of(order.id, number)
    if document is None:
        abort(404, description=f"Purchase {reference} has no document {number}.")
    return invoices.pdf_response(document)


@bp.post("/purchases/<reference>/settle")
@admin_required
def settle_purchase(reference):
    """"Ask Stripe now": settle the purchase's payment still awaiting Stripe's answer, and
    send again a refund of it whose answer was lost (both under their keys)."""
    order = _purchase_or_404(reference)
    if not SettleForm().validate_on_submit():
        abort(400, description="The form has expired; reload the page.")
    payments.limit_time(QUICK_CHECK_SECONDS)
    if order.payment is not None and order.payment.live:
        summary = flows.settle(order.payment, force=True)
        flash(f"Asked Stripe about {order.reference}: {summary}.", "info")
    refund = orders.unsettled_refund(order)
    if refund is not None:
        orders.settle_refund(refund)
        state = "still unknown" if refund.unsettled else refund.status
        flash(f"Sent the refund of {order.reference} again: {state}.", "info")
    return redirect(url_for("admin.show_purchase", reference=order.reference))


@bp.post("/purchases/<reference>/refund")
@admin_required
def refund_purchase(reference):
    """Send a confirmed refund to Stripe, once per rendered form."""
    order = _purchase_or_404(reference)
    form = RefundForm()
    if not form.validate_on_submit():
        return _render_purchase(order, form, 400)
    try:
        amount = orders.parse_amount(form.amount.data, order.currency)
        outcome = orders.refund_order(order=order, amount=amount, reason=form.reason.data,
                                      idempotency_key=form.idempotency_key.data,
                                      created_by=current_user.email)
    except orders.RefundError as exc:
        form.amount.errors = [str(exc)]
        db.session.refresh(order)
        form.idempotency_key.data = orders.key_after_error(order, form.idempotency_key.data)
        return _render_purchase(order, form, 400)
    money = current_app.jinja_env.filters["money"](outcome.refund.amount, order.currency)
    if outcome.repeated:
        flash(f"This refund of {money} was already sent; nothing more was refunded.", "info")
    else:
        flash(f"Refunded {money}. The purchase is now {order.status.label}.", "success")
    return redirect(url_for("admin.show_purchase", reference=order.reference))
