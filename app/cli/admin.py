"""`flask admin …` (filled in by the admin work)."""

from flask.cli import AppGroup

admin_cli = AppGroup("admin", help="Manage admin accounts.")
