"""`flask stripe check`."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli._stripe import announce_stripe
from app.payments.keys import ping

stripe_cli = AppGroup("stripe", help="Check the Stripe configuration.")


@stripe_cli.command("check")
def check():
    """Say which mode and endpoint the keys reach, and whether they work."""
    emulator = announce_stripe()
    ok, message = ping(current_app.config, emulator=emulator)
    click.echo(message)
    if not ok:
        raise SystemExit(1)
