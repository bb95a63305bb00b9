"""Inserting a row that a concurrent request may have inserted first."""

from sqlalchemy.exc import IntegrityError

from app.extensions import db


def commit_new_or_existing(row, find_existing):
    """Commit `row`; if a unique constraint says it exists already, return that one.

    Returns (row, created). The unique constraint, not a read before the write, decides
    who wins when two requests (a double click, a double submit) race.
    """
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return find_existing(), False
    return row, True


def insert_or_skip(model, **values):
    """INSERT a row unless a unique constraint or index says it exists; True if inserted.

    Runs inside the caller's transaction (ON CONFLICT DO NOTHING on SQLite and
    PostgreSQL), so a racing transaction waits for the first and then skips, instead of
    failing the whole transaction.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the store runs on SQLite or PostgreSQL
        raise RuntimeError(f"insert_or_skip does not support {dialect}")
    result = db.session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1
