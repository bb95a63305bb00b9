"""`flask purchases export`: the filtered purchases as CSV, to a file or stdout."""

import sys

import click
from flask.cli import AppGroup

from app.admin.export import sales_only, write_csv
from app.admin.purchases import FilterError, count, parse_filters
from app.catalog.services import get_course
from app.models import OrderStatus

purchases_cli = AppGroup("purchases", help="Export purchases.")


def _course_id(value):
    """A course given by slug (as `courses list` shows) or by numeric id."""
    if value is None:
        return None
    course = get_course(value.strip().lower())
    if course is not None:
        return course.id
    if value.strip().isdigit():
        return int(value)
    raise click.BadParameter(f"No course with slug {value!r} (see `flask courses list`).",
                             param_hint="'--course'")


@purchases_cli.command("export")
@click.option("--status", type=click.Choice([s.value for s in OrderStatus]),
              help="Only purchases in this status.")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First day (UTC).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last day (UTC), included.")
@click.option("--course", "course", metavar="SLUG",
              help="Only this course: its slug (or id), as `flask courses list` shows.")
@click.option("--mode", type=click.Choice(["test", "live"]),
              help="Only test-mode or only live-mode purchases.")
@click.option("-q", "--search", default="",
              help="Email or its beginning (alice, alice@ex), @domain, order id or charge id.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              default="-", show_default=True, help="CSV file to write.")
@click.option("--include-attempts", is_flag=True,
              help="Also failed and unfinished payment attempts (marked counted=no).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when writing a file from a terminal).")
def export(status, date_from, date_to, course, mode, search, include_attempts, output,
           progress):
    """Write the sales as CSV (newest first), with the same filters as the admin list."""
    # click.Path(allow_dash) keeps "-" for stdout; the file is opened with newline="" for csv.
    course_id = _course_id(course)
    try:
        filters = parse_filters(status=status, course_id=course_id, date_from=date_from,
                                date_to=date_to, mode=mode, q=search)
    except FilterError as exc:
        raise click.BadParameter(str(exc)) from None
    to_file = output != "-"
    if progress is None:
        progress = to_file and sys.stdout.isatty()
    try:
        out = open(output, "w", encoding="utf-8", newline="") if to_file else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise click.ClickException(f"Cannot write {output}: {exc.strerror}.") from None
    try:
        if progress:
            total = count(filters, extra=sales_only(filters, include_attempts))
            with click.progressbar(length=total, label="Exporting",
                                   file=sys.stdout if to_file else sys.stderr) as bar:
                written = write_csv(filters, out, on_rows=bar.update,
                                    include_attempts=include_attempts)
        else:
            written = write_csv(filters, out, include_attempts=include_attempts)
    finally:
        if to_file:
            out.close()
    if to_file:
        click.echo(f"Wrote {written} purchase(s) to {output}.")
