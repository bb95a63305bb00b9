"""`flask purchases …` (filled in by the admin work)."""

from flask.cli import AppGroup

purchases_cli = AppGroup("purchases", help="Export purchases.")
