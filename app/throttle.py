"""Attempt throttles: at most `limit` attempts of a key per `window` seconds may fail.

Used against password guessing (sign-in) and card testing (checkout declines).

Counting is atomic, so concurrency cannot overrun a limit. The guarded work reserves an
attempt first and settles it afterwards:

    wait = try_acquire(keys, limit=L, window=W)  # 0: reserved on every key
    if wait:
        refuse ("try again in `wait` seconds")   # nothing was reserved
    ...do the guarded work (check the password, call Stripe)...
    fail(keys, limit=L, window=W)                # it failed: the reservation stays
    release(keys)                                # or: it did not fail, give it back

A reservation counts against the limit from the moment it is taken, so with L
reservations in flight the next attempt is refused even before any of them failed: at
most L attempts per key ever reach the guarded work in a window. Once L failures are
counted the key is locked for W seconds from the last one. A reservation that is never
settled (the process died) counts as a failure until its window ends.

Each reservation is one statement, INSERT … ON CONFLICT (key) DO UPDATE … WHERE
<below the limit> RETURNING, on SQLite (3.35+) and PostgreSQL alike: no read-then-write
gap, and no unique-key race on a key's first row. Keys are taken in sorted order so two
requests never wait on each other's rows (PostgreSQL row locks).
"""

import functools
import math
from datetime import timedelta

from sqlalchemy import and_, bindparam, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Throttle
from app.models._time import as_utc, utcnow
from app.models._unique import execute_once

_table = Throttle.__table__
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _stamp(name, value):
    return bindparam(name, value, type_=_table.c.window_started_at.type)


def _count(key, *, now, limit, window):
    """Atomically add one attempt to `key`; return its new count, or None if refused.

    With limit=None the attempt is always counted (the key may go over its limit).
    """
    t = _table

    def build(p):
        unlocked = or_(t.c.locked_until.is_(None), t.c.locked_until <= p["now"])
        # A window that ended (and no lock running) starts again at this attempt.
        fresh = and_(t.c.window_started_at <= p["expired"], unlocked)
        insert = _INSERT[db.session.get_bind().dialect.name](t).values(
            key=p["key"], failures=1, window_started_at=p["now"], locked_until=None)
        allowed = None if limit is None else or_(
            fresh, and_(unlocked, t.c.failures < p["limit"]))
        return insert.on_conflict_do_update(
            index_elements=[t.c.key],
            set_={
                "failures": case((fresh, 1), else_=t.c.failures + 1),
                "window_started_at": case((fresh, p["now"]), else_=t.c.window_started_at),
                "locked_until": case((fresh, None), else_=t.c.locked_until),
            },
            where=allowed,
        ).returning(t.c.failures)

    params = {"key": key, "now": now, "expired": now - timedelta(seconds=window)}
    if limit is not None:
        params["limit"] = limit
    stamp = t.c.window_started_at.type
    return execute_once(("throttle-count", limit is None), build, params, {
        "key": t.c.key.type, "now": stamp, "expired": stamp, "limit": t.c.failures.type,
    }).scalar_one_or_none()


def _lock_full(keys, *, now, limit, window):
    """Lock the keys that reached `limit` failures for `window` seconds from now."""
    db.session.execute(
        update(_table)
        .where(_table.c.key.in_(keys), _table.c.failures >= limit)
        .values(locked_until=_stamp("until", now + timedelta(seconds=window)))
    )


def try_acquire(keys, *, limit, window, commit=True):
    """Reserve one attempt on every key; 0 when reserved, else seconds to wait.

    Ends the session's transaction (commits) so the reservation is visible at once;
    with `commit=False` the reservation is part of the caller's transaction, which
    holds the keys' rows until it ends (a concurrent reservation waits for it).
    On refusal nothing stays reserved on any key.
    """
    keys = sorted(set(keys))
    now = utcnow()
    taken = []
    for key in keys:
        if _count(key, now=now, limit=limit, window=window) is None:
            _give_back(taken)
            if commit:
                db.session.commit()
            return max(1, _seconds_blocked(keys, now=now, limit=limit, window=window))
        taken.append(key)
    if commit:
        db.session.commit()
    return 0


