"""Recognise a database that was never set up (or is behind the migrations), and say
what to run: one message for every command, the server's log and its error page."""

import re

from sqlalchemy.exc import DBAPIError

HOW_TO_SET_UP = "Run `flask --app app db upgrade` (or `make run`, which does it)."

#: PostgreSQL's SQLSTATEs for a table or column that is not there.
_UNDEFINED = {"42P01", "42703"}
#: SQLite's messages for the same.
_SQLITE_MISSING = re.compile(r"(no such table|no such column|table \S+ has no column named)\b")


def missing_schema(error):
    """What is missing ("no such table: orders") when `error` says the schema is not
    there or is behind the migrations; None for any other error."""
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    code = getattr(original, "pgcode", None) or getattr(original, "sqlstate", None)
    text = (str(original).strip().splitlines() or [""])[0]
    return text if code in _UNDEFINED or _SQLITE_MISSING.match(text) else None


def not_set_up_message(url, missing):
    """One line (after "Database not set up: "): which database, what it lacks, and
    what to run."""
    return (f"{url} lacks the store's tables or is behind its migrations ({missing}). "
            f"{HOW_TO_SET_UP}")


def database_name(engine):
    """The engine's URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)
