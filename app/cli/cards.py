"""`flask cards backfill`: store what the pages show of cards saved before the store kept
them (buyers with a Stripe customer but no stored card)."""

import click
from flask import current_app
from flask.cli import AppGroup

from app import cards, payments
from app.cli._stripe import require_stripe
from app.extensions import db

cards_cli = AppGroup("cards", help="Buyers' saved cards.")


@cards_cli.command("backfill")
def backfill_command():
    """Read the default card of every buyer's customer that has no stored card from
    Stripe and store it, once (safe to run again; a failure is retried next run)."""
    require_stripe()
    livemode = not payments.is_test_mode(current_app.config)
    stored = failed = 0
    for buyer in cards.buyers_to_backfill(livemode=livemode):
        try:
            card = cards.backfill(buyer, livemode=livemode)
        except payments.PaymentError as exc:
            db.session.rollback()
            failed += 1
            click.echo(f"{buyer.email}: Stripe did not answer ({exc.detail[:120]}); "
                       "run the command again later.")
            continue
        db.session.commit()
        if card is None:
            click.echo(f"{buyer.email}: no saved card at Stripe.")
        else:
            stored += 1
            click.echo(f"{buyer.email}: {card.brand} •••• {card.last4} stored.")
    click.echo(f"{stored} card(s) stored, {failed} buyer(s) to try again.")
    if failed:
        raise SystemExit(1)
