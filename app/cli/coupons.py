"""`flask coupons add|list|deactivate`: coupon codes from the command line."""

import click
from flask.cli import AppGroup

from app.cli.errors import OneLineError
from app.money import format_money
from app.pricing import CouponError, coupons_with_stats, create_coupon, deactivate_coupon

coupons_cli = AppGroup("coupons", help="Add, list and deactivate coupon codes.")


def _fail(exc):
    raise OneLineError("Coupon error", str(exc))


@coupons_cli.command("add")
@click.argument("code")
@click.option("--percent", metavar="N", help="Percent off, 1-100 (100: free enrolment).")
@click.option("--amount", metavar="X", help='Amount off in the currency\'s unit ("10.00").')
@click.option("--currency", metavar="C", help="ISO code of --amount (usd, eur, jpy …).")
@click.option("--courses", metavar="SLUG,…", help="Only these courses (default: all).")
@click.option("--max-redemptions", metavar="N", help="Uses in total (default: no limit).")
@click.option("--per-buyer", metavar="N", help="Uses per buyer email (default: no limit).")
@click.option("--starts", metavar="DATE", help="First day (UTC), or an ISO date and time.")
@click.option("--ends", metavar="DATE", help="Last day (UTC, included), or an ISO time.")
def add(code, percent, amount, currency, courses, max_redemptions, per_buyer, starts,
        ends):
    """Add a coupon code (percent off, or an amount off in one currency)."""
    if amount is not None and not currency:
        raise OneLineError("Coupon error", "Give --currency with --amount (e.g. usd).")
    try:
        coupon = create_coupon(code=code, percent=percent, amount=amount,
                               currency=currency, courses=courses,
                               max_redemptions=max_redemptions, per_buyer=per_buyer,
                               starts=starts, ends=ends)
    except CouponError as exc:
        _fail(exc)
    off = (f"{coupon.percent_off} % off" if coupon.percent_off is not None
           else f"{format_money(coupon.amount_off, coupon.currency)} off")
    where = "all courses" if coupon.all_courses else ", ".join(
        c.slug for c in coupon.courses)
    click.echo(f"Added {coupon.code}: {off}, {where}.")


@coupons_cli.command("list")
def list_():
    """List every code: what it takes off, uses, revenue and state."""
    rows = coupons_with_stats()
    if not rows:
        click.echo("No coupon codes yet. Add one with `flask coupons add CODE --percent N`.")
        return
    click.echo(f"{'CODE':20} {'OFF':>12} {'USED':>9}  {'STATE':11}  {'REVENUE':16}  COURSES")
    for row in rows:
        c = row.coupon
        used = f"{c.redemptions}/{c.max_redemptions}" if c.max_redemptions else str(
            c.redemptions)
        revenue = ", ".join(format_money(net, cur) for cur, (_, net, _) in
                            sorted(row.revenue.items())) or "-"
        click.echo(f"{c.code:20} {row.off:>12} {used:>9}  {row.state:11}  {revenue:16}  "
                   f"{row.applies_to}")


@coupons_cli.command("deactivate")
@click.argument("code")
def deactivate(code):
    """Stop a code from being used (placed orders keep their price)."""
    try:
        coupon = deactivate_coupon(code)
    except CouponError as exc:
        _fail(exc)
    click.echo(f"Deactivated {coupon.code}.")
