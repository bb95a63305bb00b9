"""What every command that talks to Stripe does first: say which Stripe, and stop with one
clear line when there is none to talk to."""

import click
from flask import current_app

from app.payments.keys import describe_mode, ping


def announce_stripe():
    """Print which mode and endpoint this command talks to."""
    click.echo(f"Stripe: {describe_mode(current_app.config)}")


def require_stripe():
    """Announce the Stripe in use and check it answers; raise a one-line error if not."""
    announce_stripe()
    ok, message = ping(current_app.config)
    if not ok:
        raise click.ClickException(message)
