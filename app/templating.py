"""Template filters and globals shared by every page."""

from datetime import UTC

from flask import current_app

from app.mail.dev import dev_mailbox_enabled
from app.money import format_money
from app.payments.keys import is_test_mode


def format_datetime(value):
    """Display a stored timestamp in UTC (SQLite hands them back without a zone)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def register(app):
    """Add `money` and `datetime` filters and the store's globals."""
    app.jinja_env.filters["money"] = lambda minor, currency: format_money(minor, currency)
    app.jinja_env.filters["datetime"] = format_datetime

    @app.context_processor
    def store_globals():
        config = current_app.config
        return {
            "store_name": config["STORE_NAME"],
            "test_mode": is_test_mode(config),
            "emulated": bool(config.get("STRIPE_API_BASE")),
            "dev_mailbox": dev_mailbox_enabled(config),
        }
