"""Admin area (placeholder until the admin issue lands)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
