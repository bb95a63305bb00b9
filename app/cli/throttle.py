"""`flask throttle list` and `flask throttle clear`: see and lift the card-testing pause
and the sign-in lock, e.g. after trying decline cards locally."""

import click
from flask.cli import AppGroup

from app import throttle

throttle_cli = AppGroup("throttle", help="See and clear checkout pauses and sign-in locks.")

#: Key prefixes of the throttles (see app/checkout/services.py and app/admin/throttle.py).
CHECKOUT = "checkout-ip:"
SIGN_IN_ADDRESS = "ip:"
SIGN_IN_EMAIL = "email:"


@throttle_cli.command("list")
def list_():
    """Show every counted address or account, its failures and how long it stays locked."""
    rows = throttle.locked_keys()
    if not rows:
        click.echo("No declined cards or failed sign-ins are being counted.")
        return
    click.echo(f"{'KEY':50} {'FAILURES':>8}  LOCKED FOR")
    for key, failures, left in rows:
        state = f"{left} s" if left else "not locked"
        click.echo(f"{key:50} {failures:>8}  {state}")


@throttle_cli.command("clear")
@click.option("--address", metavar="IP",
              help="Lift the checkout pause and sign-in lock of this client address.")
@click.option("--email", metavar="EMAIL", help="Lift the sign-in lock of this admin email.")
@click.option("--all", "everything", is_flag=True,
              help="Clear every checkout pause and sign-in lock.")
def clear(address, email, everything):
    """Clear the card-testing pause (and sign-in locks) so checkout works again at once."""
    if not (address or email or everything):
        raise click.UsageError("Say what to clear: --address IP, --email EMAIL or --all.")
    if everything:
        cleared = throttle.reset_matching("")
    else:
        keys = []
        if address:
            keys += [f"{CHECKOUT}{address.strip()}", f"{SIGN_IN_ADDRESS}{address.strip()}"]
        if email:
            keys.append(f"{SIGN_IN_EMAIL}{email.strip().lower()}")
        cleared = throttle.reset_keys(keys)
    click.echo(f"Cleared {cleared} pause(s)/lock(s).")
