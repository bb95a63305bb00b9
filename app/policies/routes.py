"""The public policy pages: the current version of each, and every earlier one."""

from flask import abort, render_template, url_for
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.catalog.markdown import render_markdown
from app.extensions import db
from app.models import POLICY_KINDS
from app.policies import bp
from app.policies.services import current_numbers, get_version


def policy_links():
    """(kind, title, url) of each policy written so far, in a fixed order. Every page's
    footer asks, error pages too: a database that cannot answer (not set up, down, no
    free connection) gives no links rather than an error inside the error page."""
    try:
        versions = current_numbers()
    except (DBAPIError, PoolTimeout):
        db.session.rollback()
        return []
    return [(kind, title, url_for("policies.show_policy", kind=kind))
            for kind, title in POLICY_KINDS.items() if kind in versions]


def _page(kind, version=None):
    row = get_version(kind, version)
    if row is None:
        abort(404, description="This store has not written that policy yet."
              if version is None else "There is no such version of this policy.")
    latest = get_version(kind)
    return render_template("policies/policy.html", policy=row,
                           body=render_markdown(row.body),
                           latest=latest.version if latest else row.version)


@bp.get("/<kind>")
def show_policy(kind):
    """The current version of a policy (terms, privacy, refund)."""
    return _page(kind)


@bp.get("/<kind>/v<id:version>")
def show_policy_version(kind, version):
    """One version of a policy, as an order's checkout showed it."""
    return _page(kind, version)
