"""`flask stripe check`."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli._stripe import announce_stripe
from app.payments.keys import flow_advice, ping, probe_flows

stripe_cli = AppGroup("stripe", help="Check the Stripe configuration.")


@stripe_cli.command("check")
def check():
    """Say which mode and endpoint the keys reach, whether they work, and which payment
    flows the account can use (test mode: probes that move no money)."""
    emulator = announce_stripe()
    config = current_app.config
    ok, message = ping(config, emulator=emulator)
    click.echo(message)
    if not ok:
        raise SystemExit(1)
    for line in flow_advice(config, probe_flows(config)):
        click.echo(line)
