"""`flask worker`: the store's background work in a process of its own.

Web processes started with MAIL_WORKER=false only serve; this process sends the outbox's
mail (retries included), prunes used sign-in links and settles payments and refunds whose
answer from Stripe was lost (`settle_due`), the same passes the web processes' thread runs
otherwise. Several may run at once: each row is claimed before it is worked on. SIGTERM
or Ctrl-C ends it after the pass under way.
"""

import logging
import signal

import click
from flask import current_app


@click.command("worker")
@click.option("--poll", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds between looks at the outbox and the payments waiting.")
@click.option("--once", is_flag=True, help="One pass, then exit (cron, a health check).")
def worker_command(poll, once):
    """Send queued mail and settle lost Stripe answers until stopped (run it beside
    gunicorn started with MAIL_WORKER=false)."""
    worker = current_app.extensions["outbox_worker"]
    if once:
        worker.run_once()
        click.echo("One pass done.")
        return
    logging.getLogger("app").setLevel(logging.INFO)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.request_stop())
    click.echo(f"Worker: sending mail and settling payments every {poll:g} s "
               "(Ctrl-C stops it)")
    worker.run_forever(poll)
    click.echo("Worker stopped.")
