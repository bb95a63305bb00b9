"""Failure throttles: after `limit` failures of a key within `window` seconds, the key is
locked for `window` seconds. Used against password guessing and card testing."""

import math
from datetime import UTC, timedelta

from app.extensions import db
from app.models import Throttle
from app.models._time import utcnow


def _aware(value):
    """SQLite hands timestamps back without a zone; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def seconds_locked(keys):
    """Seconds until every key is unlocked (0 when none is locked)."""
    now = utcnow()
    wait = 0
    for row in db.session.scalars(db.select(Throttle).where(Throttle.key.in_(keys))):
        locked_until = _aware(row.locked_until)
        if locked_until and locked_until > now:
            wait = max(wait, math.ceil((locked_until - now).total_seconds()))
    return wait


def record_failure(keys, *, limit, window):
    """Count one failure against each key, locking those that reach `limit`."""
    span = timedelta(seconds=window)
    now = utcnow()
    for key in keys:
        row = db.session.get(Throttle, key)
        if row is None:
            row = Throttle(key=key, failures=0, window_started_at=now)
            db.session.add(row)
        elif _aware(row.window_started_at) + span <= now:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + span
    db.session.commit()


def reset(key):
    """Forget the failures of one key."""
    row = db.session.get(Throttle, key)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
