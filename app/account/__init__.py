"""The buyer's account: password-less sign-in by emailed link, My courses, orders."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from app.account import routes, withdrawal  # noqa: E402,F401
