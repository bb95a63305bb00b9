"""Failures every `flask` command shows the same way: one line on stderr and a non-zero
exit status, never a traceback. A wrong setting is a ConfigError raised by `create_app`,
which, when the command line loads the app, ends here (`exit_on_configuration_error`); a
database that was never set up is caught around each command (`one_line_database_errors`,
applied to all of them by `guard_commands` in app/cli/__init__.py)."""

import functools

import click


class OneLineError(click.ClickException):
    """Shown as `<label>: <message>` (click shows other ClickExceptions as `Error: …`)."""

    def __init__(self, label, message, exit_code=1):
        super().__init__(message)
        self.label = label
        self.exit_code = exit_code

    def show(self, file=None):
        click.echo(f"{self.label}: {self.format_message()}", file=file, err=True)


def exit_on_configuration_error(error):
    """Print the line `make run` prints for the same mistake and exit with status 2.

    SystemExit rather than a ClickException: the app is loaded both to run a command and
    to list the commands for `--help`, where Flask prints any Exception's traceback."""
    click.echo(f"Configuration error: {error}", err=True)
    raise SystemExit(2)


def one_line_database_errors(callback):
    """Wrap a command's callback: a database without the store's tables gets one line
    saying what to run, instead of SQLAlchemy's traceback."""
    if getattr(callback, "one_line_database_errors", False):
        return callback

    @functools.wraps(callback)
    def run(*args, **kwargs):
        from app.database_setup import missing_schema

        try:
            return callback(*args, **kwargs)
        except Exception as error:
            missing = missing_schema(error)
            if missing is None:
                raise
            raise OneLineError("Database not set up", _not_set_up(missing)) from None

    run.one_line_database_errors = True
    return run


def _not_set_up(missing):
    from flask.cli import ScriptInfo

    from app.database_setup import database_name, not_set_up_message
    from app.extensions import db

    app = click.get_current_context().ensure_object(ScriptInfo).load_app()  # cached
    with app.app_context():
        return not_set_up_message(database_name(db.engine), missing)


def guard_commands(group):
    """Apply `one_line_database_errors` to every command under `group`."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            guard_commands(command)
        elif command.callback is not None:
            command.callback = one_line_database_errors(command.callback)
