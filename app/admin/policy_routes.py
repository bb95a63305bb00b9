"""Admin: the store's policies (terms, privacy, refunds), each save a new version."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from app import policies
from app.admin import bp
from app.admin.auth import admin_required
from app.catalog.markdown import render_markdown
from app.models import POLICY_KINDS


class PolicyForm(FlaskForm):
    body = TextAreaField("Text (Markdown)", description="Headings (##), lists, links and "
                         "tables. Every save is a new version; orders keep the version "
                         "their checkout showed.")


@bp.get("/policies")
@admin_required
def list_policies():
    """Each policy with its current version and a link to write or change it."""
    return render_template("admin/policies.html", kinds=POLICY_KINDS,
                           current=policies.current_versions())


def _kind_or_404(kind):
    if kind not in POLICY_KINDS:
        abort(404, description="There is no such policy (terms, privacy or refund).")
    return kind


@bp.route("/policies/<kind>", methods=["GET", "POST"])
@admin_required
def edit_policy(kind):
    """Write the policy; "Preview" shows it sanitized, "Save" stores a new version."""
    kind = _kind_or_404(kind)
    current = policies.get_version(kind)
    form = PolicyForm() if request.method == "POST" else PolicyForm(
        formdata=None, body=current.body if current else "")
    error = preview = None
    if request.method == "POST":
        if not form.validate_on_submit():
            error = "The form has expired; reload the page and try again."
        elif request.form.get("preview"):
            preview = render_markdown(form.body.data or "")
        else:
            try:
                saved = policies.save_version(kind=kind, body=form.body.data,
                                              admin_email=current_user.email)
            except policies.PolicyError as exc:
                error = str(exc)
            else:
                flash(f"Saved {POLICY_KINDS[kind]} as version {saved.version}." if saved
                      else "Nothing changed: the text is the current version's.",
                      "success" if saved else "info")
                return redirect(url_for("admin.edit_policy", kind=kind))
    status = 400 if error else 200
    return render_template("admin/policy_form.html", kind=kind, title=POLICY_KINDS[kind],
                           form=form, current=current, preview=preview,
                           error=error), status
