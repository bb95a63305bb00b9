"""`flask access backfill`: grant access for paid orders placed before fulfilment existed."""

import click
from flask.cli import AppGroup

from app.orders import backfill

access_cli = AppGroup("access", help="Buyers' access to courses.")


@access_cli.command("backfill")
@click.option("--email/--no-email", default=False, show_default=True,
              help="Also queue the order confirmation (with its sign-in link).")
def backfill_command(email):
    """Give every paid order's buyer access to its course, once (safe to run again)."""
    granted = backfill(notify=email)
    click.echo(f"{granted} order(s) granted access.")
