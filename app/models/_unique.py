"""Inserting a row that a concurrent request may have inserted first."""

from sqlalchemy.exc import IntegrityError

from app.extensions import db


def commit_keeping():
    """Commit without expiring what the session holds: the rows just written (or locked
    until now) are still what the database has, so reading them again would be a
    wasted round trip."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


def commit_new_or_existing(row, find_existing):
    """Commit `row`; if a unique constraint says it exists already, return that one.

    Returns (row, created). The unique constraint, not a read before the write, decides
    who wins when two requests (a double click, a double submit) race.
    """
    db.session.add(row)
    try:
        commit_keeping()
    except IntegrityError:
        db.session.rollback()
        return find_existing(), False
    return row, True


def _insert():
    """The INSERT construct of the session's dialect (it knows ON CONFLICT)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the store runs on SQLite or PostgreSQL
        raise RuntimeError(f"the store does not support {dialect}")
    return insert


def insert_returning_id(model, *, update=None, **values):
    """INSERT a row and return its id, in one statement; None when a unique constraint
    says it exists. With `update` (the conflicting column, e.g. "email"), the existing
    row's id is returned instead (ON CONFLICT DO UPDATE of that column to itself).

    Runs inside the caller's transaction; a racing transaction waits for the first.
    """
    statement = _insert()(model.__table__).values(**values)
    if update is not None:
        column = model.__table__.c[update]
        statement = statement.on_conflict_do_update(
            index_elements=[column], set_={update: statement.excluded[update]})
    else:
        statement = statement.on_conflict_do_nothing()
    return db.session.execute(statement.returning(model.__table__.c.id)).scalar()


def insert_or_skip(model, **values):
    """INSERT a row unless a unique constraint or index says it exists; True if inserted.

    Runs inside the caller's transaction (ON CONFLICT DO NOTHING on SQLite and
    PostgreSQL), so a racing transaction waits for the first and then skips, instead of
    failing the whole transaction.
    """
    result = db.session.execute(_insert()(model).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1


def insert_or_update(model, *, conflict, update, where=None, **values):
    """INSERT a row, or when the unique `conflict` columns say it exists, set its
    `update` columns to the new values (only where `where` holds of the existing row):
    one statement (ON CONFLICT DO UPDATE), inside the caller's transaction. It waits for
    a concurrent insert of the same row instead of missing it. True when a row was
    written."""
    statement = _insert()(model.__table__).values(**values)
    return db.session.execute(statement.on_conflict_do_update(
        index_elements=list(conflict),
        set_={name: statement.excluded[name] for name in update},
        where=where)).rowcount == 1