def fail(keys, *, limit, window, commit=True):
    """The reserved attempt failed: it stays counted; a key at `limit` gets locked."""
    _lock_full(sorted(set(keys)), now=utcnow(), limit=limit, window=window)
    if commit:
        db.session.commit()


def _give_back(keys):
    if keys:
        db.session.execute(_give_back_statement(), {"keys": keys})


@functools.cache
def _give_back_statement():
    """`_give_back`'s UPDATE, built once per process (the keys bound at each call)."""
    return (update(_table)
            .where(_table.c.key.in_(bindparam("keys", expanding=True)), _table.c.failures > 0)
            .values(failures=_table.c.failures - 1))


def release(keys, *, commit=True):
    """The reserved attempt did not fail: give the reservation back."""
    _give_back(sorted(set(keys)))
    if commit:
        db.session.commit()


def record_failure(keys, *, limit, window, commit=True):
    """Count one failure (without a reservation) against each key; lock those at `limit`.

    With `commit=False` it is part of the caller's transaction (a webhook's, which counts
    a decline together with recording it, or neither)."""
    now = utcnow()
    keys = sorted(set(keys))
    for key in keys:
        _count(key, now=now, limit=None, window=window)
    _lock_full(keys, now=now, limit=limit, window=window)
    if commit:
        db.session.commit()


def _seconds_blocked(keys, *, now, limit, window):
    """Seconds until an attempt on every key could be reserved again."""
    wait = 0
    span = timedelta(seconds=window)
    for row in db.session.execute(select(_table).where(_table.c.key.in_(keys))):
        locked_until = as_utc(row.locked_until)
        if locked_until and locked_until > now:
            wait = max(wait, math.ceil((locked_until - now).total_seconds()))
        elif limit is not None and row.failures >= limit:
            ends = as_utc(row.window_started_at) + span  # full of attempts in flight
            wait = max(wait, math.ceil((ends - now).total_seconds()))
    return wait


def seconds_locked(keys):
    """Seconds until every key is unlocked (0 when none is locked)."""
    return _seconds_blocked(keys, now=utcnow(), limit=None, window=0)


def locks(prefix):
    """{key: locked until} of every key starting with `prefix` locked right now."""
    now = utcnow()
    rows = db.session.execute(
        select(_table.c.key, _table.c.locked_until)
        .where(_table.c.key.startswith(prefix, autoescape=True), _table.c.locked_until > now))
    return {row.key: as_utc(row.locked_until) for row in rows}


def seconds_refused(keys, *, limit, window):
    """Seconds until an attempt on every key would be allowed again (0: allowed now):
    a lock, or a window that already holds `limit` attempts (sign-in links never lock,
    they are refused until their window ends)."""
    return _seconds_blocked(sorted(set(keys)), now=utcnow(), limit=limit, window=window)


def reset(key):
    """Forget the attempts of one key."""
    db.session.execute(delete(_table).where(_table.c.key == key))
    db.session.commit()


def reset_matching(prefix):
    """Forget the attempts and locks of every key starting with `prefix` ("" = all keys);
    return how many keys were cleared."""
    query = delete(_table)
    if prefix:
        query = query.where(_table.c.key.startswith(prefix, autoescape=True))
    cleared = db.session.execute(query).rowcount
    db.session.commit()
    return cleared


def reset_keys(keys):
    """Forget the attempts and locks of exactly these keys; return how many existed."""
    cleared = db.session.execute(delete(_table).where(_table.c.key.in_(keys))).rowcount
    db.session.commit()
    return cleared


def locked_keys(prefix=""):
    """(key, attempts, seconds left locked) of every key starting with `prefix`."""
    now = utcnow()
    rows = db.session.execute(
        select(_table).where(_table.c.key.startswith(prefix, autoescape=True))
        .order_by(_table.c.key)
    )
    result = []
    for row in rows:
        locked_until = as_utc(row.locked_until)
        left = math.ceil((locked_until - now).total_seconds()) if locked_until else 0
        result.append((row.key, row.failures, max(0, left)))
    return result
