"""The commands as a newcomer uses them from the README: slugs, headers, clear errors."""

import csv
import io
from datetime import timedelta

import click
import pytest

from app.extensions import db
from app.models import Throttle
from app.models._time import utcnow


def test_export_accepts_the_course_slug(cli, insert_orders):
    """`purchases export --course SLUG` (as the README says) filters by that course."""
    insert_orders([{"email": "in@example.com"}], course="sql-basics")
    insert_orders([{"email": "out@example.com"}], course="other-course")
    result = cli.invoke(args=["purchases", "export", "--course", "sql-basics"])
    assert result.exit_code == 0, result.output
    assert [r["email"] for r in csv.DictReader(io.StringIO(result.output))] == [
        "in@example.com"]
    missing = cli.invoke(args=["purchases", "export", "--course", "no-such-course"])
    assert missing.exit_code == 2
    assert "No course with slug 'no-such-course'" in missing.output


def test_export_to_a_missing_directory_is_one_clear_error(cli, app, tmp_path):
    result = cli.invoke(args=["purchases", "export", "-o", str(tmp_path / "nope" / "x.csv")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Cannot write" in result.output and "No such file or directory" in result.output
    assert "Traceback" not in result.output


def test_courses_list_has_a_header_with_id_and_slug(cli, make_course):
    make_course()
    lines = cli.invoke(args=["courses", "list"]).output.splitlines()
    assert lines[0].split()[:3] == ["ID", "SLUG", "PRICE"]
    assert lines[1].split()[0].isdigit()
    assert lines[1].split()[1:3] == ["python-jumpstart", "$69.00"]
    assert "on sale" in lines[1]


def test_courses_update_without_an_option_is_an_error(cli, make_course):
    make_course()
    result = cli.invoke(args=["courses", "update", "python-jumpstart"])
    assert result.exit_code == 2
    assert "Nothing to change" in result.output and "Updated" not in result.output


def test_courses_update_with_a_bad_currency_names_the_currency(cli, make_course):
    make_course()
    result = cli.invoke(args=["courses", "update", "python-jumpstart", "--currency", "xyz"])
    assert result.exit_code == 1
    assert "Unsupported currency 'xyz'" in result.output
    assert "price" not in result.output.lower()


def _all_options(group):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from ((f"{name} {n}", o) for n, o in _all_options(command))
        else:
            for param in command.params:
                if isinstance(param, click.Option):
                    yield name, param


def test_every_option_of_our_commands_has_help_text(app):
    ours = ("courses", "seed-demo", "stripe", "orders", "admin", "purchases", "throttle")
    missing = [f"{name} {param.opts[0]}" for name, param in _all_options(app.cli)
               if name.split()[0] in ours and not param.help]
    assert missing == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "not-an-email"], "is not an email address"),
        (["create", "owner@example.com"], "exists already"),
        (["set-password", "ghost@example.com"], "There is no admin"),
    ],
)
def test_admin_commands_check_the_email_before_asking_for_a_password(cli, admin_account,
                                                                     args, message):
    result = cli.invoke(args=["admin", *args], input="whatever password 1\n" * 2)
    assert result.exit_code == 1
    assert message in result.output
    assert "Password" not in result.output  # never prompted


def test_admin_create_rejects_a_short_password_before_the_confirmation(cli, app):
    """A short password is refused right after it is typed; the next good one is
    confirmed and used."""
    result = cli.invoke(args=["admin", "create", "new@example.com"],
                        input="short\na long enough secret\na long enough secret\n")
    assert result.exit_code == 0, result.output
    prompts = result.output
    assert "at least 12 characters long" in prompts
    # "short" was refused before any "Repeat" prompt appeared.
    assert prompts.index("at least 12 characters long.") < prompts.index("Repeat")
    assert prompts.count("Repeat for confirmation") == 1
    assert "Created admin new@example.com." in prompts


def _lock(app, key, failures=10):
    with app.app_context():
        db.session.add(Throttle(key=key, failures=failures, window_started_at=utcnow(),
                                locked_until=utcnow() + timedelta(hours=1)))
        db.session.commit()


def _keys(app):
    with app.app_context():
        return sorted(db.session.scalars(db.select(Throttle.key)))


def test_throttle_clear_lifts_the_checkout_pause_of_one_address(cli, app):
    for key in ("checkout-ip:10.0.0.1", "checkout-ip:10.0.0.10", "ip:10.0.0.1",
                "email:boss@example.com"):
        _lock(app, key)
    listing = cli.invoke(args=["throttle", "list"]).output
    assert "checkout-ip:10.0.0.1 " in listing and "s" in listing
    result = cli.invoke(args=["throttle", "clear", "--address", "10.0.0.1"])
    assert result.exit_code == 0 and "Cleared 2" in result.output
    assert _keys(app) == ["checkout-ip:10.0.0.10", "email:boss@example.com"]
    assert cli.invoke(args=["throttle", "clear"]).exit_code == 2
    result = cli.invoke(args=["throttle", "clear", "--all"])
    assert "Cleared 2" in result.output and _keys(app) == []
