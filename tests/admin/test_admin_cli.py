"""`flask admin create` and `flask admin set-password`."""

from sqlalchemy import select

from app.extensions import db
from app.models import AdminUser

from .conftest import sign_in


def _admins(app):
    with app.app_context():
        return [a.email for a in db.session.scalars(select(AdminUser))]


def test_create_reads_the_password_from_stdin_and_it_signs_in(cli, app, client):
    """--password-stdin creates a working account with a lower-case email."""
    result = cli.invoke(args=["admin", "create", "Boss@Example.com", "--password-stdin"],
                        input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com." in result.output
    assert _admins(app) == ["boss@example.com"]
    assert sign_in(client, email="boss@example.com",
                   password="a long enough secret").status_code == 302


def test_create_prompts_twice_and_refuses_a_mismatch(cli, app):
    """Without --password-stdin the password is asked twice and must match."""
    result = cli.invoke(args=["admin", "create", "boss@example.com"],
                        input="first secret value\nsecond secret value\n"
                              "another secret 12\nanother secret 12\n")
    assert result.exit_code == 0, result.output
    assert "Error: The two entered values do not match." in result.output
    assert _admins(app) == ["boss@example.com"]


def test_create_refuses_short_passwords_and_duplicates(cli, app):
    """Twelve characters at least; one account per email."""
    result = cli.invoke(args=["admin", "create", "boss@example.com", "--password-stdin"],
                        input="short\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert _admins(app) == []
    cli.invoke(args=["admin", "create", "boss@example.com", "--password-stdin"],
               input="a long enough secret\n")
    result = cli.invoke(args=["admin", "create", "BOSS@example.com", "--password-stdin"],
                        input="a long enough secret\n")
    assert result.exit_code == 1 and "exists already" in result.output


def test_set_password_replaces_the_old_one(cli, app, client):
    """After set-password only the new password works."""
    cli.invoke(args=["admin", "create", "boss@example.com", "--password-stdin"],
               input="the first password\n")
    result = cli.invoke(args=["admin", "set-password", "boss@example.com",
                              "--password-stdin"], input="the second password\n")
    assert result.exit_code == 0 and "Password changed" in result.output
    assert sign_in(client, email="boss@example.com",
                   password="the first password").status_code == 401
    assert sign_in(client, email="boss@example.com",
                   password="the second password").status_code == 302


def test_set_password_for_unknown_admin_fails(cli):
    """No account is created by set-password."""
    result = cli.invoke(args=["admin", "set-password", "ghost@example.com",
                              "--password-stdin"], input="a long enough secret\n")
    assert result.exit_code == 1 and "There is no admin" in result.output


def test_there_is_no_default_account(app):
    """A fresh database has no admin at all."""
    assert _admins(app) == []
