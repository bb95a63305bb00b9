"""The course catalog: list of courses and each course's page."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from app.catalog import routes  # noqa: E402,F401
