"""Inserting a row that a concurrent request may have inserted first.

The INSERT … ON CONFLICT statements here run in every checkout, webhook and sign-in, and
SQLAlchemy 2.0 never caches their compiled SQL (the dialects' `Insert` has
`inherit_cache = False`): each would be compiled again, about a third of a millisecond of
CPU each, several per checkout. So each shape (table, the columns given, the conflict
handling) is compiled once per dialect into a `text()` statement with typed parameters
(`_compiled`), which SQLAlchemy does cache; the values are passed as parameters.
"""

import re

from sqlalchemy import bindparam, text
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


#: (dialect, shape) -> the shape's text() statement, or None when it cannot be cached.
_COMPILED = {}
_NAMED_DIALECTS = {}


def _with_defaults(table, values):
    """`values` and the Python-side defaults of the columns it leaves out, evaluated now
    (an INSERT compiled once must carry every value as a parameter). None when a default
    cannot be evaluated without SQLAlchemy's execution context."""
    full = dict(values)
    for column in table.columns:
        default = column.default
        if column.key in full or default is None:
            continue
        if default.is_scalar:
            full[column.key] = default.arg
        elif default.is_callable:
            try:
                full[column.key] = default.arg(None)
            except Exception:  # noqa: BLE001  (a default that reads the context)
                return None
        else:  # a SQL expression or a sequence
            return None
    return full


def execute_once(key, build, params, types):
    """Run the statement `build(binds)` makes, compiled once per dialect and `key` (which
    must name everything that shapes the statement), with `params` as its parameters.
    `build` gets {name: bindparam} for the names in `params` (typed by `types`); every
    other value in the statement must be a constant. The statement writes: the session
    notes it (`wrote`, which release_connection reads)."""
    session = db.session()
    dialect = session.get_bind().dialect
    full_key = (dialect.name, *key)
    statement = _COMPILED.get(full_key)
    if statement is None:
        named = _NAMED_DIALECTS.get(dialect.name)
        if named is None:
            named = _NAMED_DIALECTS[dialect.name] = type(dialect)(paramstyle="named")
        binds = {name: bindparam(name, type_=types[name]) for name in params}
        compiled = build(binds).compile(dialect=named)
        # PostgreSQL casts a parameter (":context::JSON"); text() reads ":name" only
        # when no colon follows it
        sql = re.sub(r"(:\w+)::", r"\1 ::", compiled.string)
        rendered = {name: bind for bind, name in compiled.bind_names.items()}
        statement = text(sql).bindparams(*(
            bindparam(name, value=None if name in params else bind.effective_value,
                      type_=bind.type)
            for name, bind in rendered.items()))
        _COMPILED[full_key] = statement
    session.info["wrote"] = True  # text() statements are not seen as writes otherwise
    return session.execute(statement, params)


def _execute(shape, build, table, values):
    """`execute_once` of an INSERT into `table` of `values` (a dict of column values), the
    columns' Python-side defaults filled in."""
    full = _with_defaults(table, values)
    if full is None:
        db.session.info["wrote"] = True
        return db.session.execute(build(values))
    return execute_once((table.name, shape, tuple(sorted(full))), build, full,
                        {name: table.c[name].type for name in full})


def insert_returning_id(model, *, update=None, **values):
    """INSERT a row and return its id, in one statement; None when a unique constraint
    says it exists. With `update` (the conflicting column, e.g. "email"), the existing
    row's id is returned instead (ON CONFLICT DO UPDATE of that column to itself).

    Runs inside the caller's transaction; a racing transaction waits for the first.
    """
    table = model.__table__

    def build(params):
        statement = _insert()(table).values(**params)
        if update is not None:
            statement = statement.on_conflict_do_update(
                index_elements=[table.c[update]],
                set_={update: statement.excluded[update]})
        else:
            statement = statement.on_conflict_do_nothing()
        return statement.returning(table.c.id)

    return _execute(("returning-id", update), build, table, values).scalar()


def insert_or_skip(model, **values):
    """INSERT a row unless a unique constraint or index says it exists; True if inserted.

    Runs inside the caller's transaction (ON CONFLICT DO NOTHING on SQLite and
    PostgreSQL), so a racing transaction waits for the first and then skips, instead of
    failing the whole transaction.
    """
    table = model.__table__
    result = _execute(("skip",), lambda params: _insert()(table).values(**params)
                      .on_conflict_do_nothing(), table, values)
    return result.rowcount == 1


def insert_or_update(model, *, conflict, update, where=None, **values):
    """INSERT a row, or when the unique `conflict` columns say it exists, set its
    `update` columns to the new values (only where `where` holds of the existing row):
    one statement (ON CONFLICT DO UPDATE), inside the caller's transaction. It waits for
    a concurrent insert of the same row instead of missing it. True when a row was
    written. `where` must hold no parameters (e.g. `Model.column.is_(None)`): it is part
    of the statement compiled once."""
    table = model.__table__
    if where is not None and where._generate_cache_key().bindparams:
        raise ValueError("insert_or_update: `where` must not hold parameters")

    def build(params):
        statement = _insert()(table).values(**params)
        return statement.on_conflict_do_update(
            index_elements=list(conflict),
            set_={name: statement.excluded[name] for name in update}, where=where)

    shape = ("update", tuple(conflict), tuple(update),
             None if where is None else where._generate_cache_key().key)
    return _execute(shape, build, table, values).rowcount == 1
