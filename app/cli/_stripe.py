"""What every command that talks to Stripe does first: say which Stripe, and stop with one
clear line when there is none to talk to."""

import click
from flask import current_app

from app.payments.keys import (
    describe_mode,
    endpoint_answers,
    is_emulator,
    not_configured_message,
    unreachable_message,
)


def announce_stripe():
    """Print which mode and endpoint this command talks to; return whether a custom
    STRIPE_API_BASE is the offline emulator (None when not asked: Stripe itself, or the
    emulator `make run` recorded)."""
    config = current_app.config
    emulator = None
    if config.get("STRIPE_API_BASE") and config.get("STRIPE_API_BASE_SOURCE") != "make run":
        emulator = is_emulator(config)
    click.echo(f"Stripe: {describe_mode(config, emulator=emulator)}")
    return emulator


def require_stripe():
    """Announce the Stripe in use and check it can be reached; raise a one-line error if
    not (a slow Stripe is fine: the command's own requests wait for it)."""
    config = current_app.config
    announce_stripe()
    if not config.get("STRIPE_SECRET_KEY"):
        raise click.ClickException(not_configured_message())
    if not endpoint_answers(config):
        raise click.ClickException(unreachable_message(config))
