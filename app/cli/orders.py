"""`flask orders reconcile`: settle orders whose charge outcome we never heard."""

import click
from flask.cli import AppGroup

from app.cli._stripe import require_stripe
from app.flows import reconcile_pending
from app.orders import record_tax_due

orders_cli = AppGroup("orders", help="Maintain orders.")


@orders_cli.command("reconcile")
@click.option("--older-than", default=600, show_default=True, type=click.IntRange(min=0),
              help="Only orders and refunds pending for at least this many seconds.")
def reconcile(older_than):
    """Ask Stripe about pending orders and settle them (paid, or failed if no charge)."""
    require_stripe()
    results = reconcile_pending(older_than_seconds=older_than)
    for reference, outcome in results:
        click.echo(f"{reference}: {outcome}")
    click.echo(f"{len(results)} pending order(s) checked.")
    recorded = record_tax_due()  # TAX_MODE on: paid orders' and refunds' Stripe Tax records
    if recorded:
        click.echo(f"{recorded} Stripe Tax record(s) made.")
