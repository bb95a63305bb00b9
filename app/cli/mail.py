"""`flask mail flush|list`: send queued mail now; see what the outbox holds."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.mail import flush_due
from app.models import OutboxMessage

mail_cli = AppGroup("mail", help="The store's outgoing mail (the outbox).")


@mail_cli.command("flush")
def flush():
    """Send every queued message that is due (also those a killed process left)."""
    counts = flush_due(limit=10_000)
    if not counts:
        click.echo("Nothing to send.")
    for status, count in sorted(counts.items()):
        click.echo(f"{status}: {count}")


@mail_cli.command("list")
@click.option("--limit", default=20, show_default=True)
def list_mail(limit):
    """The latest messages: id, status, tries, recipient, subject."""
    rows = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    ).all()
    for row in rows:
        click.echo(f"{row.id}\t{row.status}\t{row.attempts}\t{row.to_email}\t{row.subject}")
