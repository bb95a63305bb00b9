"""`flask stripe check`."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.payments.keys import describe_mode, ping

stripe_cli = AppGroup("stripe", help="Check the Stripe configuration.")


@stripe_cli.command("check")
def check():
    """Say which mode and endpoint the keys reach, and whether they work."""
    config = current_app.config
    click.echo(f"Stripe: {describe_mode(config)}")
    ok, message = ping(config)
    click.echo(message)
    if not ok:
        raise SystemExit(1)
