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
