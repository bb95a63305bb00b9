"""`flask throttle list` and `flask throttle clear`: see and lift every limit the store
applies, e.g. after trying decline cards or asking for many sign-in links locally."""

import ipaddress
import re
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import AppGroup

from app import throttle

throttle_cli = AppGroup("throttle", help="See and clear checkout pauses, sign-in locks and "
                                         "sign-in link limits.")


@dataclass(frozen=True)
class Limit:
    """One limit: its key prefix, what it counts and the settings that bound it."""

    prefix: str
    counts: str
    by: str  # "address" or "email": what `clear` takes to lift it
    limit_setting: str
    window_setting: str

    def bounds(self):
        config = current_app.config
        return {"limit": config[self.limit_setting], "window": config[self.window_setting]}


#: Every limit the store applies, by key prefix: app/card_testing.py
#: (`key`), app/code_guessing.py (`key`), app/admin/throttle.py (`keys_for`),
#: app/account/services.py (`_keys`).
LIMITS = (
    Limit("checkout-ip:", "declined cards per address (checkout pause)", "address",
          "CHECKOUT_MAX_DECLINES", "CHECKOUT_DECLINE_WINDOW_SECONDS"),
    Limit("code-ip:", "coupon codes that cannot be used per address", "address",
          "COUPON_MAX_WRONG_CODES", "COUPON_WRONG_CODE_WINDOW_SECONDS"),
    Limit("ip:", "admin sign-in failures per address", "address",
          "LOGIN_MAX_FAILURES", "LOGIN_LOCKOUT_SECONDS"),
    Limit("email:", "admin sign-in failures per account", "email",
          "LOGIN_MAX_FAILURES", "LOGIN_LOCKOUT_SECONDS"),
    Limit("sign-in-ip:", "sign-in links per address", "address",
          "SIGN_IN_MAX_PER_IP", "SIGN_IN_WINDOW_SECONDS"),
    Limit("sign-in-email:", "sign-in links per email", "email",
          "SIGN_IN_MAX_PER_EMAIL", "SIGN_IN_WINDOW_SECONDS"),
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def limit_of(key):
    """The Limit a throttle key belongs to (None for a key no limit uses)."""
    return next((limit for limit in sorted(LIMITS, key=lambda x: -len(x.prefix))
                 if key.startswith(limit.prefix)), None)


@throttle_cli.command("list")
def list_():
    """Show every counted address or email, the limit counting it and whether it is
    being refused now, and for how long."""
    rows = [row for row in throttle.locked_keys() if row[1] or row[2]]  # 0: given back
    if not rows:
        click.echo("No declined cards, failed sign-ins or sign-in links are being counted.")
        return
    click.echo(f"{'KEY':44} {'LIMIT':46} {'COUNT':>7}  STATE")
    for key, attempts, left in rows:
        limit = limit_of(key)
        if limit is None:
            counts, count = "(no limit uses this key)", str(attempts)
        else:
            bounds = limit.bounds()
            counts, count = limit.counts, f"{attempts}/{bounds['limit']}"
            left = throttle.seconds_refused([key], **bounds)
        state = f"refusing for {left} s" if left else "allowed"
        click.echo(f"{key:44} {counts:46} {count:>7}  {state}")


def _address(ctx, param, value):
    """The spellings of an IP address a key may hold (as given, and canonical)."""
    if value is None:
        return None
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IP address (like 127.0.0.1 or ::1)."
                                 ) from None
    spellings = {value.strip(), str(ip)}
    if getattr(ip, "ipv4_mapped", None):
        spellings.add(f"::ffff:{ip.ipv4_mapped}")
    return sorted(spellings)


def _email(ctx, param, value):
    if value is None:
        return None
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise click.BadParameter(f"{value!r} is not an email address.")
    return email


@throttle_cli.command("clear")
@click.option("--address", metavar="IP", callback=_address,
              help="Lift every limit on this client address: the checkout pause, the "
                   "coupon-code refusal, the "
                   "admin sign-in lock and the sign-in link limit.")
@click.option("--email", metavar="EMAIL", callback=_email,
              help="Lift every limit on this email: the admin sign-in lock and the "
                   "sign-in link limit.")
@click.option("--all", "everything", is_flag=True,
              help="Clear every checkout pause, sign-in lock and sign-in link limit.")
def clear(address, email, everything):
    """Clear limits so checkout, admin sign-in and sign-in links work again at once."""
    if not (address or email or everything):
        raise click.UsageError("Say what to clear: --address IP, --email EMAIL or --all.")
    if everything:
        cleared = throttle.reset_matching("")
    else:
        keys = [limit.prefix + value for limit in LIMITS
                for value in ((address or []) if limit.by == "address" else [email])
                if value]
        cleared = throttle.reset_keys(keys)
    if cleared:
        click.echo(f"Cleared {cleared} limit(s): requests are allowed again.")
    else:
        click.echo("Nothing was being counted for that, so nothing was refused.")
