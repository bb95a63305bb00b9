"""`flask admin create EMAIL` and `flask admin set-password EMAIL`."""

import sys

import click
from flask.cli import AppGroup

from app.admin.auth import (
    AccountError,
    check_existing_admin_email,
    check_new_admin_email,
    create_admin,
    set_password,
)
from app.admin.passwords import MIN_PASSWORD_LENGTH, PasswordPolicyError, check_policy

admin_cli = AppGroup("admin", help="Manage admin accounts.")

_stdin_option = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)


def _read_password(from_stdin):
    """The password from stdin, or prompted: checked after the first entry, then confirmed."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    while True:
        password = click.prompt(f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
                                hide_input=True)
        try:
            check_policy(password)
        except PasswordPolicyError as exc:
            click.echo(f"Error: {exc}", err=True)
            continue
        if click.prompt("Repeat for confirmation", hide_input=True) == password:
            return password
        click.echo("Error: The two entered values do not match.", err=True)


@admin_cli.command("create")
@click.argument("email")
@_stdin_option
def create(email, password_stdin):
    """Create an admin account (the password is prompted twice, never an argument)."""
    try:
        check_new_admin_email(email)  # before asking for any password
        admin = create_admin(email=email, password=_read_password(password_stdin))
    except (AccountError, PasswordPolicyError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created admin {admin.email}.")


@admin_cli.command("set-password")
@click.argument("email")
@_stdin_option
def set_password_command(email, password_stdin):
    """Replace an admin's password."""
    try:
        check_existing_admin_email(email)  # before asking for any password
        admin = set_password(email=email, password=_read_password(password_stdin))
    except (AccountError, PasswordPolicyError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Password changed for {admin.email}.")
