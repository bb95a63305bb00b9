"""`flask courses …` and `flask seed-demo`."""

import click
from flask.cli import AppGroup, with_appcontext

from app.catalog.services import (
    CourseError,
    add_course,
    all_courses,
    publish_course,
    seed_demo,
    update_course,
)
from app.money import format_money

courses_cli = AppGroup("courses", help="Add, list, change and archive courses.")


def _fail(exc):
    raise click.ClickException(str(exc))


@courses_cli.command("add")
@click.argument("slug")
@click.option("--title", required=True, help="Title shown on the catalog and the receipt.")
@click.option("--price", required=True, help='In the currency\'s unit, e.g. "69.00".')
@click.option("--currency", default=None,
              help="ISO code such as usd, eur, jpy; defaults to STORE_CURRENCY.")
@click.option("--description", default="", help="One paragraph shown on the course page.")
@click.option("--publish", is_flag=True,
              help="Put it on sale at once (otherwise it is a draft only admins see).")
def add(slug, title, price, currency, description, publish):
    """Add a course: a draft until published (`courses publish SLUG`), unless --publish."""
    from flask import current_app

    try:
        course = add_course(slug=slug, title=title, price=price,
                            currency=currency or current_app.config["STORE_CURRENCY"],
                            description=description, published=publish)
    except CourseError as exc:
        _fail(exc)
    price = format_money(course.price_minor, course.currency)
    if publish:
        click.echo(f"Added {course.slug}: {price}, on sale.")
    else:
        click.echo(f"Added {course.slug}: {price}, a draft (only admins see it). Publish it "
                   f"with: flask --app app courses publish {course.slug}")


@courses_cli.command("publish")
@click.argument("slug")
def publish(slug):
    """Publish a draft: it appears in the catalog and can be bought."""
    try:
        publish_course(slug)
    except CourseError as exc:
        _fail(exc)
    click.echo(f"Published {slug}: it is on sale.")


@courses_cli.command("list")
def list_():
    """List every course: id, slug, price, state and title."""
    courses = all_courses()
    if not courses:
        click.echo("No courses yet. Add one with `flask courses add` or `flask seed-demo`.")
        return
    click.echo(f"{'ID':>4}  {'SLUG':30} {'PRICE':>14}  {'STATE':8}  TITLE")
    for course in courses:
        state = ("draft" if not course.published
                 else "on sale" if course.active else "archived")
        price = format_money(course.price_minor, course.currency)
        click.echo(f"{course.id:>4}  {course.slug:30} {price:>14}  {state:8}  {course.title}")


@courses_cli.command("update")
@click.argument("slug")
@click.option("--title", default=None, help="New title.")
@click.option("--price", default=None,
              help='New price in the currency\'s unit, e.g. "79.00" (applies to new orders).')
@click.option("--currency", default=None,
              help="New ISO currency code; give --price with it.")
@click.option("--description", default=None, help="New description.")
@click.option("--activate", is_flag=True, help="Put an archived course back on sale.")
def update(slug, title, price, currency, description, activate):
    """Change a course's title, price, currency or description."""
    if all(v is None for v in (title, price, currency, description)) and not activate:
        raise click.UsageError(
            "Nothing to change: give --title, --price, --currency, --description or "
            "--activate."
        )
    try:
        course = update_course(slug, title=title, price=price, currency=currency,
                               description=description, active=True if activate else None)
    except CourseError as exc:
        _fail(exc)
    click.echo(f"Updated {course.slug}: {format_money(course.price_minor, course.currency)}")


@courses_cli.command("archive")
@click.argument("slug")
def archive(slug):
    """Take a course off sale (its orders stay)."""
    try:
        update_course(slug, active=False)
    except CourseError as exc:
        _fail(exc)
    click.echo(f"Archived {slug}.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when any course exists.")
@with_appcontext
def seed_demo_command(if_empty):
    """Add the demo courses that are missing."""
    if if_empty and all_courses():
        click.echo("Courses exist already; no demo courses added.")
        return
    added = seed_demo()
    click.echo(f"Added {added} demo course(s).")
